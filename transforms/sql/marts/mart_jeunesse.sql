SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.value) FILTER (v.indicator_id = 'pop_moins_20_ans') AS pop_moins_20_ans,
       any_value(v.value) FILTER (v.indicator_id = 'pop_60_ans_et_plus') AS pop_60_ans_et_plus,
       any_value(v.value) FILTER (v.indicator_id = 'indice_jeunesse') AS indice_jeunesse,
       any_value(v.value) FILTER (v.indicator_id = 'part_moins_20_ans') AS part_moins_20_ans_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_60_ans_et_plus') AS part_60_ans_et_plus_pct,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags,
       any_value(v.source_id) AS source_id
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('pop_moins_20_ans', 'pop_60_ans_et_plus', 'indice_jeunesse', 'part_moins_20_ans',
                         'part_60_ans_et_plus')
GROUP BY ALL
