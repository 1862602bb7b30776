-- One row per level × territory × geo_year × census: population (sum over the territory's communes).
-- Materialized: temp (in memory during the build, not published).
-- Reads: int_commune_population_projected, stg_commune_membership, cfg_grouping_members.
-- Levels as int_commune_territory defines them (no row for EPCI ZZZZZZZZZ or arrondissement ZZZZ; France
-- métropolitaine = every département but 971–976). Each projected commune row is joined once to its membership
-- row (one per commune and vintage, audited on geo_commune): 0.6 M rows in the hash table instead of the 4.2 M
-- commune × level rows. A commune is its own only part: its rows are copied. Supra-communal levels: communes are
-- summed once per combination of zonings, then per level (a few hundred thousand groups, no spill under the
-- build's memory limit); a grouping sums its member territories (the union of their communes).
WITH by_zonings AS (
    SELECT p.geo_year, p.census_year, m.epci, m.ze2010, m.ze2020, m.arrondissement, m.departement, m.region,
           sum(p.pop) AS pop, bool_or(p.estimated) AS estimated, count(*) AS n_communes
    FROM int_commune_population_projected p
    JOIN stg_commune_membership m ON m.geo_year = p.geo_year AND m.codgeo = p.codgeo
    GROUP BY ALL
),
supra AS (
    SELECT z.level, z.code, geo_year, census_year, sum(pop) AS pop, bool_or(estimated) AS estimated,
           sum(n_communes)::BIGINT AS n_communes
    FROM by_zonings,
    LATERAL (SELECT unnest([
        {'level': 'epci', 'code': epci, 'kept': epci <> 'ZZZZZZZZZ'},
        {'level': 'ze2010', 'code': ze2010, 'kept': ze2010 IS NOT NULL},
        {'level': 'ze2020', 'code': ze2020, 'kept': ze2020 IS NOT NULL},
        {'level': 'arrondissement', 'code': arrondissement,
         'kept': arrondissement IS NOT NULL AND arrondissement <> 'ZZZZ'},
        {'level': 'departement', 'code': departement, 'kept': true},
        {'level': 'region', 'code': region, 'kept': region IS NOT NULL},
        {'level': 'france_metro', 'code': 'FM', 'kept': departement NOT LIKE '97%'}
    ]) AS z)
    WHERE z.kept
    GROUP BY ALL
),
communes AS (
    SELECT 'commune' AS level, p.codgeo AS code, p.geo_year, p.census_year, p.pop, p.estimated,
           1::BIGINT AS n_communes
    FROM int_commune_population_projected p
    SEMI JOIN stg_commune_membership m ON m.geo_year = p.geo_year AND m.codgeo = p.codgeo
)
SELECT * FROM communes
UNION ALL
SELECT * FROM supra
UNION ALL
SELECT 'grouping', g.grouping_code, t.geo_year, t.census_year, sum(t.pop), bool_or(t.estimated),
       sum(t.n_communes)::BIGINT
FROM (SELECT * FROM supra UNION ALL
      SELECT c.* FROM communes c SEMI JOIN cfg_grouping_members g ON g.member_level = 'commune'
                                   AND g.member_code = c.code) t
JOIN cfg_grouping_members g ON g.member_level = t.level AND g.member_code = t.code
GROUP BY ALL
