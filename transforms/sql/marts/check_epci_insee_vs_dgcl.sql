-- One row per year × commune where INSEE's and the DGCL's commune → EPCI disagree (2008–2014), with both
-- answers. Empty means full agreement. Reads: stg_commune_membership, stg_dgcl_epci_composition.
-- Shared columns: codgeo, source_file, source_line
-- Column year: Année (1er janvier) de la liste DGCL
-- Column epci_insee: SIREN de l'EPCI selon la table d'appartenance INSEE
-- Column epci_dgcl: SIREN de l'EPCI selon la DGCL
-- Column difference: Nature du désaccord entre les deux sources
WITH insee AS (
    SELECT geo_year AS year, codgeo, epci FROM stg_commune_membership
    WHERE geo_year IN (SELECT DISTINCT year FROM stg_dgcl_epci_composition)
),
dgcl AS (SELECT year, codgeo, epci, source_file, source_line FROM stg_dgcl_epci_composition)
SELECT coalesce(i.year, d.year) AS year, coalesce(i.codgeo, d.codgeo) AS codgeo,
       i.epci AS epci_insee, d.epci AS epci_dgcl, d.source_file, d.source_line,
       CASE WHEN i.codgeo IS NULL THEN 'commune absent from the INSEE vintage'
            WHEN d.codgeo IS NULL THEN 'commune in an EPCI for INSEE, absent from the DGCL list'
            ELSE 'different EPCI' END AS difference
FROM insee i
FULL JOIN dgcl d USING (year, codgeo)
WHERE (i.codgeo IS NULL) OR (d.codgeo IS NULL AND i.epci <> 'ZZZZZZZZZ') OR (i.epci <> d.epci)
