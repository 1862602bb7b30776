-- COG 1968–1999 carry that census; COG ≥ 2008 the
-- population municipale of the census two years earlier (COG 2011 = RP 2009), so `census_year` is derived from the
-- vintage. Where INSEE's populations légales delivery exists for a vintage (edition N on the geography of N+2:
-- census 2022 on COG 2024, census 2023 on geography 2025), it is the population of record of that vintage and
-- replaces the compilation's rows (a municipal arrondissement of Paris, Lyon or Marseille counts in its commune;
-- a commune of the vintage the delivery does not list, Mayotte's, stays without population).
-- A vintage whose populations equal the previous vintage's for most communes (share ≥ 0.9, where consecutive
-- censuses share about 7 %) holds a copy, not a new census (the compilation repeats COG 2021 in 2022 and COG 2023
-- in 2024): its rows keep the commune list of the vintage (codes are that geography's) but `census_year` is NULL
-- and `copy_of_geo_year` names the vintage it repeats, so no period is published under a false census year.
WITH legal AS (
    SELECT geo_year, commune AS codgeo, sum(pmun)::BIGINT AS pop, any_value(census_year) AS legal_census
    FROM stg_insee_populations_legales
    WHERE level = 'commune'
    GROUP BY ALL
),
compiled AS (
    SELECT cog_year::INTEGER AS geo_year, codgeo, pop::BIGINT AS pop
    FROM read_parquet('{validated}/insee_population.parquet')
),
raw AS (
    SELECT geo_year, codgeo, pop, NULL::INTEGER AS legal_census, 'insee_population' AS source_id
    FROM compiled WHERE geo_year NOT IN (SELECT geo_year FROM legal)
    UNION ALL
    SELECT geo_year, codgeo, pop, legal_census, 'insee_populations_legales' FROM legal
    UNION ALL
    -- a commune of the vintage the delivery does not list (Mayotte: no legal population of this kind) stays
    -- in the vintage's commune list, without population
    SELECT c.geo_year, c.codgeo, NULL, l.legal_census, 'insee_populations_legales'
    FROM compiled c
    JOIN (SELECT DISTINCT geo_year, legal_census FROM legal) l USING (geo_year)
    ANTI JOIN legal x ON x.geo_year = c.geo_year AND x.codgeo = c.codgeo
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
    CASE WHEN r.legal_census IS NOT NULL THEN r.legal_census
         WHEN s.share_equal >= 0.9 THEN NULL
         WHEN r.geo_year < 2008 THEN r.geo_year ELSE r.geo_year - 2 END::INTEGER AS census_year,
    r.codgeo,
    r.pop,
    CASE WHEN r.legal_census IS NULL AND s.share_equal >= 0.9 THEN s.previous_year END::INTEGER AS copy_of_geo_year,
    r.source_id
FROM raw r
LEFT JOIN sameness s USING (geo_year)
