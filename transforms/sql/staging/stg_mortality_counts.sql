WITH d AS (SELECT codgeo, year, sex, age_min, age_max, age_group, value FROM read_parquet('{validated}/deces_age_sexe.parquet')),
p AS (SELECT codgeo, year, sex, age_min, age_max, age_group, value FROM read_parquet('{validated}/population_age_sexe.parquet'))
SELECT coalesce(d.codgeo, p.codgeo) AS codgeo, coalesce(d.year, p.year)::INTEGER AS year,
       coalesce(d.sex, p.sex)::INTEGER AS sex, coalesce(d.age_min, p.age_min)::INTEGER AS age_min,
       coalesce(d.age_group, p.age_group) AS age_group, coalesce(d.value, 0) AS deaths, p.value AS population
FROM d FULL JOIN p USING (codgeo, year, sex, age_group)
