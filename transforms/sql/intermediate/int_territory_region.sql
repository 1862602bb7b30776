SELECT t.level, t.code, t.geo_year, min(r.code) AS region
FROM int_commune_territory t
JOIN int_commune_territory r ON r.geo_year = t.geo_year AND r.codgeo = t.codgeo AND r.level = 'region'
WHERE t.level NOT IN ('commune', 'france_metro')
GROUP BY ALL
HAVING count(DISTINCT r.code) = 1
