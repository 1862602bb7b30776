-- Ephemeral: read by one model: computed inside it, never stored.
WITH codes AS (SELECT DISTINCT level, code, geo_year FROM int_commune_territory),
nivgeo(level, nivgeo) AS (
    VALUES ('epci', 'EPCI'), ('ze2010', 'ZE2010'), ('ze2020', 'ZE2020'), ('arrondissement', 'ARR'),
           ('departement', 'DEP'), ('region', 'REG')
)
SELECT
    c.level, c.code, c.geo_year,
    coalesce(m.label, l.label, g.label, CASE WHEN c.level = 'france_metro' THEN 'France métropolitaine' END,
             c.code) AS label,
    (m.label IS NULL AND l.label IS NULL AND g.label IS NULL AND c.level <> 'france_metro') AS label_missing,
    coalesce(m.label IS NULL AND l.label_damaged, false) AS label_damaged
FROM codes c
LEFT JOIN nivgeo n USING (level)
LEFT JOIN int_territory_labels l ON l.nivgeo = n.nivgeo AND l.code = c.code AND l.geo_year = c.geo_year
LEFT JOIN stg_commune_membership m ON c.level = 'commune' AND m.codgeo = c.code AND m.geo_year = c.geo_year
LEFT JOIN cfg_groupings g ON c.level = 'grouping' AND g.grouping_code = c.code
