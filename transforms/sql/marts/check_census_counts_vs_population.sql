WITH counts AS (
    SELECT t.level, t.code, c.geo_year, c.census_year, c.theme || ':' || c.variable AS count_id,
           sum(c.value) AS count
    FROM stg_rp_census_variables c
    JOIN int_commune_territory t ON t.geo_year = c.geo_year AND t.codgeo = c.codgeo
    WHERE (c.theme = 'diplomes' AND c.variable = 'total') OR c.theme = 'actifs'
    GROUP BY ALL
)
SELECT c.level, c.code, c.geo_year, c.census_year, c.count_id, c.count, p.pop AS population,
       c.count / nullif(p.pop, 0) AS share, b.min_share, b.max_share,
       c.count / nullif(p.pop, 0) BETWEEN b.min_share AND b.max_share AS plausible
FROM counts c
JOIN cfg_census_count_plausibility b USING (count_id)
LEFT JOIN int_population_territory p
    ON p.level = c.level AND p.code = c.code AND p.geo_year = c.geo_year AND p.census_year = c.census_year
