-- Residence sector = the household's sampling sector (PTIR / STP).
-- Weighting rule (the parser's weight_scope): where the survey has a weight of the interviewed persons (COEQ,
-- or COEP beside COE1), only the persons interviewed about their trips (PENQ = 1) count, with that weight;
-- else every person was interviewed and counts with COEP.
SELECT survey, standard, survey_year::INTEGER AS survey_year, min_age AS survey_min_age, weighting, weight_scope,
       coalesce(method, '') AS method, sector, household, person, sex::INTEGER AS sex, age::INTEGER AS age,
       interviewed, person_weight, interviewed_weight,
       CASE WHEN weight_scope = 'all' THEN person_weight WHEN interviewed THEN interviewed_weight END AS trip_weight
FROM read_parquet('{validated}/emd.parquet')
WHERE record = 'person'
