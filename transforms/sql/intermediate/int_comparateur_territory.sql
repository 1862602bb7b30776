-- int_commune_territory, cfg_grouping_members.
-- Communes only (nivgeo COM): a municipal arrondissement is already counted in Paris, Lyon or Marseille.
-- Later geographies: each commune's counts walk the passage tables one vintage at a time, as the census
-- populations do (int_commune_population_projected): merges sum, splits share by `ratio` (estimated).
-- Only counts are summed; medians, rates and shares computed by the producer (MED19, TP6019, PIMP19) never are,
-- nor the fiscal households NBMENFISC19 (secret cells would make any sum a partial one).
-- `incomplete`: at least one commune of the territory has no published value (the sum covers the others).
WITH RECURSIVE vintages AS (  -- no passage beyond the bundled COG: nothing is carried onto geography 2025
    SELECT geo_year, next_year FROM int_geography_vintages
),
walk(geo_year, codgeo, variable, value, estimated, missing) AS (
    SELECT geo_year, codgeo, variable, value, false, value IS NULL
    FROM stg_insee_comparateur
    WHERE nivgeo = 'COM'
      AND variable IN ('P18_POP', 'P13_POP', 'SUPERF', 'NAIS1318', 'DECE1318', 'P18_MEN', 'P18_LOG', 'P18_RP',
                       'P18_RSECOCC', 'P18_LOGVAC', 'P18_RP_PROP', 'P18_EMPLT', 'P18_EMPLT_SAL', 'P13_EMPLT',
                       'P18_POP1564', 'P18_CHOM1564', 'P18_ACT1564', 'ETTOT18')
    UNION ALL
    SELECT v.next_year, coalesce(p.cod_to, w.codgeo), w.variable,
           CASE WHEN p.cod_from IS NULL THEN w.value ELSE w.value * p.ratio END,
           w.estimated OR (p.cod_from IS NOT NULL AND p.ratio < 1.0), w.missing
    FROM walk w
    JOIN vintages v ON v.geo_year = w.geo_year AND v.next_year IS NOT NULL
    LEFT JOIN stg_commune_passage p
        ON p.from_year = w.geo_year AND p.to_year = v.next_year AND p.cod_from = w.codgeo
),
communes AS (
    SELECT geo_year, codgeo, variable, sum(value) AS value, bool_or(estimated) AS estimated,
           bool_or(missing) AS missing, bool_and(missing) AS all_missing
    FROM walk
    GROUP BY ALL
),
-- Above the commune, as int_population_territory does: communes summed once per combination of zonings (an
-- integer id), then per level; a grouping sums its member territories (int_commune_territory's groupings).
zones AS (
    SELECT geo_year, codgeo, epci, ze2010, ze2020, arrondissement, departement, region,
           dense_rank() OVER (ORDER BY geo_year, epci, ze2010, ze2020, arrondissement, departement, region)::INTEGER
               AS zone
    FROM stg_commune_membership
    WHERE geo_year IN (SELECT DISTINCT geo_year FROM communes)
),
by_zone AS (
    SELECT z.zone, c.variable, sum(c.value) AS value, bool_or(c.estimated) AS estimated,
           bool_or(c.missing) AS missing, bool_and(c.all_missing) AS all_missing
    FROM communes c JOIN zones z USING (geo_year, codgeo)
    GROUP BY ALL
),
zone_levels AS (
    SELECT DISTINCT zone, geo_year, level, code
    FROM zones z JOIN int_commune_territory t USING (geo_year, codgeo)
    WHERE t.level NOT IN ('commune', 'grouping')
),
parts AS (
    SELECT 'commune' AS level, codgeo AS code, geo_year, variable, value, estimated, missing, all_missing
    FROM communes
    SEMI JOIN stg_commune_membership m USING (geo_year, codgeo)
    UNION ALL
    SELECT l.level, l.code, l.geo_year, b.variable, sum(b.value), bool_or(b.estimated), bool_or(b.missing),
           bool_and(b.all_missing)
    FROM by_zone b JOIN zone_levels l USING (zone)
    GROUP BY ALL
),
territories AS (
    SELECT * FROM parts
    UNION ALL
    SELECT 'grouping', g.grouping_code, p.geo_year, p.variable, sum(p.value), bool_or(p.estimated),
           bool_or(p.missing), bool_and(p.all_missing)
    FROM parts p JOIN cfg_grouping_members g ON g.member_level = p.level AND g.member_code = p.code
    GROUP BY ALL
)
SELECT level, code, geo_year, variable,
       CASE WHEN all_missing THEN NULL ELSE value END AS value,
       estimated,
       missing AND NOT all_missing AS incomplete,
       all_missing AS not_available
FROM territories
