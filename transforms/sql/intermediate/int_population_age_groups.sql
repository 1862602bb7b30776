-- Commune rows are summed to every level of the same geography; rows given at a supra-communal level are kept.
-- A group is computed only where the bands tile it exactly (0–19: closed bands covering 20 years from 0;
-- 60+: bands from 60 ending with an open band, contiguous), so that 0–14/15–29 tables never fake an under-20.
WITH rows AS (
    SELECT t.level, t.code, b.geo_year, b.census_year, b.age_min, b.age_max, sum(b.population) AS population
    FROM stg_rp_age_bands b
    JOIN int_commune_territory t ON b.level = 'commune' AND t.geo_year = b.geo_year AND t.codgeo = b.code
    GROUP BY ALL
    UNION ALL
    SELECT level, code, geo_year, census_year, age_min, age_max, population
    FROM stg_rp_age_bands WHERE level <> 'commune'
),
groups AS (
    SELECT level, code, geo_year, census_year,
           sum(population) FILTER (age_max <= 19) AS under_20,
           min(age_min) FILTER (age_max <= 19) AS under_20_from,
           sum(age_max - age_min + 1) FILTER (age_max <= 19) AS under_20_years,
           sum(population) FILTER (age_min >= 60) AS over_60,
           min(age_min) FILTER (age_min >= 60) AS over_60_from,
           count(*) FILTER (age_min >= 60 AND age_max IS NULL) AS over_60_open,
           max(age_min) FILTER (age_min >= 60) AS over_60_last,
           sum(age_max - age_min + 1) FILTER (age_min >= 60 AND age_max IS NOT NULL) AS over_60_closed_years
    FROM rows GROUP BY ALL
)
SELECT level, code, geo_year, census_year,
       CASE WHEN under_20_from = 0 AND under_20_years = 20 THEN under_20 END AS pop_under_20,
       CASE WHEN over_60_from = 60 AND over_60_open = 1
                 AND coalesce(over_60_closed_years, 0) = over_60_last - 60 THEN over_60 END AS pop_60_plus
FROM groups
