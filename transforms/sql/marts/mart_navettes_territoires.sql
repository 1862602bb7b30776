-- Shares and ratios from summed numerators and denominators (territory = sum of its communes), rounded last.
WITH c AS (
    SELECT geo_year, edition, origin_commune, dest_commune, sum(weight) AS w
    FROM stg_flux_navettes GROUP BY ALL
),
per_commune AS (  -- residents of a commune and where they work, against their own commune / EPCI / ZE2020
    SELECT c.geo_year, c.edition, c.origin_commune AS codgeo, sum(c.w) AS actifs,
           sum(c.w) FILTER (c.dest_commune <> c.origin_commune) AS hors_commune,
           sum(c.w) FILTER (c.dest_commune <> c.origin_commune
                            AND (md.epci IS NULL OR mo.epci = 'ZZZZZZZZZ' OR md.epci <> mo.epci)) AS hors_epci,
           sum(c.w) FILTER (c.dest_commune <> c.origin_commune
                            AND (md.ze2020 IS NULL OR md.ze2020 IS DISTINCT FROM mo.ze2020)) AS hors_ze
    FROM c
    JOIN stg_commune_membership mo ON mo.geo_year = c.geo_year AND mo.codgeo = c.origin_commune
    LEFT JOIN stg_commune_membership md ON md.geo_year = c.geo_year AND md.codgeo = c.dest_commune
    GROUP BY ALL
),
residents AS (
    SELECT t.level, t.code, p.geo_year, p.edition, sum(p.actifs) AS actifs,
           coalesce(sum(p.hors_commune), 0) AS hors_commune, coalesce(sum(p.hors_epci), 0) AS hors_epci,
           coalesce(sum(p.hors_ze), 0) AS hors_ze
    FROM per_commune p JOIN int_commune_territory t ON t.geo_year = p.geo_year AND t.codgeo = p.codgeo
    GROUP BY ALL
),
pairs AS (
    SELECT level, geo_year, edition, origin, destination, sum(weight) AS w
    FROM int_flux_navettes_territory GROUP BY ALL
),
exchange AS (
    SELECT level, geo_year, edition, code, sum(internes) AS internes, sum(sortants) AS sortants,
           sum(entrants) AS entrants
    FROM (
        SELECT level, geo_year, edition, origin AS code, sum(w) FILTER (origin = destination) AS internes,
               sum(w) FILTER (origin <> destination) AS sortants, 0 AS entrants
        FROM pairs GROUP BY ALL
        UNION ALL
        SELECT level, geo_year, edition, destination, 0, 0, sum(w) FILTER (origin <> destination)
        FROM pairs WHERE destination NOT IN ('99999', 'ZZZZZ') GROUP BY ALL
    ) GROUP BY ALL
)
SELECT e.level AS niveau, e.code, t.label AS libelle, e.geo_year AS millesime_geo, e.edition::VARCHAR AS recensement,
       round(r.actifs, 1) AS actifs_occupes_residents, round(coalesce(e.internes, 0), 1) AS actifs_internes,
       round(coalesce(e.sortants, 0), 1) AS actifs_sortants, round(coalesce(e.entrants, 0), 1) AS actifs_entrants,
       round(coalesce(e.internes, 0) + coalesce(e.entrants, 0), 1) AS emplois_occupes_residents_france,
       round(100 * r.hors_commune / r.actifs, 1) AS part_travail_hors_commune_pct,
       round(100 * r.hors_epci / r.actifs, 1) AS part_travail_hors_epci_pct,
       round(100 * r.hors_ze / r.actifs, 1) AS part_travail_hors_ze_pct,
       round((coalesce(e.internes, 0) + coalesce(e.entrants, 0)) / r.actifs, 2) AS emplois_par_actif_occupe,
       CASE WHEN r.actifs < 200 THEN 'low_reliability' WHEN r.actifs < 500 THEN 'use_with_caution' END AS flags
FROM exchange e
LEFT JOIN residents r USING (level, code, geo_year, edition)
LEFT JOIN territories t ON t.level = e.level AND t.code = e.code AND t.geo_year = e.geo_year
WHERE e.code NOT IN ('99999', 'ZZZZZ') AND r.actifs IS NOT NULL
