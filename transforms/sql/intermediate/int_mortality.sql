-- Expected = Σ reference rate(sex, age) × population(sex, age); reference = all communes of the files pooled.
-- Intervals: count_ci_* (Byar from 10 deaths, exact Poisson below) and poisson_exact_* (Dobson for the DSR) are
-- Python functions (transforms/methods/standardisation.py) registered in DuckDB.
WITH cfg AS (SELECT * FROM cfg_mortality),
ref AS (
    SELECT sex, age_group, sum(deaths) / nullif(sum(population), 0) AS rate, sum(population) AS std_pop
    FROM stg_mortality_counts GROUP BY ALL
),
cells AS (
    SELECT t.level, t.code, c.sex, c.age_group, sum(c.deaths) AS deaths, sum(c.population) AS population
    FROM stg_mortality_counts c
    JOIN int_commune_territory t ON t.geo_year = (SELECT geo_year FROM cfg) AND t.codgeo = c.codgeo
    WHERE t.level <> 'commune'
    GROUP BY ALL
),
agg AS (
    SELECT c.level, c.code, sum(c.deaths) AS observed, sum(c.population * r.rate) AS expected,
           sum(r.std_pop * c.deaths / nullif(c.population, 0)) / sum(r.std_pop) AS dsr,
           sum(r.std_pop * r.std_pop * c.deaths / nullif(c.population * c.population, 0)) / pow(sum(r.std_pop), 2)
               AS dsr_variance
    FROM cells c JOIN ref r USING (sex, age_group)
    GROUP BY ALL
),
years AS (SELECT min(year) || '-' || max(year) AS period FROM stg_mortality_counts)
SELECT a.level, a.code, (SELECT geo_year FROM cfg) AS geo_year, (SELECT period FROM years) AS period,
       a.observed, a.expected,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100 * a.observed / a.expected END AS icm,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100 * count_ci_low(a.observed, 0.95) / a.expected END AS icm_ci95_low,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100 * count_ci_high(a.observed, 0.95) / a.expected END AS icm_ci95_high,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100 * count_ci_low(a.observed, 0.998) / a.expected END AS icm_ci998_low,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100 * count_ci_high(a.observed, 0.998) / a.expected END AS icm_ci998_high,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100000 * a.dsr END AS dsr_per_100000,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100000 * (a.dsr + sqrt(a.dsr_variance / a.observed)
            * (poisson_exact_low(a.observed, 0.95) - a.observed)) END AS dsr_ci95_low,
       CASE WHEN a.observed >= cfg.suppress_below THEN 100000 * (a.dsr + sqrt(a.dsr_variance / a.observed)
            * (poisson_exact_high(a.observed, 0.95) - a.observed)) END AS dsr_ci95_high,
       CASE WHEN a.observed < cfg.suppress_below THEN 'suppressed'
            WHEN a.observed < cfg.reliable_from THEN 'low_reliability' END AS flags
FROM agg a, cfg
WHERE a.expected > 0
