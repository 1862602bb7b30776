-- The maps draw every vintage from the outlines of one edition (ADMIN EXPRESS COG 2018): an outline whose code is
-- no commune of that COG would draw a place no table knows (critical); a commune with no outline is left blank on
-- every map (warning, the figures hold).
SELECT 'outline_is_a_commune' AS rule, 'critical' AS severity, 'commune' AS level, o.codgeo AS code, o.geo_year,
       NULL::VARCHAR AS period, NULL::DOUBLE AS expected, NULL::DOUBLE AS actual,
       format('outline {} ({}) is no commune of the COG {}', o.codgeo, o.label, o.geo_year) AS detail
FROM stg_commune_outline o
WHERE NOT EXISTS (SELECT 1 FROM stg_commune_membership m WHERE m.geo_year = o.geo_year AND m.codgeo = o.codgeo)
UNION ALL
SELECT 'commune_has_outline', 'warning', 'commune', m.codgeo, m.geo_year, NULL, NULL, NULL,
       format('commune {} ({}) of the COG {} has no outline: blank on every map', m.codgeo, m.label, m.geo_year)
FROM stg_commune_membership m
WHERE m.geo_year IN (SELECT DISTINCT geo_year FROM stg_commune_outline)
  AND NOT EXISTS (SELECT 1 FROM stg_commune_outline o WHERE o.geo_year = m.geo_year AND o.codgeo = m.codgeo)
