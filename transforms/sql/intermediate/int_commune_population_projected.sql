-- A commune without a passage row is carried unchanged (violations_passage checks that it exists in the next
-- vintage); a commune with passage rows goes only where they say, with their ratio (never defaulted).
-- Vintages that copy the previous one (census_year NULL) start no walk: their census is already walked.
WITH RECURSIVE vintages AS (
    SELECT geo_year, lead(geo_year) OVER (ORDER BY geo_year) AS next_year
    FROM (SELECT DISTINCT geo_year FROM stg_commune_population)
),
walk(census_year, geo_year, codgeo, pop, estimated) AS (
    SELECT census_year, geo_year, codgeo, pop::DOUBLE, false
    FROM stg_commune_population
    WHERE pop IS NOT NULL AND census_year IS NOT NULL
    UNION ALL
    SELECT w.census_year, v.next_year, coalesce(p.cod_to, w.codgeo),
           CASE WHEN p.cod_from IS NULL THEN w.pop ELSE w.pop * p.ratio END,
           w.estimated OR (p.cod_from IS NOT NULL AND p.ratio < 1.0)
    FROM walk w
    JOIN vintages v ON v.geo_year = w.geo_year AND v.next_year IS NOT NULL
    LEFT JOIN stg_commune_passage p
        ON p.from_year = w.geo_year AND p.to_year = v.next_year AND p.cod_from = w.codgeo
)
SELECT census_year, geo_year, codgeo, sum(pop) AS pop, bool_or(estimated) AS estimated
FROM walk
WHERE geo_year >= 2008
GROUP BY ALL
