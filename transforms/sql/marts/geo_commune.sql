-- One row per geo_year × commune: the geography dimension, with every zoning of that vintage.
-- Reads: stg_commune_membership, int_commune_territory.
-- Shared columns: geo_year, codgeo
-- Column label: Libellé du territoire dans ce millésime
-- Column departement: Code INSEE du département
-- Column arrondissement: Code INSEE de l'arrondissement (3 caractères, 4 dans les DOM)
-- Column region: Code INSEE de la région dans ce millésime (anciennes régions avant 2016)
-- Column epci: SIREN de l'EPCI à fiscalité propre (ZZZZZZZZZ = commune hors EPCI)
-- Column ze2010: Code de la zone d'emploi, zonage 2010
-- Column ze2020: Code de la zone d'emploi, zonage 2020
-- Column france_metro: Vrai si la commune est en France métropolitaine
-- Column groupings: Regroupements nommés (configuration) auxquels appartient la commune
SELECT m.geo_year, m.codgeo, m.label, m.departement, m.arrondissement, m.region, m.epci, m.ze2010, m.ze2020,
       m.departement NOT LIKE '97%' AS france_metro,
       (SELECT list(t.code ORDER BY t.code) FROM int_commune_territory t
         WHERE t.geo_year = m.geo_year AND t.codgeo = m.codgeo AND t.level = 'grouping') AS groupings
FROM stg_commune_membership m
