-- Flags: the source's own marker (suppressed, not_available); the last quarter of an edition is provisional
-- (INSEE revises it with the next one); a value that differs from an earlier edition's is revised. Set here once,
-- per edition, so that indicator_values (the latest edition) and mart_chomage (every edition) carry the same.
SELECT *,
       coalesce(flag, CASE WHEN quarter = last_quarter THEN 'provisional' END,
                CASE WHEN earlier_rate IS NOT NULL AND earlier_rate <> rate THEN 'revised' END) AS flags
FROM (
    SELECT *,
           row_number() OVER (PARTITION BY level, code, geo_year, quarter ORDER BY edition DESC) AS edition_rank,
           max(quarter) OVER (PARTITION BY edition) AS last_quarter,
           lead(rate) OVER (PARTITION BY level, code, geo_year, quarter ORDER BY edition DESC) AS earlier_rate
    FROM stg_insee_chomage
)
