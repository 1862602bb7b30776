SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       replace(v.indicator_id, 'part_diplome_', '') AS diplome, v.value AS part_pct, v.numerator AS effectif,
       v.denominator AS population_non_scolarisee_15p, v.flags
FROM indicator_values v JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id LIKE 'part_diplome_%'
