-- Ephemeral: read by one model: computed inside it, never stored.
-- Commune level only: medians, quantiles and ratios are not additive and are never summed nor averaged; the
-- counts are not summed either (secret communes would make a sum partial). Every commune of the edition's
-- geography has a row: a commune the file leaves out (statistical secrecy) and an empty cell are NULL with the
-- flag `suppressed` (Mayotte, outside FiLoSoFi: `not_available`). Municipal arrondissements stay in staging, so
-- do the intermediate deciles D2–D8 (empty for four communes in five; the first and ninth are published).
WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_filosofi'),
editions AS (SELECT DISTINCT income_year, geo_year FROM stg_insee_filosofi),
communes AS (
    SELECT e.income_year, m.geo_year, m.codgeo, f.codgeo IS NOT NULL AS present,
           f.nbmen, f.nbpers, f.q1, f.q2, f.q3, f.d1, f.d9, f.rd, f.s80s20, f.gi
    FROM editions e
    JOIN stg_commune_membership m ON m.geo_year = e.geo_year
    LEFT JOIN stg_insee_filosofi f
        ON f.geo_year = m.geo_year AND f.codgeo = m.codgeo AND f.income_year = e.income_year AND f.nivgeo = 'COM'
),
rows AS (
    SELECT income_year, geo_year, codgeo, unnest([
        {'id': 'mediane_niveau_vie', 'value': q2, 'unit': '€'},
        {'id': 'premier_quartile_niveau_vie', 'value': q1, 'unit': '€'},
        {'id': 'troisieme_quartile_niveau_vie', 'value': q3, 'unit': '€'},
        {'id': 'premier_decile_niveau_vie', 'value': d1, 'unit': '€'},
        {'id': 'neuvieme_decile_niveau_vie', 'value': d9, 'unit': '€'},
        {'id': 'rapport_interdecile_d9_d1', 'value': rd, 'unit': 'rapport'},
        {'id': 'rapport_s80_s20', 'value': s80s20, 'unit': 'rapport'},
        {'id': 'indice_gini_niveau_vie', 'value': gi, 'unit': 'indice (0 à 1)'},
        {'id': 'menages_fiscaux', 'value': nbmen, 'unit': 'ménages'},
        {'id': 'personnes_menages_fiscaux', 'value': nbpers, 'unit': 'personnes'}
    ], recursive := true), present
    FROM communes
)
SELECT id AS indicator_id, 'commune' AS level, codgeo AS code, geo_year, income_year::VARCHAR AS period, value,
       NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high,
       unit,
       CASE WHEN value IS NULL THEN CASE WHEN codgeo LIKE '976%' THEN 'not_available' ELSE 'suppressed' END
       END AS flags,
       'insee_filosofi' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM rows
