WITH v AS (
    SELECT geo_year, any_value(copy_of_geo_year) AS copy_of_geo_year, sum(pop) AS total
    FROM stg_commune_population GROUP BY ALL
)
SELECT 'distinct_vintages' AS rule, 'warning' AS severity, 'france_entiere' AS level, 'FR' AS code, c.geo_year,
       (c.geo_year - 2)::VARCHAR AS period, o.total::DOUBLE AS expected, c.total::DOUBLE AS actual,
       format('COG {} populations equal COG {}''s for most communes (same total {}): they are census {} again, '
              'not census {}; that period is not published', c.geo_year, c.copy_of_geo_year, c.total,
              c.copy_of_geo_year - 2, c.geo_year - 2) AS detail
FROM v c JOIN v o ON o.geo_year = c.copy_of_geo_year
WHERE c.copy_of_geo_year IS NOT NULL
