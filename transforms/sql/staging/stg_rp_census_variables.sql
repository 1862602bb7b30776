-- One row per commune × census × variable: census counts for education (diplomas of the non-schooled 15+) and
-- activity (active population at place of residence, jobs at place of work).
-- Reads: sources insee_rp_diplomes, insee_rp_actifs (empty until files are configured).
-- Shared columns: codgeo, geo_year
-- Column theme: Thème du recensement (diplomes, actifs)
-- Column census_year: Année du recensement (population municipale du recensement millésimé)
-- Column variable: Variable normalisée (niveau de diplôme, actifs au lieu de résidence, emplois au lieu de travail)
-- Column value: Effectif de la variable dans la commune
SELECT 'diplomes' AS theme, codgeo, census_year::INTEGER AS census_year, geo_year::INTEGER AS geo_year, variable,
       value
FROM read_parquet('{validated}/insee_rp_diplomes.parquet')
UNION ALL
SELECT 'actifs', codgeo, census_year::INTEGER, geo_year::INTEGER, variable, value
FROM read_parquet('{validated}/insee_rp_actifs.parquet')
