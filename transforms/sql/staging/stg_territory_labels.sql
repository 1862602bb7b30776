SELECT
    cog_year::INTEGER   AS geo_year,
    nivgeo,
    codgeo              AS code,
    libgeo              AS label
FROM read_parquet('{validated}/insee_cog_libelles.parquet')
