-- Ephemeral: read by one model: computed inside it, never stored.
-- cfg_sources. A share computed from a count implausible against the real population (the diploma table's total,
-- or the territory's or its région's activity count) carries the flag implausible_input.
WITH counts AS (
    SELECT t.level, t.code, c.geo_year, c.census_year, c.theme, c.variable, sum(c.value) AS value
    FROM stg_rp_census_variables c
    JOIN int_commune_territory t ON t.geo_year = c.geo_year AND t.codgeo = c.codgeo
    WHERE t.level <> 'commune'
    GROUP BY ALL
),
diplomas AS (
    SELECT 'part_diplome_' || d.variable AS indicator_id, d.level, d.code, d.geo_year, d.census_year,
           100 * d.value / nullif(t.value, 0) AS value, d.value AS numerator, t.value AS denominator,
           'insee_rp_diplomes' AS source_id, 'diplomes:total' AS base_count, NULL AS region
    FROM counts d
    JOIN counts t ON t.theme = 'diplomes' AND t.variable = 'total' AND t.level = d.level AND t.code = d.code
                 AND t.geo_year = d.geo_year AND t.census_year = d.census_year
    WHERE d.theme = 'diplomes' AND d.variable <> 'total'
),
activity AS (
    SELECT 'part_regionale_' || a.variable AS indicator_id, a.level, a.code, a.geo_year, a.census_year,
           100 * a.value / nullif(r.value, 0) AS value, a.value AS numerator, r.value AS denominator,
           'insee_rp_actifs' AS source_id, 'actifs:' || a.variable AS base_count, o.region
    FROM counts a
    JOIN int_territory_region o ON o.level = a.level AND o.code = a.code AND o.geo_year = a.geo_year
    JOIN counts r ON r.theme = 'actifs' AND r.level = 'region' AND r.code = o.region AND r.geo_year = a.geo_year
                 AND r.census_year = a.census_year AND r.variable = a.variable
    WHERE a.theme = 'actifs'
)
SELECT x.indicator_id, x.level, x.code, x.geo_year, x.census_year::VARCHAR AS period, x.value, x.numerator,
       x.denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, '%' AS unit,
       CASE WHEN EXISTS (SELECT 1 FROM check_census_counts_vs_population k
                         WHERE k.count_id = x.base_count AND k.geo_year = x.geo_year
                           AND k.census_year = x.census_year AND NOT coalesce(k.plausible, true)
                           AND ((k.level = x.level AND k.code = x.code) OR (k.level = 'region' AND k.code = x.region)))
            THEN 'implausible_input' END AS flags,
       x.source_id, s.sha256 AS source_sha256
FROM (SELECT * FROM diplomas UNION ALL BY NAME SELECT * FROM activity) x
LEFT JOIN cfg_sources s USING (source_id)
