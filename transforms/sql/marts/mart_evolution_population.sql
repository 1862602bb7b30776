SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       any_value(v.denominator) AS population_debut, any_value(v.numerator) AS population_fin,
       any_value(v.value) FILTER (v.indicator_id = 'population_variation') AS variation,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_compose') AS taux_annuel_compose_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_lineaire') AS taux_annuel_lineaire_pct,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('population_variation', 'taux_variation_annuel_moyen_compose',
                         'taux_variation_annuel_moyen_lineaire')
GROUP BY ALL
