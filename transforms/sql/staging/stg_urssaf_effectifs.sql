SELECT zoning AS level, code, label, measure, year::INTEGER AS year, value, flag, geo_year::INTEGER AS geo_year,
       source_file, source_line
FROM read_parquet('{validated}/urssaf_effectifs.parquet')
