-- Ephemeral: read by one model: computed inside it, never stored.
-- compound (geometric) rate: ((P1 / P0)^(1/n) − 1) × 100, INSEE's « taux de variation annuel moyen »
-- linear rate: (P1 − P0) / P0 / n × 100
-- source_id: the end census's (the population of record that makes the interval: e.g. the populations légales
-- 2022 for 2017-2022); compilation_historical: either end is a 1968–1999 census of the compilation.
SELECT
    p0.level, p0.code, p0.geo_year,
    c.from_census || '-' || c.to_census             AS period,
    c.to_census - c.from_census                     AS n_years,
    p0.pop                                          AS pop_start,
    p1.pop                                          AS pop_end,
    p1.pop - p0.pop                                 AS variation,
    (pow(p1.pop / p0.pop, 1.0 / (c.to_census - c.from_census)) - 1) * 100 AS rate_compound_pct,
    (p1.pop - p0.pop) / p0.pop / (c.to_census - c.from_census) * 100      AS rate_linear_pct,
    p0.estimated OR p1.estimated                    AS estimated,
    p0.compilation_historical OR p1.compilation_historical AS compilation_historical,
    p1.source_id                                    AS source_id
FROM cfg_variation_periods c
JOIN int_population_territory p0 ON p0.census_year = c.from_census
JOIN int_population_territory p1
    ON p1.census_year = c.to_census AND p1.level = p0.level AND p1.code = p0.code AND p1.geo_year = p0.geo_year
WHERE p0.level <> 'commune' AND p0.pop > 0
