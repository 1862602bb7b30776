SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.value) FILTER (v.indicator_id = 'part_regionale_actifs_lieu_residence') AS part_actifs_residence_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_regionale_emplois_lieu_travail') AS part_emplois_travail_pct,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id LIKE 'part_regionale_%'
GROUP BY ALL
