SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.numerator) FILTER (v.indicator_id = 'densite_population') AS population,
       any_value(v.value) FILTER (v.indicator_id = 'superficie') AS superficie_km2,
       any_value(v.value) FILTER (v.indicator_id = 'densite_population') AS densite_hab_km2,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('superficie', 'densite_population')
GROUP BY ALL
