-- The censuses of stg_commune_population (the compilation, and the populations légales delivery of their vintage);
-- and, when INSEE's séries historiques are configured (origins.yml), their 1968–1999 censuses on the series'
-- geography: from that geography on they replace the compilation's (int_commune_population_projected), whose
-- 1968–1999 values are not INSEE's constant-geography series. The later censuses of the séries historiques are not
-- taken: 2006 and later are the compilation's and the populations légales' values already (equal to the unit).
SELECT census_year, source_id, geo_year, codgeo, pop::DOUBLE AS pop
FROM stg_commune_population
WHERE pop IS NOT NULL AND census_year IS NOT NULL
UNION ALL
SELECT census_year, 'insee_serie_historique', geo_year, codgeo, pop
FROM stg_insee_serie_historique
WHERE census_year < 2006 AND pop IS NOT NULL
