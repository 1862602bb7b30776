SELECT territoire AS territory, nullif(code, '') AS code, indicateur AS indicator, nullif(periode, '') AS period,
       valeur AS value, nullif(unite, '') AS unit, rang AS rank, nb_territoires AS n_territories,
       rang_hors_ordre AS breaks_rank_order, source_file, source_line
FROM read_parquet('{validated}/ors_indicateurs.parquet')
