-- Ephemeral: read by one model: computed inside it, never stored.
-- The population municipale of the delivery is the `population` of record of its vintage (stg_commune_population,
-- int_indicators_population); this model adds the two other concepts it delivers. Above the commune, the sums of
-- the communes' values, as INSEE's département and région files compute them (a population totale so summed
-- holds double counts: a person counted apart in one commune may live in another). Published on the delivery's
-- geography only (no projection: these concepts are not re-delivered for other vintages).
WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_populations_legales'),
communes AS (
    SELECT geo_year, census_year, commune AS codgeo, sum(ptot) AS ptot, sum(pcap) AS pcap
    FROM stg_insee_populations_legales
    WHERE level = 'commune'
    GROUP BY ALL
),
territories AS (
    SELECT t.level, t.code, c.geo_year, c.census_year, sum(c.ptot) AS ptot, sum(c.pcap) AS pcap
    FROM communes c
    JOIN int_commune_territory t ON t.geo_year = c.geo_year AND t.codgeo = c.codgeo
    GROUP BY ALL
),
rows AS (
    SELECT level, code, geo_year, census_year, unnest([
        {'id': 'population_totale', 'value': ptot::DOUBLE},
        {'id': 'population_comptee_a_part', 'value': pcap::DOUBLE}
    ], recursive := true)
    FROM territories
)
SELECT id AS indicator_id, level, code, geo_year, census_year::VARCHAR AS period, value,
       NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high,
       'habitants' AS unit, NULL::VARCHAR AS flags,
       'insee_populations_legales' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM rows
WHERE value IS NOT NULL
