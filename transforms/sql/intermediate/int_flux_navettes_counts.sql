-- The commuting counts of each territory, unrounded (mart_navettes_territoires rounds them, int_indicators_flux
-- publishes them): employed residents, those working outside their commune / EPCI / ZE2020 (territory = sum of its
-- communes), internal, outgoing, incoming flows.
-- Every geography from the edition's on (commune flows carried through the passage tables: `estimated`).
WITH c AS (
    SELECT geo_year, edition, origin_commune, dest_commune, sum(weight) AS w, bool_or(estimated) AS est
    FROM int_flux_navettes_commune GROUP BY ALL
),
per_commune AS (  -- residents of a commune and where they work, against their own commune / EPCI / ZE2020
    SELECT c.geo_year, c.edition, c.origin_commune AS codgeo, sum(c.w) AS actifs, bool_or(c.est) AS est,
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
    SELECT t.level, t.code, p.geo_year, p.edition, sum(p.actifs) AS actifs, bool_or(p.est) AS est,
           coalesce(sum(p.hors_commune), 0) AS hors_commune, coalesce(sum(p.hors_epci), 0) AS hors_epci,
           coalesce(sum(p.hors_ze), 0) AS hors_ze
    FROM per_commune p JOIN int_commune_territory t ON t.geo_year = p.geo_year AND t.codgeo = p.codgeo
    GROUP BY ALL
),
pairs AS (
    SELECT level, geo_year, edition, origin, destination, sum(weight) AS w, bool_or(estimated) AS est
    FROM int_flux_navettes_territory GROUP BY ALL
),
exchange AS (
    SELECT level, geo_year, edition, code, sum(internes) AS internes, sum(sortants) AS sortants,
           sum(entrants) AS entrants, bool_or(est) AS est
    FROM (
        SELECT level, geo_year, edition, origin AS code, sum(w) FILTER (origin = destination) AS internes,
               sum(w) FILTER (origin <> destination) AS sortants, 0 AS entrants, bool_or(est) AS est
        FROM pairs GROUP BY ALL
        UNION ALL
        SELECT level, geo_year, edition, destination, 0, 0, sum(w) FILTER (origin <> destination),
               bool_or(est) FILTER (origin <> destination)
        FROM pairs WHERE destination NOT IN ('99999', 'ZZZZZ') GROUP BY ALL
    ) GROUP BY ALL
)
SELECT e.level, e.code, e.geo_year, e.edition, r.actifs, r.hors_commune, r.hors_epci, r.hors_ze,
       coalesce(e.internes, 0) AS internes, coalesce(e.sortants, 0) AS sortants, coalesce(e.entrants, 0) AS entrants,
       coalesce(r.est, false) OR coalesce(e.est, false) AS estimated
FROM exchange e
LEFT JOIN residents r USING (level, code, geo_year, edition)
WHERE e.code NOT IN ('99999', 'ZZZZZ') AND r.actifs IS NOT NULL
