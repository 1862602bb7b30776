-- A municipal arrondissement (nivgeo ARM: Paris, Lyon, Marseille) is also counted in its commune: models that sum
-- over territories take the communes (nivgeo COM) only.
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
