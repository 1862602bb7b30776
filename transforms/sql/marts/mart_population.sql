-- One row per territory × geo_year × census: population with the territory's label (analysts' view).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, recensement (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column recensement: Année du recensement
-- Column population: Population municipale (ou population sans doubles comptes aux recensements 1968–1999)
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       v.value AS population, v.flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id = 'population'
