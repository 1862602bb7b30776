-- One row per level × territory × geo_year (communes and France excepted): the région that holds all its
-- communes; territories that cross régions get no row. Used to sum zones into régions and to take regional shares.
-- Materialized: temp (in memory during the build, not published).
-- Reads: int_commune_territory.
SELECT t.level, t.code, t.geo_year, min(r.code) AS region
FROM int_commune_territory t
JOIN int_commune_territory r ON r.geo_year = t.geo_year AND r.codgeo = t.codgeo AND r.level = 'region'
WHERE t.level NOT IN ('commune', 'france_metro')
GROUP BY ALL
HAVING count(DISTINCT r.code) = 1
