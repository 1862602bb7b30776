-- COG 1968–1999 carry that census; COG ≥ 2008 the population municipale of the
-- census two years earlier (COG 2011 = RP 2009), so `census_year` is derived from the vintage.
-- A vintage whose populations equal the previous vintage's for most communes (share ≥ 0.9, where consecutive
-- censuses share about 7 %) holds a copy, not a new census (the compilation repeats COG 2021 in 2022 and COG 2023
-- in 2024): its rows keep the commune list of the vintage (codes are that geography's) but `census_year` is NULL
-- and `copy_of_geo_year` names the vintage it repeats, so no period is published under a false census year.
WITH raw AS (
    SELECT cog_year::INTEGER AS geo_year, codgeo, pop::BIGINT AS pop
    FROM read_parquet('{validated}/insee_population.parquet')
),
vintages AS (
    SELECT geo_year, lag(geo_year) OVER (ORDER BY geo_year) AS previous_year
    FROM (SELECT DISTINCT geo_year FROM raw)
),
sameness AS (
    SELECT v.geo_year, v.previous_year, avg((a.pop = b.pop)::INTEGER) AS share_equal
    FROM vintages v
    JOIN raw a ON a.geo_year = v.geo_year
    JOIN raw b ON b.geo_year = v.previous_year AND b.codgeo = a.codgeo
    WHERE a.pop IS NOT NULL AND b.pop IS NOT NULL
    GROUP BY ALL
)
SELECT
    r.geo_year,
    CASE WHEN s.share_equal >= 0.9 THEN NULL
         WHEN r.geo_year < 2008 THEN r.geo_year ELSE r.geo_year - 2 END::INTEGER AS census_year,
    r.codgeo,
    r.pop,
    CASE WHEN s.share_equal >= 0.9 THEN s.previous_year END::INTEGER AS copy_of_geo_year
FROM raw r
LEFT JOIN sameness s USING (geo_year)
