-- Residential flows lifted to every level of the edition's geography on both ends. previous = 99999: abroad
-- one year earlier (outside internal migration); ZZZZZ: a commune in no territory of that level.
SELECT c.level, f.geo_year, f.edition, f.source_id, c.code AS current_code,
       CASE WHEN f.previous_commune = '99999' THEN '99999' ELSE coalesce(p.code, 'ZZZZZ') END AS previous_code,
       f.age_band, sum(f.weight) AS weight
FROM stg_flux_migrations f
JOIN int_commune_territory c ON c.geo_year = f.geo_year AND c.codgeo = f.commune
LEFT JOIN int_commune_territory p ON p.geo_year = f.geo_year AND p.codgeo = f.previous_commune AND p.level = c.level
GROUP BY ALL
