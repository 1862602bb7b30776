-- Parts: communes for every zoning (EPCI, ZE2010, ZE2020, arrondissement, département, région, France
-- métropolitaine); arrondissements for their département (where every commune has one), départements for their
-- région, régions for France métropolitaine, members for a named grouping. A parent is checked only when all
-- its parts are published for that indicator, geo_year and period. Tolerance 0.5 (split shares).
WITH counts AS NOT MATERIALIZED (
    SELECT indicator_id, level, code, geo_year, period, value
    FROM indicator_values WHERE unit IN ('habitants', 'salariés') AND value IS NOT NULL
),
by_zonings AS (
    -- communes summed once per combination of zonings, then per level (cheaper than one join per level)
    SELECT c.indicator_id, c.geo_year, c.period, g.epci, g.ze2010, g.ze2020, g.arrondissement, g.departement,
           g.region, g.france_metro, sum(c.value) AS total
    FROM counts c
    JOIN geo_commune g ON c.level = 'commune' AND g.geo_year = c.geo_year AND g.codgeo = c.code
    GROUP BY ALL
),
from_communes AS (
    SELECT indicator_id, geo_year, period, level, code, 'commune' AS part_level, sum(total) AS total
    FROM by_zonings,
    LATERAL (SELECT unnest([
        {'level': 'epci', 'code': CASE WHEN epci <> 'ZZZZZZZZZ' THEN epci END},
        {'level': 'ze2010', 'code': ze2010},
        {'level': 'ze2020', 'code': ze2020},
        {'level': 'arrondissement', 'code': CASE WHEN arrondissement <> 'ZZZZ' THEN arrondissement END},
        {'level': 'departement', 'code': departement},
        {'level': 'region', 'code': region},
        {'level': 'france_metro', 'code': CASE WHEN france_metro THEN 'FM' END}
    ], recursive := true))
    WHERE code IS NOT NULL
    GROUP BY ALL
),
without_arrondissement AS (
    SELECT DISTINCT geo_year, departement FROM geo_commune
    WHERE arrondissement IS NULL OR arrondissement = 'ZZZZ'
),
links AS (
    SELECT DISTINCT g.geo_year, 'arrondissement' AS part_level, g.arrondissement AS part_code,
           'departement' AS level, g.departement AS code
    FROM geo_commune g
    WHERE g.arrondissement IS NOT NULL AND g.arrondissement <> 'ZZZZ'
      AND NOT EXISTS (SELECT 1 FROM without_arrondissement w
                      WHERE w.geo_year = g.geo_year AND w.departement = g.departement)
    UNION
    SELECT DISTINCT geo_year, 'departement', departement, 'region', region FROM geo_commune WHERE region IS NOT NULL
    UNION
    SELECT DISTINCT geo_year, 'region', region, 'france_metro', 'FM' FROM geo_commune
    WHERE france_metro AND region IS NOT NULL
    UNION
    SELECT y.geo_year, m.member_level, m.member_code, 'grouping', m.grouping_code
    FROM cfg_grouping_members m CROSS JOIN (SELECT DISTINCT geo_year FROM geo_commune) y
),
n_parts AS (SELECT geo_year, level, code, part_level, count(*) AS n FROM links GROUP BY ALL),
from_parts AS (
    SELECT c.indicator_id, c.geo_year, c.period, l.level, l.code, l.part_level, sum(c.value) AS total,
           count(*) AS n_present
    FROM counts c
    JOIN links l ON l.geo_year = c.geo_year AND l.part_level = c.level AND l.part_code = c.code
    GROUP BY ALL
),
sums AS (
    SELECT * FROM from_communes
    UNION ALL BY NAME
    SELECT f.indicator_id, f.geo_year, f.period, f.level, f.code, f.part_level, f.total
    FROM from_parts f JOIN n_parts n USING (geo_year, level, code, part_level)
    WHERE f.n_present = n.n
)
SELECT 'nesting' AS rule, 'critical' AS severity, s.indicator_id, s.level, s.code, s.geo_year, s.period, s.total AS expected,
       p.value AS actual,
       format('{} of {} {} (COG {}, {}): published {}, its {} add up to {}', s.indicator_id, s.level, s.code,
              s.geo_year, s.period, round(p.value, 1), s.part_level, round(s.total, 1)) AS detail
FROM sums s
JOIN (SELECT * FROM counts WHERE level <> 'commune') p ON p.indicator_id = s.indicator_id AND p.level = s.level AND p.code = s.code
             AND p.geo_year = s.geo_year AND p.period = s.period
WHERE abs(p.value - s.total) > 0.5
