-- One row per commune × census of INSEE's « séries historiques » (populations on the geography of the edition).
-- Reads: source insee_serie_historique (empty until a file is configured in origins.yml).
-- Shared columns: codgeo, geo_year
-- Column census_year: Année du recensement
-- Column variable: Colonne de l'Insee (Dyy_POP : population sans doubles comptes 1968–1999 ; Pyy_POP : population municipale)
-- Column pop: Population
SELECT
    codgeo,
    geo_year::INTEGER AS geo_year,
    census_year::INTEGER AS census_year,
    variable,
    pop::DOUBLE AS pop
FROM read_parquet('{validated}/insee_serie_historique.parquet')
