SELECT 'share_plausibility' AS rule, 'warning' AS severity, level, code, geo_year, census_year::VARCHAR AS period,
       population AS expected, (pop_under_20 + pop_60_plus)::DOUBLE AS actual,
       format('{} {} (COG {}, census {}): under 20 = {} % , 60+ = {} % of the real population {}', level, code,
              geo_year, census_year, round(100 * share_under_20, 1), round(100 * share_60_plus, 1),
              round(population)) AS detail
FROM check_age_counts_vs_population
WHERE NOT (coalesce(under_20_plausible, true) AND coalesce(over_60_plausible, true)
           AND coalesce(from_20_to_59_plausible, true))
UNION ALL
SELECT 'share_plausibility', 'warning', level, code, geo_year, census_year::VARCHAR, population, count,
       format('{} {} (COG {}, census {}): {} = {} % of the real population {}, outside [{} %, {} %]', level, code,
              geo_year, census_year, count_id, round(100 * share, 1), round(population), round(100 * min_share),
              round(100 * max_share))
FROM check_census_counts_vs_population
WHERE NOT coalesce(plausible, true)
