-- Commune flows lifted to every level of the edition's geography (geo_year = edition + 2) on both ends.
-- Destination 99999: abroad; ZZZZZ: a commune in no territory of that level (or unknown in the geography:
-- violations_flux_codes lists those).
SELECT o.level, f.geo_year, f.edition, f.source_id, o.code AS origin,
       CASE WHEN f.dest_commune = '99999' THEN '99999' ELSE coalesce(d.code, 'ZZZZZ') END AS destination,
       f.mode, f.age_band, f.sex, f.cs1, sum(f.weight) AS weight
FROM stg_flux_navettes f
JOIN int_commune_territory o ON o.geo_year = f.geo_year AND o.codgeo = f.origin_commune
LEFT JOIN int_commune_territory d ON d.geo_year = f.geo_year AND d.codgeo = f.dest_commune AND d.level = o.level
GROUP BY ALL
