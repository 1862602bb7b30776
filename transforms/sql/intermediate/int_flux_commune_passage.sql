-- Every commune code at either end of a flow, carried from its edition's geography (edition N: COG of 1 January
-- N+2) onto that geography and every later vintage of the COG tables, one vintage at a time, as the census
-- populations are (int_commune_population_projected): a code without a passage row stays itself; a commune with
-- passage rows goes only where they say, with their ratio; merges sum. `ratio` is the share of the old code's
-- flows that reaches `codgeo` (1 without a split); `estimated` is true when a split ratio < 1 was applied.
-- 99999 (abroad) and codes unknown in the geography have no passage rows: they are carried unchanged.
-- No walk beyond the last vintage of the COG tables (int_geography_vintages).
WITH RECURSIVE vintages AS (SELECT geo_year, next_year FROM int_geography_vintages),
codes AS (
    SELECT DISTINCT geo_year, origin_commune AS codgeo FROM stg_flux_navettes
    UNION SELECT DISTINCT geo_year, dest_commune FROM stg_flux_navettes
    UNION SELECT DISTINCT geo_year, commune FROM stg_flux_migrations
    UNION SELECT DISTINCT geo_year, previous_commune FROM stg_flux_migrations
),
walk(from_year, cod_from, geo_year, codgeo, ratio, estimated) AS (
    SELECT geo_year, codgeo, geo_year, codgeo, 1.0::DOUBLE, false FROM codes
    UNION ALL
    SELECT w.from_year, w.cod_from, v.next_year, coalesce(p.cod_to, w.codgeo),
           CASE WHEN p.cod_from IS NULL THEN w.ratio ELSE w.ratio * p.ratio END,
           w.estimated OR (p.cod_from IS NOT NULL AND p.ratio < 1.0)
    FROM walk w
    JOIN vintages v ON v.geo_year = w.geo_year AND v.next_year IS NOT NULL
    LEFT JOIN stg_commune_passage p
        ON p.from_year = w.geo_year AND p.to_year = v.next_year AND p.cod_from = w.codgeo
)
SELECT from_year, cod_from, geo_year, codgeo, sum(ratio) AS ratio, bool_or(estimated) AS estimated
FROM walk
GROUP BY ALL
