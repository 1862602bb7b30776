-- Census year = the edition; geography = 1 January of edition + 2.
-- Paris, Lyon and Marseille are delivered as their municipal arrondissements (751xx, 6938x, 132xx): `commune`
-- names the commune each row belongs to (75056, 69123, 13055 for those, the row's own code otherwise) and
-- `commune_label` its name (the arrondissement's label without « 1er Arrondissement »). The arrondissement's
-- INSEE code is DEP || CODARR (CODARR is its number inside the département).
WITH raw AS (
    SELECT *, CASE WHEN COM LIKE '751%' THEN '75056' WHEN COM LIKE '6938%' THEN '69123'
                   WHEN COM LIKE '132%' THEN '13055' ELSE COM END AS city
    FROM read_parquet('{validated}/insee_populations_legales.parquet')
)
SELECT
    edition::INTEGER AS census_year,
    geo_year::INTEGER AS geo_year,
    CASE file_level WHEN 'communes' THEN 'commune' WHEN 'departements' THEN 'departement' ELSE 'region' END
        AS level,
    CASE file_level WHEN 'communes' THEN COM WHEN 'departements' THEN DEP ELSE REG END AS code,
    CASE file_level WHEN 'communes' THEN Commune WHEN 'departements' THEN "Département" ELSE "Région" END AS label,
    city AS commune,
    CASE WHEN city <> COM THEN regexp_replace(Commune, '\s+\d+(er|e|è|ème)?\s+Arrondissement$', '', 'i')
         ELSE Commune END AS commune_label,
    REG AS region,
    DEP AS departement,
    CASE WHEN file_level = 'communes' THEN DEP || CODARR END AS arrondissement,
    PMUN::BIGINT AS pmun,
    PCAP::BIGINT AS pcap,
    PTOT::BIGINT AS ptot,
    source_file,
    source_line::INTEGER AS source_line
FROM raw
