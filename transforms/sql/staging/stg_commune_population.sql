-- One row per commune × geo_year: the census population attached to that COG vintage.
-- Reads: source insee_population. COG 1968–1999 carry that census; COG ≥ 2008 the population municipale of the
-- census two years earlier (COG 2011 = RP 2009), so `period` (the census year) is derived from the vintage.
SELECT
    cog_year::INTEGER                                                   AS geo_year,
    (CASE WHEN cog_year < 2008 THEN cog_year ELSE cog_year - 2 END)::INTEGER AS census_year,
    codgeo,
    pop::BIGINT                                                         AS pop
FROM read_parquet('{validated}/insee_population.parquet')
