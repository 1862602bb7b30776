WITH a AS (
    SELECT g.level, g.code, g.geo_year, g.census_year, g.pop_under_20, g.pop_60_plus, p.pop AS population,
           g.pop_under_20 / p.pop AS share_under_20, g.pop_60_plus / p.pop AS share_60_plus,
           1 - (g.pop_under_20 + g.pop_60_plus) / p.pop AS share_20_59
    FROM int_population_age_groups g
    LEFT JOIN int_population_territory p
        ON p.level = g.level AND p.code = g.code AND p.geo_year = g.geo_year AND p.census_year = g.census_year
),
b AS (SELECT age_group, min_share, max_share FROM cfg_age_plausibility)
SELECT a.*,
       a.share_under_20 BETWEEN u.min_share AND u.max_share AS under_20_plausible,
       a.share_60_plus BETWEEN o.min_share AND o.max_share AS over_60_plausible,
       a.share_20_59 BETWEEN m.min_share AND m.max_share AS from_20_to_59_plausible
FROM a
CROSS JOIN (SELECT * FROM b WHERE age_group = 'under_20') u
CROSS JOIN (SELECT * FROM b WHERE age_group = 'over_60') o
CROSS JOIN (SELECT * FROM b WHERE age_group = 'from_20_to_59') m
