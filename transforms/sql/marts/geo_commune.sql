SELECT m.geo_year, m.codgeo, m.label, m.departement, m.arrondissement, m.region, m.epci, m.ze2010, m.ze2020,
       m.departement NOT LIKE '97%' AS france_metro,
       (SELECT list(t.code ORDER BY t.code) FROM int_commune_territory t
         WHERE t.geo_year = m.geo_year AND t.codgeo = m.codgeo AND t.level = 'grouping') AS groupings
FROM stg_commune_membership m
