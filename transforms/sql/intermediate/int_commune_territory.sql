-- Communes in no EPCI (ZZZZZZZZZ) or no arrondissement
-- (ZZZZ) get no row at that level; France métropolitaine = every département but 971–976.
WITH m AS (SELECT * FROM stg_commune_membership),
levels AS (
    SELECT geo_year, codgeo, 'commune' AS level, codgeo AS code FROM m
    UNION ALL SELECT geo_year, codgeo, 'epci', epci FROM m WHERE epci <> 'ZZZZZZZZZ'
    UNION ALL SELECT geo_year, codgeo, 'ze2010', ze2010 FROM m WHERE ze2010 IS NOT NULL
    UNION ALL SELECT geo_year, codgeo, 'ze2020', ze2020 FROM m WHERE ze2020 IS NOT NULL
    UNION ALL SELECT geo_year, codgeo, 'arrondissement', arrondissement FROM m
              WHERE arrondissement IS NOT NULL AND arrondissement <> 'ZZZZ'
    UNION ALL SELECT geo_year, codgeo, 'departement', departement FROM m
    UNION ALL SELECT geo_year, codgeo, 'region', region FROM m WHERE region IS NOT NULL
    UNION ALL SELECT geo_year, codgeo, 'france_metro', 'FM' FROM m WHERE departement NOT LIKE '97%'
)
SELECT * FROM levels
UNION ALL
SELECT l.geo_year, l.codgeo, 'grouping', g.grouping_code
FROM levels l
JOIN cfg_grouping_members g ON g.member_level = l.level AND g.member_code = l.code
