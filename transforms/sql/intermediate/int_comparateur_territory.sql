-- One row per level × territory × geo_year (2021 and every later vintage) × count variable of INSEE's base
-- comparateur (RP 2018, geography 2021): the sum over the territory's communes.
-- Materialized: temp (in memory during the build, not published).
-- Reads: stg_insee_comparateur, stg_commune_passage, stg_commune_population, int_commune_territory.
-- Communes only (nivgeo COM): a municipal arrondissement is already counted in Paris, Lyon or Marseille.
-- Later geographies: each commune's counts walk the passage tables one vintage at a time, as the census
-- populations do (int_commune_population_projected): merges sum, splits share by `ratio` (estimated).
-- Only counts are summed; medians, rates and shares computed by the producer (MED19, TP6019, PIMP19) never are,
-- nor the fiscal households NBMENFISC19 (secret cells would make any sum a partial one).
-- `incomplete`: at least one commune of the territory has no published value (the sum covers the others).
WITH RECURSIVE vintages AS (
    SELECT geo_year, lead(geo_year) OVER (ORDER BY geo_year) AS next_year
    FROM (SELECT DISTINCT geo_year FROM stg_commune_population)
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
)
SELECT t.level, t.code, c.geo_year, c.variable,
       CASE WHEN bool_and(c.all_missing) THEN NULL ELSE sum(c.value) END AS value,
       bool_or(c.estimated) AS estimated,
       bool_or(c.missing) AND NOT bool_and(c.all_missing) AS incomplete,
       bool_and(c.all_missing) AS not_available
FROM communes c
JOIN int_commune_territory t ON t.geo_year = c.geo_year AND t.codgeo = c.codgeo
GROUP BY ALL
