-- One row per territory × indicator × period of the ORS indicator table (value, rank among nb_territoires).
-- Reads: source ors_indicateurs.
-- Shared columns: code, period, source_file, source_line
-- Column territory: Territoire tel qu'imprimé dans le diagnostic
-- Column indicator: Indicateur tel qu'imprimé (colonne du tableau ou libellé de la prose)
-- Column value: Valeur de l'indicateur telle que l'ORS la publie
-- Column unit: Unité de la valeur
-- Column rank: Rang parmi les territoires classés (1 = première valeur de l'ordre de classement)
-- Column n_territories: Nombre de territoires classés
SELECT territoire AS territory, nullif(code, '') AS code, indicateur AS indicator, nullif(periode, '') AS period,
       valeur AS value, nullif(unite, '') AS unit, rang AS rank, nb_territoires AS n_territories, source_file,
       source_line
FROM read_parquet('{validated}/ors_indicateurs.parquet')
