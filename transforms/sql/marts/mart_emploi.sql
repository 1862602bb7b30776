-- One row per territory × geo_year × period: private salaried headcount and its variations (analysts' view).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, periode (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column periode: Année de l'effectif ('2012') ou intervalle de la variation ('2008-2012')
-- Column effectif_salarie_prive: Effectif salarié moyen annuel du secteur privé
-- Column variation_brute: Variation brute de l'effectif salarié privé
-- Column variation_relative_pct: Variation relative de l'effectif salarié privé (%)
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       any_value(v.value) FILTER (v.indicator_id = 'effectif_salarie_prive') AS effectif_salarie_prive,
       any_value(v.value) FILTER (v.indicator_id = 'variation_effectif_salarie_prive') AS variation_brute,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_effectif_salarie_prive') AS variation_relative_pct,
       string_agg(DISTINCT v.flags, ',') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id LIKE '%effectif_salarie_prive'
GROUP BY ALL
