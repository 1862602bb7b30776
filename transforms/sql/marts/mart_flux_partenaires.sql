-- One row per flow kind (navettes, migrations) × territory (grouping, EPCI, ZE2020) × direction × partner EPCI ×
-- geo_year × edition: what the publication lists as a territory's main destinations and origins. A partner is the
-- EPCI of the commune at the other end, outside the territory (a partner EPCI straddling the territory counts only
-- its communes outside it: `partenaire_partiel`); 99999 abroad; ZZZZZ a commune in no EPCI.
-- Reads the commune pairs of stg_flux_navettes / stg_flux_migrations (weights unrounded); rounded last.
WITH pairs AS (
    SELECT 'navettes' AS flux, source_id, geo_year, edition, origin_commune AS from_commune,
           dest_commune AS to_commune, sum(weight) AS w
    FROM stg_flux_navettes WHERE origin_commune <> dest_commune GROUP BY ALL
    UNION ALL
    SELECT 'migrations', source_id, geo_year, edition, previous_commune, commune, sum(weight)
    FROM stg_flux_migrations WHERE previous_commune <> commune GROUP BY ALL
),
terr AS (
    SELECT geo_year, codgeo, level, code FROM int_commune_territory WHERE level IN ('grouping', 'epci', 'ze2020')
),
epci AS (SELECT geo_year, codgeo, code AS epci FROM int_commune_territory WHERE level = 'epci'),
directed AS (  -- each pair seen from the territory of each end: leaving it (destination) or entering it (origine)
    SELECT p.flux, p.source_id, p.geo_year, p.edition, t.level, t.code, 'destination' AS sens,
           p.to_commune AS other, p.w
    FROM pairs p JOIN terr t ON t.geo_year = p.geo_year AND t.codgeo = p.from_commune
    UNION ALL
    SELECT p.flux, p.source_id, p.geo_year, p.edition, t.level, t.code, 'origine', p.from_commune, p.w
    FROM pairs p JOIN terr t ON t.geo_year = p.geo_year AND t.codgeo = p.to_commune
),
outside AS (
    SELECT d.flux, d.source_id, d.geo_year, d.edition, d.level, d.code, d.sens,
           CASE WHEN d.other = '99999' THEN '99999' ELSE coalesce(e.epci, 'ZZZZZ') END AS partenaire, sum(d.w) AS w
    FROM directed d
    LEFT JOIN terr inside ON inside.geo_year = d.geo_year AND inside.codgeo = d.other AND inside.level = d.level
         AND inside.code = d.code
    LEFT JOIN epci e ON e.geo_year = d.geo_year AND e.codgeo = d.other
    WHERE inside.code IS NULL
    GROUP BY ALL
),
straddling AS (  -- (territory, EPCI) with communes of that EPCI inside the territory
    SELECT DISTINCT t.geo_year, t.level, t.code, e.epci
    FROM terr t JOIN epci e ON e.geo_year = t.geo_year AND e.codgeo = t.codgeo WHERE t.level <> 'epci'
),
ranked AS (
    SELECT *, sum(w) OVER (PARTITION BY flux, geo_year, edition, level, code, sens) AS total,
           rank() OVER (PARTITION BY flux, geo_year, edition, level, code, sens
                        ORDER BY round(w, 6) DESC, partenaire) AS rang
    FROM outside
)
SELECT r.flux, r.level AS niveau, r.code, t.label AS libelle, r.sens, r.partenaire, p.label AS libelle_partenaire,
       s.epci IS NOT NULL AS partenaire_partiel, r.geo_year AS millesime_geo, r.edition::VARCHAR AS recensement,
       r.source_id, round(r.w, 1) AS flux_effectif, round(r.total, 1) AS flux_total_sens,
       round(100 * r.w / r.total, 1) AS flux_part_pct, r.rang,
       {{ insee_reliability('r.w') }} AS flags
FROM ranked r
LEFT JOIN territories t ON t.level = r.level AND t.code = r.code AND t.geo_year = r.geo_year
LEFT JOIN territories p ON p.level = 'epci' AND p.code = r.partenaire AND p.geo_year = r.geo_year
LEFT JOIN straddling s ON s.geo_year = r.geo_year AND s.level = r.level AND s.code = r.code AND s.epci = r.partenaire
