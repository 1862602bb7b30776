-- A commune with inhabitants but no membership would drop them from every level: critical. Filled from a linked
-- commune or the next vintage (documented in stg_commune_membership): warning, the numbers hold.
SELECT 'membership_complete' AS rule, 'critical' AS severity, 'commune' AS level, p.codgeo AS code, p.geo_year,
       NULL::VARCHAR AS period, NULL::DOUBLE AS expected, p.pop::DOUBLE AS actual,
       format('commune {} has a population in COG {} but no membership row that year', p.codgeo, p.geo_year)
           AS detail
FROM stg_commune_population p
WHERE p.geo_year BETWEEN (SELECT min(geo_year) FROM stg_commune_membership)
                     AND (SELECT max(geo_year) FROM stg_commune_membership)
  AND p.pop IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM stg_commune_membership m WHERE m.geo_year = p.geo_year AND m.codgeo = p.codgeo)
UNION ALL
SELECT 'membership_complete', 'warning', 'commune', codgeo, geo_year, NULL, NULL, NULL,
       format('commune {} is missing from the COG {} membership table; zonings {}', codgeo, geo_year,
              membership_origin)
-- (a geography beyond the COG, whose memberships the populations légales give: violations_completeness says
-- which levels it lacks)
FROM stg_commune_membership WHERE membership_origin NOT IN ('cog', 'insee_populations_legales')
UNION ALL
SELECT 'membership_has_population', 'info', 'commune', m.codgeo, m.geo_year, NULL, NULL, NULL,
       format('commune {} is in the COG {} membership table but not in its population table', m.codgeo, m.geo_year)
FROM stg_commune_membership m
WHERE NOT EXISTS (SELECT 1 FROM stg_commune_population p WHERE p.geo_year = m.geo_year AND p.codgeo = m.codgeo)
