-- One row per level × territory × geo_year × census: population (sum over the territory's communes).
-- Materialized: temp (in memory during the build, not published).
-- Reads: int_commune_population_projected, int_commune_territory.
SELECT t.level, t.code, p.geo_year, p.census_year, sum(p.pop) AS pop, bool_or(p.estimated) AS estimated,
       count(*) AS n_communes
FROM int_commune_population_projected p
JOIN int_commune_territory t USING (geo_year, codgeo)
GROUP BY ALL
