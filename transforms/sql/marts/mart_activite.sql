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
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('emplois_lieu_travail', 'emplois_salaries_lieu_travail', 'population_15_64_ans',
                         'actifs_15_64_ans', 'chomeurs_15_64_ans', 'taux_activite_15_64_ans',
                         'taux_chomage_recensement_15_64_ans', 'emplois_par_actif_occupe_15_64_ans',
                         'etablissements_actifs')
GROUP BY ALL
