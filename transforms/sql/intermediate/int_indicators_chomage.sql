-- Flags: the source's own marker (suppressed, not_available); the last quarter of an edition is provisional
-- (INSEE revises it with the next one); a value that differs from an earlier edition's is revised.
-- Rates are never summed or averaged into groupings (no counts of unemployed and active people here).
WITH ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY level, code, geo_year, quarter ORDER BY edition DESC) AS edition_rank,
           max(quarter) OVER (PARTITION BY edition) AS last_quarter,
           lead(rate) OVER (PARTITION BY level, code, geo_year, quarter ORDER BY edition DESC) AS earlier_rate
    FROM stg_insee_chomage
    WHERE level <> 'ze2020_partie_regionale'
)
SELECT 'taux_chomage' AS indicator_id, level, code, geo_year, quarter AS period, rate AS value,
       NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high,
       '%' AS unit,
       coalesce(flag, CASE WHEN quarter = last_quarter THEN 'provisional' END,
                CASE WHEN earlier_rate IS NOT NULL AND earlier_rate <> rate THEN 'revised' END) AS flags,
       'insee_chomage' AS source_id, (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_chomage') AS source_sha256
FROM ranked
WHERE edition_rank = 1
