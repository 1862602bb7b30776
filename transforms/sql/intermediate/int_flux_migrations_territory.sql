-- Residential flows (on the edition's geography and carried onto every later one: int_flux_migrations_commune)
-- lifted to every level of that geography on both ends. A commune in no territory of a level (outside a grouping,
-- in no EPCI …) is ZZZZZ at that level, so that moves into and out of a territory are kept; previous = 99999:
-- abroad one year earlier (outside internal migration).
WITH lv AS (SELECT DISTINCT geo_year, level FROM int_commune_territory)
SELECT lv.level, f.geo_year, f.edition, f.source_id, coalesce(c.code, 'ZZZZZ') AS current_code,
       CASE WHEN f.previous_commune = '99999' THEN '99999' ELSE coalesce(p.code, 'ZZZZZ') END AS previous_code,
       f.age_band, sum(f.weight) AS weight, bool_or(f.estimated) AS estimated
FROM int_flux_migrations_commune f
JOIN lv ON lv.geo_year = f.geo_year
LEFT JOIN int_commune_territory c ON c.geo_year = f.geo_year AND c.codgeo = f.commune AND c.level = lv.level
LEFT JOIN int_commune_territory p ON p.geo_year = f.geo_year AND p.codgeo = f.previous_commune AND p.level = lv.level
WHERE c.code IS NOT NULL OR p.code IS NOT NULL
GROUP BY ALL
