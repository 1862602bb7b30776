-- Ephemeral: read by one model: computed inside it, never stored.
-- Each row names its census's source (the compilation insee_population, or the populations légales delivery of
-- its vintage) and carries `compilation_not_insee_series` when built from a 1968–1999 census of the compilation.
WITH pop AS (
    SELECT 'population' AS indicator_id, level, code, geo_year, census_year::VARCHAR AS period,
           pop AS value, NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, 'habitants' AS unit, estimated,
           compilation_historical, source_id
    FROM int_population_territory
),
var AS (
    SELECT unnest([
               {'id': 'population_variation', 'value': variation, 'unit': 'habitants'},
               {'id': 'taux_variation_annuel_moyen_compose', 'value': rate_compound_pct, 'unit': '%'},
               {'id': 'taux_variation_annuel_moyen_lineaire', 'value': rate_linear_pct, 'unit': '%'}
           ], recursive := true),
           level, code, geo_year, period, pop_end AS numerator, pop_start AS denominator, estimated,
           compilation_historical, source_id
    FROM int_population_variation
),
rows AS (
    SELECT indicator_id, level, code, geo_year, period, value, numerator, denominator, unit, estimated,
           compilation_historical, source_id
    FROM pop
    UNION ALL
    SELECT id, level, code, geo_year, period, value, numerator, denominator, unit, estimated,
           compilation_historical, source_id
    FROM var
)
SELECT r.indicator_id, r.level, r.code, r.geo_year, r.period, r.value, r.numerator, r.denominator,
       NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, r.unit,
       nullif(concat_ws(',', CASE WHEN r.estimated THEN 'estimated' END,
                        CASE WHEN r.compilation_historical THEN 'compilation_not_insee_series' END), '') AS flags,
       r.source_id, s.sha256 AS source_sha256
FROM rows r
LEFT JOIN cfg_sources s USING (source_id)
