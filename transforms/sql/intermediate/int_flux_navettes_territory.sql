-- Commune flows (on the edition's geography, geo_year = edition + 2, and carried onto every later one:
-- int_flux_navettes_commune) lifted to every level of that geography on both ends. A commune in no territory of a
-- level (outside a grouping, in no EPCI, unknown in the geography: violations_flux_codes) is ZZZZZ at that level,
-- so that flows into and out of a territory from such communes are kept; destination 99999: abroad.
WITH lv AS (SELECT DISTINCT geo_year, level FROM int_commune_territory)
SELECT lv.level, f.geo_year, f.edition, f.source_id, coalesce(o.code, 'ZZZZZ') AS origin,
       CASE WHEN f.dest_commune = '99999' THEN '99999' ELSE coalesce(d.code, 'ZZZZZ') END AS destination,
       f.mode, f.age_band, f.sex, f.cs1, sum(f.weight) AS weight, bool_or(f.estimated) AS estimated
FROM int_flux_navettes_commune f
JOIN lv ON lv.geo_year = f.geo_year
LEFT JOIN int_commune_territory o ON o.geo_year = f.geo_year AND o.codgeo = f.origin_commune AND o.level = lv.level
LEFT JOIN int_commune_territory d ON d.geo_year = f.geo_year AND d.codgeo = f.dest_commune AND d.level = lv.level
WHERE o.code IS NOT NULL OR d.code IS NOT NULL
GROUP BY ALL
