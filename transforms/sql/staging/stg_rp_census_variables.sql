SELECT 'diplomes' AS theme, codgeo, census_year::INTEGER AS census_year, geo_year::INTEGER AS geo_year, variable,
       value
FROM read_parquet('{validated}/insee_rp_diplomes.parquet')
UNION ALL
SELECT 'actifs', codgeo, census_year::INTEGER, geo_year::INTEGER, variable, value
FROM read_parquet('{validated}/insee_rp_actifs.parquet')
