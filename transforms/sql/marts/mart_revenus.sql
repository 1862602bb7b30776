SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       v.source_id AS source,
       any_value(v.value) FILTER (v.indicator_id = 'mediane_niveau_vie') AS mediane_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'premier_quartile_niveau_vie') AS premier_quartile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'troisieme_quartile_niveau_vie') AS troisieme_quartile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'premier_decile_niveau_vie') AS premier_decile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'neuvieme_decile_niveau_vie') AS neuvieme_decile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'rapport_interdecile_d9_d1') AS rapport_interdecile_d9_d1,
       any_value(v.value) FILTER (v.indicator_id = 'indice_gini_niveau_vie') AS indice_gini,
       any_value(v.value) FILTER (v.indicator_id = 'taux_pauvrete') AS taux_pauvrete_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_menages_fiscaux_imposes') AS part_menages_fiscaux_imposes_pct,
       any_value(v.value) FILTER (v.indicator_id = 'menages_fiscaux') AS menages_fiscaux,
       any_value(v.value) FILTER (v.indicator_id = 'personnes_menages_fiscaux') AS personnes_menages_fiscaux,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.source_id IN ('insee_filosofi', 'insee_comparateur') AND v.level = 'commune'
  AND v.indicator_id IN ('mediane_niveau_vie', 'premier_quartile_niveau_vie', 'troisieme_quartile_niveau_vie',
                         'premier_decile_niveau_vie', 'neuvieme_decile_niveau_vie', 'rapport_interdecile_d9_d1',
                         'indice_gini_niveau_vie', 'taux_pauvrete', 'part_menages_fiscaux_imposes',
                         'menages_fiscaux', 'personnes_menages_fiscaux')
GROUP BY ALL
