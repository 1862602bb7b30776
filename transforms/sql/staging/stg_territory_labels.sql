-- One row per supra-communal territory × geo_year: its label, from INSEE's label tables.
-- Reads: source insee_cog_libelles, stg_insee_populations_legales. A geography the label tables do not reach
-- (geography 2025) takes the labels of the populations légales delivery: départements and régions (the delivery
-- names no arrondissement: those keep their code, label_missing).
-- Shared columns: geo_year, code
-- Column nivgeo: Niveau géographique dans la nomenclature INSEE (EPCI, ZE2010, ARR, DEP, REG …)
-- Column label: Libellé du territoire dans ce millésime
WITH cog AS (
    SELECT
        cog_year::INTEGER   AS geo_year,
        nivgeo,
        codgeo              AS code,
        libgeo              AS label
    FROM read_parquet('{validated}/insee_cog_libelles.parquet')
)
SELECT * FROM cog
UNION ALL
SELECT DISTINCT geo_year, CASE level WHEN 'departement' THEN 'DEP' ELSE 'REG' END, code, label
FROM stg_insee_populations_legales
WHERE level IN ('departement', 'region') AND geo_year > (SELECT max(geo_year) FROM cog)
