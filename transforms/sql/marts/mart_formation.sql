-- One row per territory × geo_year × census × diploma level: share of the non-schooled population aged 15+
-- (analysts' view; empty until the census diploma tables are configured).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, recensement, diplome (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo
-- Column recensement: Année du recensement
-- Column diplome: Niveau de diplôme le plus élevé
-- Column part_pct: Part (%)
-- Column effectif: Effectif
-- Column population_non_scolarisee_15p: Population non scolarisée de 15 ans ou plus
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       replace(v.indicator_id, 'part_diplome_', '') AS diplome, v.value AS part_pct, v.numerator AS effectif,
       v.denominator AS population_non_scolarisee_15p
FROM indicator_values v JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id LIKE 'part_diplome_%'
