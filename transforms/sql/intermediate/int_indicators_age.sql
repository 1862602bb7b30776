-- Ephemeral: read by one model: computed inside it, never stored.
-- Counts whose shares of the real population are implausible (check_age_counts_vs_population) are published
-- with the flag `implausible_input`, and so is every indicator computed from them.
WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_rp_age'),
a AS (
    SELECT g.*, p.pop AS population,
           CASE WHEN NOT (coalesce(c.under_20_plausible, true) AND coalesce(c.over_60_plausible, true)
                          AND coalesce(c.from_20_to_59_plausible, true)) THEN 'implausible_input' END AS flags,
           coalesce(p.compilation_historical, false) AS historical
    FROM int_population_age_groups g
    LEFT JOIN int_population_territory p
        ON p.level = g.level AND p.code = g.code AND p.geo_year = g.geo_year AND p.census_year = g.census_year
    LEFT JOIN check_age_counts_vs_population c
        ON c.level = g.level AND c.code = g.code AND c.geo_year = g.geo_year AND c.census_year = g.census_year
),
rows AS (
    SELECT level, code, geo_year, census_year, flags, historical, unnest([
        {'id': 'pop_moins_20_ans', 'value': pop_under_20, 'num': NULL::DOUBLE, 'den': NULL::DOUBLE,
         'unit': 'habitants'},
        {'id': 'pop_60_ans_et_plus', 'value': pop_60_plus, 'num': NULL, 'den': NULL, 'unit': 'habitants'},
        {'id': 'indice_jeunesse', 'value': 100 * pop_under_20 / nullif(pop_60_plus, 0), 'num': pop_under_20,
         'den': pop_60_plus, 'unit': 'ratio × 100'},
        {'id': 'part_moins_20_ans', 'value': 100 * pop_under_20 / nullif(population, 0), 'num': pop_under_20,
         'den': population, 'unit': '%'},
        {'id': 'part_60_ans_et_plus', 'value': 100 * pop_60_plus / nullif(population, 0), 'num': pop_60_plus,
         'den': population, 'unit': '%'}
    ], recursive := true)
    FROM a
)
SELECT id AS indicator_id, level, code, geo_year, census_year::VARCHAR AS period, value, num AS numerator,
       den AS denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, unit,
       -- a share of a 1968–1999 population of the compilation says so
       nullif(concat_ws(',', flags, CASE WHEN historical AND id LIKE 'part_%' THEN 'compilation_not_insee_series'
                                    END), '') AS flags,
       'insee_rp_age' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM rows
WHERE value IS NOT NULL
