-- One row per territory × indicator × period of the ORS indicator table (value, rank among nb_territoires).
-- Reads: source ors_indicateurs.
SELECT territoire AS territory, nullif(code, '') AS code, indicateur AS indicator, nullif(periode, '') AS period,
       valeur AS value, nullif(unite, '') AS unit, rang AS rank, nb_territoires AS n_territories, source_file,
       source_line
FROM read_parquet('{validated}/ors_indicateurs.parquet')
