-- The Observatoire des territoires' internal-migration indicators, from summed weights, rounded last:
-- ISO (lived in the territory one year earlier and now), ENTR (now in it, one year earlier elsewhere in France),
-- SORT (one year earlier in it, now elsewhere in France), PRES = ISO + ENTR, AUTO = ISO + SORT,
-- taux de migration nette interne = (ENTR − SORT) / ((AUTO + PRES) / 2) × 1000. Arrivals from abroad are outside
-- internal migration (the census does not see departures abroad).
WITH f AS (
    SELECT level, geo_year, edition, 'ensemble' AS tranche_age, current_code, previous_code, weight
    FROM int_flux_migrations_territory
    UNION ALL
    SELECT level, geo_year, edition, '15-29', current_code, previous_code, weight
    FROM int_flux_migrations_territory WHERE age_band = '15-29'
),
counts AS (
    SELECT level, geo_year, edition, tranche_age, code, sum(iso) AS iso, sum(entr) AS entr, sum(sort) AS sort
    FROM (
        SELECT level, geo_year, edition, tranche_age, current_code AS code,
               coalesce(sum(weight) FILTER (previous_code = current_code), 0) AS iso,
               coalesce(sum(weight) FILTER (previous_code <> current_code AND previous_code <> '99999'), 0) AS entr,
               0 AS sort
        FROM f GROUP BY ALL
        UNION ALL
        SELECT level, geo_year, edition, tranche_age, previous_code, 0, 0,
               coalesce(sum(weight) FILTER (previous_code <> current_code), 0)
        FROM f WHERE previous_code NOT IN ('99999', 'ZZZZZ') GROUP BY ALL
    ) GROUP BY ALL
)
SELECT c.level AS niveau, c.code, t.label AS libelle, c.geo_year AS millesime_geo, c.edition::VARCHAR AS recensement,
       c.tranche_age, round(c.iso, 1) AS migrants_iso, round(c.entr, 1) AS migrants_entrants,
       round(c.sort, 1) AS migrants_sortants, round(c.iso + c.entr, 1) AS population_presente,
       round(c.iso + c.sort, 1) AS population_autochtone, round(c.entr - c.sort, 1) AS solde_migratoire_interne,
       round(1000 * (c.entr - c.sort) / nullif(((c.iso + c.sort) + (c.iso + c.entr)) / 2, 0), 1)
           AS taux_migration_nette_interne_pmille,
       CASE WHEN least(c.entr, c.sort) < 200 THEN 'low_reliability'
            WHEN least(c.entr, c.sort) < 500 THEN 'use_with_caution' END AS flags
FROM counts c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code AND t.geo_year = c.geo_year
WHERE c.code NOT IN ('99999', 'ZZZZZ')
