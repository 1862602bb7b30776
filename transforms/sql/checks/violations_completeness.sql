-- stg_commune_membership, cfg_variation_periods.
-- Expected: every census (a vintage that is not a copy) on its own geography and every later one the passage
-- tables reach, at every level the geography has; every configured variation period whose two censuses exist, at every level but commune.
WITH census AS (SELECT census_year, min(geo_year) AS own_year FROM int_census_population GROUP BY ALL),
levels AS (SELECT DISTINCT geo_year, level FROM int_commune_territory),
-- a census reaches its own geography and the later ones of the COG tables (not geography 2025: no passage table)
reach AS (
    SELECT c.census_year, l.geo_year, l.level
    FROM census c JOIN levels l
        ON l.geo_year = c.own_year
        OR (l.geo_year > c.own_year AND l.geo_year IN (SELECT geo_year FROM int_geography_vintages WHERE in_cog))
),
expected AS (
    SELECT 'population' AS indicator_id, r.level, r.geo_year, r.census_year::VARCHAR AS period
    FROM reach r
    UNION ALL
    SELECT i.indicator_id, a.level, a.geo_year, v.from_census || '-' || v.to_census
    FROM cfg_variation_periods v
    JOIN reach a ON a.census_year = v.from_census AND a.level <> 'commune'
    JOIN reach b ON b.census_year = v.to_census AND b.level = a.level AND b.geo_year = a.geo_year
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
UNION ALL
-- levels a geography beyond the COG tables has no membership for (geography 2025: only the populations légales'
-- own levels): recorded, not guessed (info)
SELECT 'level_not_delivered', 'info', z.level, NULL, m.geo_year, NULL, NULL, NULL,
       format('geography {}: no {} membership of that vintage is bundled (memberships from the populations '
              'légales delivery: commune, arrondissement, département, région); {} not published', m.geo_year,
              z.level, z.level)
FROM (SELECT DISTINCT geo_year FROM stg_commune_membership WHERE membership_origin = 'insee_populations_legales') m
CROSS JOIN (SELECT unnest(['epci', 'ze2010', 'ze2020']) AS level) z
