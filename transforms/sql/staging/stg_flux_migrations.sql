-- The partition results of FD_MIGCOM (one Parquet per département of residence, aggregated outside the store),
-- each attached to its edition by the validated summary that lists it. The detail file wins over the base flux
-- file for an edition both deliver (no double count).
WITH fd AS (
    SELECT s.edition, s.geo_year, d.*
    FROM read_parquet('{partitions:insee_fd_migcom}', filename = true) d
    JOIN read_parquet('{validated}/insee_fd_migcom.parquet') s ON s.partition_file = d.filename
),
base AS (
    SELECT * FROM read_parquet('{validated}/insee_base_flux_migcom.parquet')
    WHERE edition NOT IN (SELECT DISTINCT edition FROM fd)
)
SELECT 'insee_fd_migcom' AS source_id, edition::INTEGER AS edition, geo_year::INTEGER AS geo_year,
       commune, dest_commune AS previous_commune, dest_code AS previous_code, iran, age_band, sex, cs1,
       CAST(weight AS DOUBLE) AS weight
FROM fd
UNION ALL
SELECT 'insee_base_flux_migcom', edition::INTEGER, geo_year::INTEGER, commune, dest_commune, dest_code,
       NULL, NULL, NULL, NULL, weight
FROM base
