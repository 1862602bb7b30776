-- One row per territory (commune or municipal arrondissement, geography 2021) × variable of INSEE's base
-- comparateur de territoires (edition RP 2018), as published: a value NULL where INSEE publishes none, with why.
-- Reads: source insee_comparateur.
-- A municipal arrondissement (nivgeo ARM: Paris, Lyon, Marseille) is also counted in its commune: models that sum
-- over territories take the communes (nivgeo COM) only.
-- Shared columns: codgeo, geo_year, source_file, source_line
-- Column nivgeo: Type de territoire : COM = commune, ARM = arrondissement municipal (déjà compté dans sa commune)
-- Column libgeo: Nom du territoire (métadonnées de la livraison)
-- Column variable: Variable INSEE (P18_POP, SUPERF, NAIS1318, MED19, …: intitulés dans indicator_catalogue)
-- Column value: Valeur publiée (NULL si INSEE ne publie pas de valeur)
-- Column flag: Pourquoi la valeur manque : suppressed (secret statistique FiLoSoFi), not_available (pas de donnée : recensement de Mayotte, commune créée après la date)
WITH src AS (SELECT * FROM read_parquet('{validated}/insee_comparateur.parquet')),
long AS (
    SELECT * FROM src
    UNPIVOT INCLUDE NULLS (value FOR variable IN (COLUMNS(* EXCLUDE (CODGEO, NIVGEO, LIBGEO, source_file,
                                                                     source_line))))
)
SELECT CODGEO AS codgeo, NIVGEO AS nivgeo, LIBGEO AS libgeo, 2021 AS geo_year, variable, value::DOUBLE AS value,
       CASE WHEN value IS NULL THEN
           -- FiLoSoFi cells are empty under statistical secrecy; Mayotte is outside FiLoSoFi and this census base
           CASE WHEN variable IN ('NBMENFISC19', 'PIMP19', 'MED19', 'TP6019') AND CODGEO NOT LIKE '976%'
                THEN 'suppressed' ELSE 'not_available' END
       END AS flag,
       source_file, source_line
FROM long
