SELECT f.*, c.level, c.code, c.geo_year
FROM read_parquet('{validated}/diagnostic.parquet') f
LEFT JOIN diagnostic_crosswalk c ON c.table_id = f.table_id AND c.territory = f.territory
