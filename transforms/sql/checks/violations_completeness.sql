-- Expected: every census (a vintage that is not a copy) on every geography from its own on, at every level the
-- geography has; every configured variation period whose two censuses exist, at every level but commune.
WITH census AS (
    SELECT DISTINCT census_year, geo_year AS own_year FROM stg_commune_population WHERE census_year IS NOT NULL
),
levels AS (SELECT DISTINCT geo_year, level FROM int_commune_territory),
expected AS (
    SELECT 'population' AS indicator_id, l.level, l.geo_year, c.census_year::VARCHAR AS period
    FROM levels l JOIN census c ON c.own_year <= l.geo_year
    UNION ALL
    SELECT i.indicator_id, l.level, l.geo_year, v.from_census || '-' || v.to_census
    FROM levels l
    JOIN cfg_variation_periods v ON l.level <> 'commune'
    JOIN census a ON a.census_year = v.from_census AND a.own_year <= l.geo_year
    JOIN census b ON b.census_year = v.to_census AND b.own_year <= l.geo_year
    CROSS JOIN (SELECT unnest(['population_variation', 'taux_variation_annuel_moyen_compose',
                               'taux_variation_annuel_moyen_lineaire']) AS indicator_id) i
),
actual AS (
    SELECT indicator_id, level, geo_year, period, count(value) AS n_values
    FROM indicator_values
    WHERE indicator_id IN ('population', 'population_variation', 'taux_variation_annuel_moyen_compose',
                           'taux_variation_annuel_moyen_lineaire')
    GROUP BY ALL
)
SELECT 'completeness' AS rule, 'critical' AS severity, e.level, NULL::VARCHAR AS code, e.geo_year, e.period,
       1.0 AS expected, coalesce(a.n_values, 0)::DOUBLE AS actual,
       format('{} at level {} on COG {} for {}: {}', e.indicator_id, e.level, e.geo_year, e.period,
              CASE WHEN a.n_values IS NULL THEN 'absent' ELSE 'no value' END) AS detail
FROM expected e
LEFT JOIN actual a USING (indicator_id, level, geo_year, period)
WHERE coalesce(a.n_values, 0) = 0
