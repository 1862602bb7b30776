-- One row per territory × geo_year × census interval: variation and average annual rates (analysts' view).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, periode (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column periode: Intervalle entre deux recensements
-- Column population_debut: Population au recensement de début
-- Column population_fin: Population au recensement de fin
-- Column variation: Variation absolue de population entre les deux recensements
-- Column taux_annuel_compose_pct: Taux de variation annuel moyen, convention composée ((P1/P0)^(1/n) − 1) × 100
-- Column taux_annuel_lineaire_pct: Taux de variation annuel moyen, convention linéaire (P1 − P0) / P0 / n × 100
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       any_value(v.denominator) AS population_debut, any_value(v.numerator) AS population_fin,
       any_value(v.value) FILTER (v.indicator_id = 'population_variation') AS variation,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_compose') AS taux_annuel_compose_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_lineaire') AS taux_annuel_lineaire_pct,
       any_value(v.flags) AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('population_variation', 'taux_variation_annuel_moyen_compose',
                         'taux_variation_annuel_moyen_lineaire')
GROUP BY ALL
