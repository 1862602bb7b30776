-- Shares and ratios from summed numerators and denominators (int_flux_navettes_counts: territory = sum of its
-- communes), rounded last. Every geography from the edition's on (carried through the passage tables: `estimated`).
SELECT c.level AS niveau, c.code, t.label AS libelle, c.geo_year AS millesime_geo, c.edition::VARCHAR AS recensement,
       round(c.actifs, 1) AS actifs_occupes_residents, round(c.internes, 1) AS actifs_internes,
       round(c.sortants, 1) AS actifs_sortants, round(c.entrants, 1) AS actifs_entrants,
       round(c.internes + c.entrants, 1) AS emplois_occupes_residents_france,
       round(100 * c.hors_commune / c.actifs, 1) AS part_travail_hors_commune_pct,
       round(100 * c.hors_epci / c.actifs, 1) AS part_travail_hors_epci_pct,
       round(100 * c.hors_ze / c.actifs, 1) AS part_travail_hors_ze_pct,
       round((c.internes + c.entrants) / c.actifs, 2) AS emplois_par_actif_occupe,
       nullif(concat_ws(',', CASE WHEN c.estimated THEN 'estimated' END,
                        {{ insee_reliability('c.actifs') }}), '') AS flags
FROM int_flux_navettes_counts c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code AND t.geo_year = c.geo_year
