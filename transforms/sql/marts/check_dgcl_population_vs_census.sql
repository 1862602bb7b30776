SELECT d.year, d.codgeo, d.population_municipale AS pop_dgcl, p.pop AS pop_insee, p.geo_year AS insee_geo_year,
       p.census_year, d.population_municipale = p.pop AS equal, d.source_file, d.source_line
FROM stg_dgcl_epci_composition d
LEFT JOIN stg_commune_population p ON p.geo_year = d.year - 1 AND p.codgeo = d.codgeo
