SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       {{ indicator_columns('v') }}, {{ row_flags('v') }} AS flags
FROM indicator_values v JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ({{ indicator_ids() }})
GROUP BY ALL
