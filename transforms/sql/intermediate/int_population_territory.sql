-- Levels as int_commune_territory defines them (no row for EPCI ZZZZZZZZZ or arrondissement ZZZZ; France
-- métropolitaine = every département but 971–976). A commune is its own only part: its rows are copied. Above
-- it, each projected commune row is joined once to its membership row (one per commune and vintage, audited on
-- geo_commune: 0.6 M rows in the hash table instead of 4.2 M commune × level rows) and summed per combination of
-- zonings of its vintage (an integer id: grouping 8.3 M rows by strings cost 2.5 s, by this id 0.9 s), then per
-- level; a grouping sums its member territories (the union of their communes). `source_id`: the census's source
-- (one per census: int_commune_population_projected); `compilation_historical`: a 1968–1999 census of the
-- compilation (not INSEE's constant-geography séries historiques).
WITH zones AS (
    SELECT geo_year, codgeo, epci, ze2010, ze2020, arrondissement, departement, region,
           dense_rank() OVER (ORDER BY geo_year, epci, ze2010, ze2020, arrondissement, departement, region)::INTEGER
               AS zone
    FROM stg_commune_membership
),
by_zone AS (
    SELECT z.zone, p.census_year, p.source_id, sum(p.pop) AS pop, bool_or(p.estimated) AS estimated, count(*) AS n_communes
    FROM int_commune_population_projected p
    JOIN zones z ON z.geo_year = p.geo_year AND z.codgeo = p.codgeo
    GROUP BY ALL
),
zone_levels AS (
    SELECT DISTINCT zone, geo_year, 'epci' AS level, epci AS code FROM zones WHERE epci <> 'ZZZZZZZZZ'
    UNION ALL SELECT DISTINCT zone, geo_year, 'ze2010', ze2010 FROM zones WHERE ze2010 IS NOT NULL
    UNION ALL SELECT DISTINCT zone, geo_year, 'ze2020', ze2020 FROM zones WHERE ze2020 IS NOT NULL
    UNION ALL SELECT DISTINCT zone, geo_year, 'arrondissement', arrondissement FROM zones
              WHERE arrondissement IS NOT NULL AND arrondissement <> 'ZZZZ'
    UNION ALL SELECT DISTINCT zone, geo_year, 'departement', departement FROM zones
    UNION ALL SELECT DISTINCT zone, geo_year, 'region', region FROM zones WHERE region IS NOT NULL
    UNION ALL SELECT DISTINCT zone, geo_year, 'france_metro', 'FM' FROM zones WHERE departement NOT LIKE '97%'
),
supra AS (
    SELECT l.level, l.code, l.geo_year, b.census_year, b.source_id, sum(b.pop) AS pop, bool_or(b.estimated) AS estimated,
           sum(b.n_communes)::BIGINT AS n_communes
    FROM by_zone b JOIN zone_levels l USING (zone)
    GROUP BY ALL
),
communes AS NOT MATERIALIZED (
    SELECT 'commune' AS level, p.codgeo AS code, p.geo_year, p.census_year, p.source_id, p.pop, p.estimated,
           1::BIGINT AS n_communes
    FROM int_commune_population_projected p
    SEMI JOIN stg_commune_membership m ON m.geo_year = p.geo_year AND m.codgeo = p.codgeo
),
territories AS (
    SELECT * FROM communes
    UNION ALL
    SELECT * FROM supra
    UNION ALL
    SELECT 'grouping', g.grouping_code, t.geo_year, t.census_year, t.source_id, sum(t.pop), bool_or(t.estimated),
       sum(t.n_communes)::BIGINT
FROM (SELECT * FROM supra UNION ALL
      SELECT * FROM communes WHERE code IN (SELECT member_code FROM cfg_grouping_members
                                            WHERE member_level = 'commune')) t
JOIN cfg_grouping_members g ON g.member_level = t.level AND g.member_code = t.code
GROUP BY ALL
)
-- the compilation's 1968–1999 populations are not INSEE's constant-geography series (flag
-- compilation_not_insee_series on every value built from them, transforms/flags.yml)
SELECT *, (source_id = 'insee_population' AND census_year < 2006) AS compilation_historical FROM territories
