-- One row per territory × geo_year × period: population, variation, annual rates (both conventions) and their
-- natural / apparent migratory components, births, deaths and the two balances, birth and death rates (analysts'
-- view; natural balance from the séries historiques when configured, else INSEE's comparateur de territoires for
-- 2013–2018).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, periode (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column periode: Intervalle entre deux recensements
-- Column population: Population municipale (ou population sans doubles comptes aux recensements 1968–1999)
-- Column variation: Variation absolue de population entre les deux recensements
-- Column taux_annuel_compose_pct: Taux de variation annuel moyen, convention composée ((P1/P0)^(1/n) − 1) × 100
-- Column taux_annuel_lineaire_pct: Taux de variation annuel moyen, convention linéaire (P1 − P0) / P0 / n × 100
-- Column taux_solde_naturel_pct: Taux de variation annuel dû au solde naturel (%)
-- Column taux_solde_migratoire_pct: Taux de variation annuel dû au solde apparent des entrées-sorties (%)
-- Column taux_natalite_pour_mille: Taux de natalité (‰ par an)
-- Column taux_mortalite_pour_mille: Taux de mortalité (‰ par an)
-- Column naissances: Naissances entre les deux recensements
-- Column deces: Décès entre les deux recensements
-- Column solde_naturel: Solde naturel (naissances − décès) entre les deux recensements
-- Column solde_migratoire_apparent: Solde apparent des entrées-sorties (variation de population − solde naturel)
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       any_value(v.value) FILTER (v.indicator_id = 'population') AS population,
       any_value(v.value) FILTER (v.indicator_id = 'population_variation') AS variation,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_compose') AS taux_annuel_compose_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_lineaire') AS taux_annuel_lineaire_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_solde_naturel') AS taux_solde_naturel_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_solde_migratoire_apparent')
           AS taux_solde_migratoire_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_natalite') AS taux_natalite_pour_mille,
       any_value(v.value) FILTER (v.indicator_id = 'taux_mortalite') AS taux_mortalite_pour_mille,
       any_value(v.value) FILTER (v.indicator_id = 'naissances') AS naissances,
       any_value(v.value) FILTER (v.indicator_id = 'deces') AS deces,
       any_value(v.value) FILTER (v.indicator_id = 'solde_naturel') AS solde_naturel,
       any_value(v.value) FILTER (v.indicator_id = 'solde_migratoire_apparent') AS solde_migratoire_apparent,
       string_agg(DISTINCT v.flags, ',') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.level <> 'commune'
  AND v.indicator_id IN ('population', 'population_variation', 'taux_variation_annuel_moyen_compose',
                         'taux_variation_annuel_moyen_lineaire', 'taux_variation_annuel_solde_naturel',
                         'taux_variation_annuel_solde_migratoire_apparent', 'taux_natalite',
                         'taux_mortalite', 'naissances', 'deces', 'solde_naturel', 'solde_migratoire_apparent')
GROUP BY ALL
