-- The Observatoire des territoires' internal-migration indicators from the summed counts of
-- int_flux_migrations_counts, rounded last: ISO, ENTR, SORT, PRES = ISO + ENTR, AUTO = ISO + SORT,
-- taux de migration nette interne = (ENTR − SORT) / ((AUTO + PRES) / 2) × 1000.
SELECT c.level AS niveau, c.code, t.label AS libelle, c.geo_year AS millesime_geo, c.edition::VARCHAR AS recensement,
       c.tranche_age, round(c.iso, 1) AS migrants_iso, round(c.entr, 1) AS migrants_entrants,
       round(c.sort, 1) AS migrants_sortants, round(c.iso + c.entr, 1) AS population_presente,
       round(c.iso + c.sort, 1) AS population_autochtone, round(c.entr - c.sort, 1) AS solde_migratoire_interne,
       round(1000 * (c.entr - c.sort) / nullif(((c.iso + c.sort) + (c.iso + c.entr)) / 2, 0), 1)
           AS taux_migration_nette_interne_pmille,
       nullif(concat_ws(',', CASE WHEN c.estimated THEN 'estimated' END,
                        {{ insee_reliability('least(c.entr, c.sort)') }}), '') AS flags
FROM int_flux_migrations_counts c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code AND t.geo_year = c.geo_year
