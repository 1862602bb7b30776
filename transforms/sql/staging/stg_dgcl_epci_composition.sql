-- One row per year (1 January) × member commune of an EPCI à fiscalité propre, as the DGCL lists it.
-- Reads: source dgcl_epci.
-- Shared columns: codgeo, source_file, source_line
-- Column year: Année (1er janvier) de la liste DGCL
-- Column epci: SIREN de l'EPCI à fiscalité propre (ZZZZZZZZZ = commune hors EPCI)
-- Column epci_label: Nom de l'EPCI selon la DGCL
-- Column epci_nature: Nature juridique de l'EPCI (CA, CC, CU, SAN, métropole)
-- Column commune_label: Nom de la commune tel que la DGCL l'écrit
-- Column population_municipale: Population municipale légale
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
