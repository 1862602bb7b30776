-- One row per supra-communal territory × geo_year: its label, from INSEE's label tables.
-- Reads: source insee_cog_libelles.
-- Shared columns: geo_year, code
-- Column nivgeo: Niveau géographique dans la nomenclature INSEE (EPCI, ZE2010, ARR, DEP, REG …)
-- Column label: Libellé du territoire dans ce millésime
SELECT
    cog_year::INTEGER   AS geo_year,
    nivgeo,
    codgeo              AS code,
    libgeo              AS label
FROM read_parquet('{validated}/insee_cog_libelles.parquet')
