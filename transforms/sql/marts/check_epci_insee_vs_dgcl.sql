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
