-- The sample number ECH repeats across sampling sectors: the sector is part of the key.
SELECT survey, coalesce(method, '') AS method, sector, household, residence_zone, household_weight
FROM read_parquet('{validated}/emd.parquet')
WHERE record = 'household'
