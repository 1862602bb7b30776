-- One row per territory × geo_year × census: its share of the régional active population at place of residence
-- and of the régional jobs at place of work (analysts' view; empty until the census tables are configured).
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, recensement (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo
-- Column recensement: Année du recensement
-- Column part_actifs_residence_pct: Part de la population active régionale au lieu de résidence (%)
-- Column part_emplois_travail_pct: Part des emplois régionaux au lieu de travail (%)
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.value) FILTER (v.indicator_id = 'part_regionale_actifs_lieu_residence') AS part_actifs_residence_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_regionale_emplois_lieu_travail') AS part_emplois_travail_pct
FROM indicator_values v JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id LIKE 'part_regionale_%'
GROUP BY ALL
