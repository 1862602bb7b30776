SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       any_value(v.value) FILTER (v.indicator_id = 'effectif_salarie_prive') AS effectif_salarie_prive,
       any_value(v.value) FILTER (v.indicator_id = 'variation_effectif_salarie_prive') AS variation_brute,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_effectif_salarie_prive') AS variation_relative_pct,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id LIKE '%effectif_salarie_prive'
GROUP BY ALL
