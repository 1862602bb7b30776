-- One row per supra-communal territory × geo_year: its label, from INSEE's label tables.
-- Reads: source insee_cog_libelles.
SELECT
    cog_year::INTEGER   AS geo_year,
    nivgeo,
    codgeo              AS code,
    libgeo              AS label
FROM read_parquet('{validated}/insee_cog_libelles.parquet')
