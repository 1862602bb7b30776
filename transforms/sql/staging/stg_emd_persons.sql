-- One row per surveyed person (EMD, Cerema standard): survey, household, residence sector, age, weight COEP.
-- Reads: source emd, cfg_emd.
WITH f AS (SELECT * FROM read_parquet('{validated}/emd.parquet')),
h AS (SELECT survey, "ECH", "ZONE" FROM f WHERE record = 'household')
SELECT p.survey, p.survey_year::INTEGER AS survey_year, p.min_age::INTEGER AS survey_min_age, p."ECH" AS household,
       p."PER" AS person, left(h."ZONE", (SELECT sector_length FROM cfg_emd)) AS sector, p."P2"::INTEGER AS sex,
       p."P4"::INTEGER AS age, p."COEP" AS weight
FROM f p LEFT JOIN h ON h.survey = p.survey AND h."ECH" = p."ECH"
WHERE p.record = 'person'
