-- Each census is checked per source (the séries historiques, when configured, carry 1968–1999 from their own
-- geography on, the compilation before it: int_census_population).
-- France entière: the projected total equals the census total on its own geography, on every later vintage.
-- Each département: its total equals its total on the previous vintage unless a change crossed its border in
-- between. Every vintage: the départements add up to France entière (a commune without membership would not).
-- Splits share by ratio, so totals may differ from an integer by rounding: tolerance 0.5 inhabitant.
WITH reference AS (
    SELECT census_year, source_id, sum(pop) AS total FROM int_census_population GROUP BY ALL
),
national AS (
    SELECT census_year, source_id, geo_year, sum(pop) AS total FROM int_commune_population_projected GROUP BY ALL
),
dep_totals AS (
    SELECT p.census_year, p.source_id, p.geo_year, m.departement, sum(p.pop) AS total
    FROM int_commune_population_projected p
    JOIN stg_commune_membership m USING (geo_year, codgeo)
    GROUP BY ALL
),
dep AS (
    SELECT *, lag(geo_year) OVER w AS previous_year, lag(total) OVER w AS previous_total
    FROM dep_totals
    WINDOW w AS (PARTITION BY census_year, source_id, departement ORDER BY geo_year)
),
moved AS (
    SELECT DISTINCT s.to_year AS geo_year, d.departement
    FROM stg_commune_passage s
    JOIN stg_commune_membership a ON a.geo_year = s.from_year AND a.codgeo = s.cod_from
    JOIN stg_commune_membership b ON b.geo_year = s.to_year AND b.codgeo = s.cod_to,
    LATERAL (SELECT unnest([a.departement, b.departement]) AS departement) d
    WHERE a.departement <> b.departement
),
dep_sums AS (SELECT census_year, source_id, geo_year, sum(total) AS total FROM dep GROUP BY ALL)
SELECT 'conservation_france' AS rule, 'critical' AS severity, 'france_entiere' AS level, 'FR' AS code,
       n.geo_year, n.census_year::VARCHAR AS period, r.total::DOUBLE AS expected, n.total AS actual,
       format('census {} on COG {}: {} inhabitants, {} on its own geography', n.census_year, n.geo_year,
              round(n.total, 1), r.total) AS detail
FROM national n JOIN reference r USING (census_year, source_id)
WHERE abs(n.total - r.total) > 0.5
UNION ALL
SELECT 'conservation_departement', 'critical', 'departement', d.departement, d.geo_year, d.census_year::VARCHAR,
       d.previous_total, d.total,
       format('census {}, département {}: {} on COG {}, {} on COG {} (no change crossed its border)',
              d.census_year, d.departement, round(d.previous_total, 1), d.previous_year, round(d.total, 1),
              d.geo_year)
FROM dep d
WHERE d.previous_year IS NOT NULL AND abs(d.total - d.previous_total) > 0.5
  AND NOT EXISTS (SELECT 1 FROM moved m WHERE m.geo_year = d.geo_year AND m.departement = d.departement)
UNION ALL
SELECT 'conservation_membership', 'critical', 'france_entiere', 'FR', n.geo_year, n.census_year::VARCHAR,
       n.total, s.total,
       format('census {} on COG {}: the départements add up to {}, the communes to {}', n.census_year,
              n.geo_year, round(s.total, 1), round(n.total, 1))
FROM national n JOIN dep_sums s USING (census_year, source_id, geo_year)
WHERE abs(n.total - s.total) > 0.5
