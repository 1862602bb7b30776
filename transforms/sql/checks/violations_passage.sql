-- Rules need no knowledge of particular communes: every cod_from exists in the earlier vintage and every cod_to
-- in the later one; every commune that disappears or appears between two consecutive vintages is explained by a
-- listed change; the shares of one source commune sum to 1. Normalisations (a table read the other way round,
-- ratios recomputed) are recorded as `info`.
WITH vintages AS (
    -- the steps a census is walked along (int_geography_vintages: none from COG 2024 to the populations légales'
    -- geography 2025, which no passage table reaches)
    SELECT geo_year AS from_year, next_year AS to_year FROM int_geography_vintages WHERE next_year IS NOT NULL
),
codes AS (SELECT DISTINCT geo_year, codgeo FROM stg_commune_population),
unknown_from AS (
    SELECT p.* FROM stg_commune_passage p
    WHERE NOT EXISTS (SELECT 1 FROM codes c WHERE c.geo_year = p.from_year AND c.codgeo = p.cod_from)
),
unknown_to AS (
    SELECT p.* FROM stg_commune_passage p
    WHERE NOT EXISTS (SELECT 1 FROM codes c WHERE c.geo_year = p.to_year AND c.codgeo = p.cod_to)
),
disappeared AS (
    SELECT v.from_year, v.to_year, a.codgeo
    FROM vintages v JOIN codes a ON a.geo_year = v.from_year
    WHERE NOT EXISTS (SELECT 1 FROM codes b WHERE b.geo_year = v.to_year AND b.codgeo = a.codgeo)
      AND NOT EXISTS (SELECT 1 FROM stg_commune_passage p
                      WHERE p.from_year = v.from_year AND p.to_year = v.to_year AND p.cod_from = a.codgeo)
),
appeared AS (
    SELECT v.from_year, v.to_year, b.codgeo
    FROM vintages v JOIN codes b ON b.geo_year = v.to_year
    WHERE NOT EXISTS (SELECT 1 FROM codes a WHERE a.geo_year = v.from_year AND a.codgeo = b.codgeo)
      AND NOT EXISTS (SELECT 1 FROM stg_commune_passage p
                      WHERE p.from_year = v.from_year AND p.to_year = v.to_year AND p.cod_to = b.codgeo)
),
share_sums AS (
    SELECT from_year, to_year, cod_from, sum(ratio) AS ratio_sum, count(*) FILTER (ratio IS NULL) AS n_missing
    FROM stg_commune_passage GROUP BY ALL
)
SELECT 'passage_cod_from_exists' AS rule, 'critical' AS severity, 'commune' AS level, cod_from AS code,
       to_year AS geo_year, NULL::VARCHAR AS period, NULL::DOUBLE AS expected, NULL::DOUBLE AS actual,
       format('{} → {} (step {}→{}): {} is not a commune of COG {}', cod_from, cod_to, from_year, to_year,
              cod_from, from_year) AS detail
FROM unknown_from
UNION ALL
SELECT 'passage_cod_to_exists', 'critical', 'commune', cod_to, to_year, NULL, NULL, NULL,
       format('{} → {} (step {}→{}): {} is not a commune of COG {}', cod_from, cod_to, from_year, to_year,
              cod_to, to_year)
FROM unknown_to
UNION ALL
SELECT 'change_explained', 'critical', 'commune', codgeo, to_year, NULL, NULL, NULL,
       format('{} is in COG {} but not in COG {}, and no passage row of step {}→{} leads from it',
              codgeo, from_year, to_year, from_year, to_year)
FROM disappeared
UNION ALL
SELECT 'change_explained', 'critical', 'commune', codgeo, to_year, NULL, NULL, NULL,
       format('{} is in COG {} but not in COG {}, and no passage row of step {}→{} leads to it',
              codgeo, to_year, from_year, from_year, to_year)
FROM appeared
UNION ALL
SELECT 'shares_sum_to_one', 'critical', 'commune', cod_from, to_year, NULL, 1.0, ratio_sum,
       format('shares of {} in step {}→{} sum to {} ({} missing)', cod_from, from_year, to_year,
              round(ratio_sum, 6), n_missing)
FROM share_sums
WHERE n_missing > 0 OR abs(ratio_sum - 1) > 1e-6
UNION ALL
SELECT DISTINCT 'passage_orientation', 'info', 'commune', NULL, to_year, NULL, NULL, NULL,
       format('step {}→{}: the delivered forward table runs backwards; the rows labelled {}→{} are used',
              from_year, to_year, to_year, from_year)
FROM stg_commune_passage WHERE orientation <> 'as_delivered'
UNION ALL
SELECT 'passage_ratio_recomputed', 'info', 'commune', cod_from, to_year, NULL, NULL, ratio,
       format('{} → {} (step {}→{}): ratio {} ({})', cod_from, cod_to, from_year, to_year, round(ratio, 6),
              ratio_origin)
FROM stg_commune_passage WHERE ratio_origin <> 'cog'
