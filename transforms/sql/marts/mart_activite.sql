-- One row per territory × geo_year × census: jobs at the place of work, activity and census unemployment of the
-- 15–64, jobs per employed resident, establishments, from INSEE's base comparateur de territoires (analysts' view).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, recensement (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column recensement: Année du recensement (établissements : au 31 décembre de cette année)
-- Column emplois_lieu_travail: Emplois au lieu de travail
-- Column emplois_salaries_lieu_travail: Emplois salariés au lieu de travail
-- Column population_15_64_ans: Population de 15 à 64 ans
-- Column actifs_15_64_ans: Actifs de 15 à 64 ans (au lieu de résidence)
-- Column chomeurs_15_64_ans: Chômeurs de 15 à 64 ans au sens du recensement
-- Column taux_activite_15_64_pct: Actifs pour 100 personnes de 15 à 64 ans
-- Column taux_chomage_recensement_15_64_pct: Chômeurs pour 100 actifs de 15 à 64 ans (recensement, pas le taux localisé BIT)
-- Column emplois_pour_100_actifs_occupes: Emplois au lieu de travail pour 100 actifs occupés de 15 à 64 ans résidents (définition : indicator_catalogue)
-- Column etablissements_actifs: Établissements actifs au 31 décembre
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.value) FILTER (v.indicator_id = 'emplois_lieu_travail') AS emplois_lieu_travail,
       any_value(v.value) FILTER (v.indicator_id = 'emplois_salaries_lieu_travail') AS emplois_salaries_lieu_travail,
       any_value(v.value) FILTER (v.indicator_id = 'population_15_64_ans') AS population_15_64_ans,
       any_value(v.value) FILTER (v.indicator_id = 'actifs_15_64_ans') AS actifs_15_64_ans,
       any_value(v.value) FILTER (v.indicator_id = 'chomeurs_15_64_ans') AS chomeurs_15_64_ans,
       any_value(v.value) FILTER (v.indicator_id = 'taux_activite_15_64_ans') AS taux_activite_15_64_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_chomage_recensement_15_64_ans')
           AS taux_chomage_recensement_15_64_pct,
       any_value(v.value) FILTER (v.indicator_id = 'emplois_par_actif_occupe_15_64_ans')
           AS emplois_pour_100_actifs_occupes,
       any_value(v.value) FILTER (v.indicator_id = 'etablissements_actifs') AS etablissements_actifs,
       string_agg(DISTINCT v.flags, ',') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('emplois_lieu_travail', 'emplois_salaries_lieu_travail', 'population_15_64_ans',
                         'actifs_15_64_ans', 'chomeurs_15_64_ans', 'taux_activite_15_64_ans',
                         'taux_chomage_recensement_15_64_ans', 'emplois_par_actif_occupe_15_64_ans',
                         'etablissements_actifs')
GROUP BY ALL
