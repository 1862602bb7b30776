-- The partition results of FD_MOBPRO (one Parquet per département of residence, aggregated outside the store:
-- sources/insee_rp_flux.py), each attached to its edition by the validated summary that lists it. The detail
-- file wins over the base flux file for an edition both deliver (no double count).
WITH fd AS (
    SELECT s.edition, s.geo_year, d.*
    FROM read_parquet('{partitions:insee_fd_mobpro}', filename = true) d
    JOIN read_parquet('{validated}/insee_fd_mobpro.parquet') s ON s.partition_file = d.filename
),
base AS (
    SELECT * FROM read_parquet('{validated}/insee_base_flux_mobpro.parquet')
    WHERE edition NOT IN (SELECT DISTINCT edition FROM fd)
)
SELECT 'insee_fd_mobpro' AS source_id, edition::INTEGER AS edition, geo_year::INTEGER AS geo_year,
       commune AS origin_commune, dest_commune, dest_code,
       -- TRANS: the bicycle got its own code from RP2017 (1 none, 2 walk, 3 bicycle, 4 motorised two-wheeler,
       -- 5 car, 6 public transport); before, 1 none, 2 walk, 3 two-wheeler, 4 car, 5 public transport.
       CASE WHEN edition >= 2017 THEN
                CASE trans WHEN '1' THEN 'aucun' WHEN '2' THEN 'marche' WHEN '3' THEN 'velo'
                           WHEN '4' THEN 'deux_roues_motorises' WHEN '5' THEN 'voiture'
                           WHEN '6' THEN 'transports_en_commun' END
            ELSE
                CASE trans WHEN '1' THEN 'aucun' WHEN '2' THEN 'marche' WHEN '3' THEN 'deux_roues'
                           WHEN '4' THEN 'voiture' WHEN '5' THEN 'transports_en_commun' END
       END AS mode, age_band, sex, cs1, CAST(weight AS DOUBLE) AS weight
FROM fd
UNION ALL
SELECT 'insee_base_flux_mobpro', edition::INTEGER, geo_year::INTEGER, commune, dest_commune, dest_code,
       NULL, NULL, NULL, NULL, weight
FROM base
