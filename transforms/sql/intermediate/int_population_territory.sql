-- One row per level × territory × geo_year × census: population (sum over the territory's communes).
-- Materialized: temp (in memory during the build, not published).
-- Reads: int_commune_population_projected, int_commune_territory.
-- A commune is its own only part (one membership row per commune and vintage, audited on geo_commune): its rows
-- are copied, not grouped, so the hash table holds the supra-communal territories only (0.6 M groups instead of
-- 8.9 M: the difference between 1 GB and 3 GB at the peak of the build).
SELECT 'commune' AS level, p.codgeo AS code, p.geo_year, p.census_year, p.pop, p.estimated, 1::BIGINT AS n_communes
FROM int_commune_population_projected p
SEMI JOIN int_commune_territory t ON t.level = 'commune' AND t.geo_year = p.geo_year AND t.codgeo = p.codgeo
UNION ALL
SELECT t.level, t.code, p.geo_year, p.census_year, sum(p.pop) AS pop, bool_or(p.estimated) AS estimated,
       count(*) AS n_communes
FROM int_commune_population_projected p
JOIN int_commune_territory t ON t.level <> 'commune' AND t.geo_year = p.geo_year AND t.codgeo = p.codgeo
GROUP BY ALL
