-- One row per territory × geo_year × census: population, area and density, from INSEE's base comparateur de
-- territoires (analysts' view; density = Σ population / Σ area of the territory's communes).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, recensement (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column recensement: Année du recensement
-- Column population: Population municipale du comparateur de territoires (numérateur de la densité)
-- Column superficie_km2: Superficie (km², géographie 2021 des communes)
-- Column densite_hab_km2: Habitants par km²
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.numerator) FILTER (v.indicator_id = 'densite_population') AS population,
       any_value(v.value) FILTER (v.indicator_id = 'superficie') AS superficie_km2,
       any_value(v.value) FILTER (v.indicator_id = 'densite_population') AS densite_hab_km2,
       string_agg(DISTINCT v.flags, ',') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('superficie', 'densite_population')
GROUP BY ALL
