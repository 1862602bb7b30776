SELECT * FROM read_parquet('{validated}/diagnostic_crosswalk.parquet')
