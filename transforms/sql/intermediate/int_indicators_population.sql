-- Ephemeral: read by one model: computed inside it, never stored.
WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_population'),
pop AS (
    SELECT 'population' AS indicator_id, level, code, geo_year, census_year::VARCHAR AS period,
           pop AS value, NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, 'habitants' AS unit, estimated
    FROM int_population_territory
),
var AS (
    SELECT unnest([
               {'id': 'population_variation', 'value': variation, 'unit': 'habitants'},
               {'id': 'taux_variation_annuel_moyen_compose', 'value': rate_compound_pct, 'unit': '%'},
               {'id': 'taux_variation_annuel_moyen_lineaire', 'value': rate_linear_pct, 'unit': '%'}
           ], recursive := true),
           level, code, geo_year, period, pop_end AS numerator, pop_start AS denominator, estimated
    FROM int_population_variation
)
SELECT indicator_id, level, code, geo_year, period, value, numerator, denominator,
       NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, unit,
       CASE WHEN estimated THEN 'estimated' END AS flags,
       'insee_population' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM pop
UNION ALL
SELECT id, level, code, geo_year, period, value, numerator, denominator, NULL, NULL, unit,
       CASE WHEN estimated THEN 'estimated' END, 'insee_population', (SELECT sha256 FROM src)
FROM var
