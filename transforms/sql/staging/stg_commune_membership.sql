-- One row per commune × geo_year (COG at 1 January): label and every supra-communal zoning.
-- Reads: source insee_cog_appartenance. NULL epci (the 2008 table's way of saying « no EPCI ») becomes the
-- INSEE marker ZZZZZZZZZ used from 2009, so that « no EPCI » is spelled one way.
SELECT
    cog_year::INTEGER                AS geo_year,
    codgeo,
    libgeo                           AS label,
    reg                              AS region,
    dep                              AS departement,
    arr                              AS arrondissement,
    coalesce(epci, 'ZZZZZZZZZ')      AS epci,
    nature_epci,
    ze2010,
    ze2020
FROM read_parquet('{validated}/insee_cog_appartenance.parquet')
