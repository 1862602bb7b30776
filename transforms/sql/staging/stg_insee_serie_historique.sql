SELECT
    codgeo,
    geo_year::INTEGER AS geo_year,
    census_year::INTEGER AS census_year,
    variable,
    pop::DOUBLE AS pop
FROM read_parquet('{validated}/insee_serie_historique.parquet')
