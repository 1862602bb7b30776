-- One row per DGCL year × member commune: the DGCL legal population beside the INSEE census population of
-- the matching vintage (legal populations in force on 1 January Y = population municipale of COG Y−1,
-- i.e. census Y−3). Reads: stg_dgcl_epci_composition, stg_commune_population.
-- Shared columns: codgeo, source_file, source_line
-- Column year: Année (1er janvier) de la liste DGCL
-- Column pop_dgcl: Population municipale légale selon la DGCL
-- Column pop_insee: Population municipale selon INSEE (millésime correspondant)
-- Column insee_geo_year: Millésime COG de la population INSEE comparée
-- Column census_year: Année du recensement (population municipale du recensement millésimé)
-- Column equal: Vrai si les deux populations sont égales (NULL si non vérifiable)
SELECT d.year, d.codgeo, d.population_municipale AS pop_dgcl, p.pop AS pop_insee, p.geo_year AS insee_geo_year,
       p.census_year, d.population_municipale = p.pop AS equal, d.source_file, d.source_line
FROM stg_dgcl_epci_composition d
LEFT JOIN stg_commune_population p ON p.geo_year = d.year - 1 AND p.codgeo = d.codgeo
