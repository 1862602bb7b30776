-- Codes of the census flow files must exist in the edition's geography (COG of 1 January N+2), or be INSEE's
-- documented abroad code (99999). A warning: the flows of an unknown code stay out of the territory flows
-- (origin) or go to ZZZZZ (destination); the weight they carry is reported.
WITH codes AS (
    SELECT 'navettes' AS flux, geo_year, edition, origin_commune AS code, 'residence' AS role, sum(weight) AS w
    FROM stg_flux_navettes GROUP BY ALL
    UNION ALL
    SELECT 'navettes', geo_year, edition, dest_commune, 'lieu_de_travail', sum(weight)
    FROM stg_flux_navettes WHERE dest_commune <> '99999' GROUP BY ALL
    UNION ALL
    SELECT 'migrations', geo_year, edition, commune, 'residence', sum(weight)
    FROM stg_flux_migrations GROUP BY ALL
    UNION ALL
    SELECT 'migrations', geo_year, edition, previous_commune, 'residence_anterieure', sum(weight)
    FROM stg_flux_migrations WHERE previous_commune <> '99999' GROUP BY ALL
)
SELECT 'flux_code_in_geography' AS rule, 'warning' AS severity, 'commune' AS level, c.code, c.geo_year,
       c.edition::VARCHAR AS period, NULL::DOUBLE AS expected, c.w AS actual,
       format('{} {}: code {} ({}) is not a commune of COG {} (weight {})', c.flux, c.edition, c.code, c.role,
              c.geo_year, round(c.w, 1)) AS detail
FROM codes c
WHERE NOT EXISTS (SELECT 1 FROM stg_commune_membership m WHERE m.geo_year = c.geo_year AND m.codgeo = c.code)
