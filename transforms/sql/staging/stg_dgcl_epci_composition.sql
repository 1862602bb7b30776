SELECT
    year::INTEGER   AS year,
    siren           AS epci,
    nom             AS epci_label,
    nature          AS epci_nature,
    insee           AS codgeo,
    nom_com         AS commune_label,
    pmun_com::BIGINT AS population_municipale,
    source_file,
    source_line
FROM read_parquet('{validated}/dgcl_epci.parquet')
