-- One row per commune × geo_year × income year × source: standard of living as INSEE computed it per commune
-- (median, quartiles, deciles, inequality ratios, poverty rate, fiscal households), a series per commune across
-- FiLoSoFi editions (each on its own geography) and the comparateur's FiLoSoFi 2019 on geography 2021 (analysts'
-- view). Commune level only: these values are never summed nor averaged; a secret value is empty with its flag.
-- Reads: indicator_values, territories. Materialized: view
-- Export key: niveau, code, millesime_geo, periode, source (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column periode: Année des revenus (édition de FiLoSoFi)
-- Column source: Source de la ligne : insee_filosofi (fichiers communaux) ou insee_comparateur (comparateur de territoires)
-- Column mediane_niveau_vie: Médiane du niveau de vie (€ par unité de consommation et par an)
-- Column premier_quartile_niveau_vie: Premier quartile du niveau de vie (€)
-- Column troisieme_quartile_niveau_vie: Troisième quartile du niveau de vie (€)
-- Column premier_decile_niveau_vie: Premier décile du niveau de vie (€)
-- Column neuvieme_decile_niveau_vie: Neuvième décile du niveau de vie (€)
-- Column rapport_interdecile_d9_d1: Rapport interdécile D9/D1
-- Column indice_gini: Indice de Gini du niveau de vie
-- Column taux_pauvrete_pct: Taux de pauvreté au seuil de 60 % du niveau de vie médian (%)
-- Column part_menages_fiscaux_imposes_pct: Part des ménages fiscaux imposés (%)
-- Column menages_fiscaux: Nombre de ménages fiscaux
-- Column personnes_menages_fiscaux: Nombre de personnes des ménages fiscaux
SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       v.source_id AS source,
       any_value(v.value) FILTER (v.indicator_id = 'mediane_niveau_vie') AS mediane_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'premier_quartile_niveau_vie') AS premier_quartile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'troisieme_quartile_niveau_vie') AS troisieme_quartile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'premier_decile_niveau_vie') AS premier_decile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'neuvieme_decile_niveau_vie') AS neuvieme_decile_niveau_vie,
       any_value(v.value) FILTER (v.indicator_id = 'rapport_interdecile_d9_d1') AS rapport_interdecile_d9_d1,
       any_value(v.value) FILTER (v.indicator_id = 'indice_gini_niveau_vie') AS indice_gini,
       any_value(v.value) FILTER (v.indicator_id = 'taux_pauvrete') AS taux_pauvrete_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_menages_fiscaux_imposes') AS part_menages_fiscaux_imposes_pct,
       any_value(v.value) FILTER (v.indicator_id = 'menages_fiscaux') AS menages_fiscaux,
       any_value(v.value) FILTER (v.indicator_id = 'personnes_menages_fiscaux') AS personnes_menages_fiscaux,
       string_agg(DISTINCT v.flags, ',') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.source_id IN ('insee_filosofi', 'insee_comparateur') AND v.level = 'commune'
  AND v.indicator_id IN ('mediane_niveau_vie', 'premier_quartile_niveau_vie', 'troisieme_quartile_niveau_vie',
                         'premier_decile_niveau_vie', 'neuvieme_decile_niveau_vie', 'rapport_interdecile_d9_d1',
                         'indice_gini_niveau_vie', 'taux_pauvrete', 'part_menages_fiscaux_imposes',
                         'menages_fiscaux', 'personnes_menages_fiscaux')
GROUP BY ALL
