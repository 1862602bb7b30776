-- A geography the label tables do not reach
-- (geography 2025) takes the labels of the populations légales delivery: départements and régions (the delivery
-- names no arrondissement: those keep their code, label_missing).
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
