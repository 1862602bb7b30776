-- Rounded only here, after every sum. The breakdowns (mode, age, sex, CS) are given for supra-communal levels;
-- commune pairs carry the total only (France: about a million pairs). Every geography from the edition's on
-- (carried through the passage tables: `estimated` in flags); reliability from the carried sums.
WITH f AS (SELECT * FROM int_flux_navettes_territory),
cut AS (
    SELECT level, geo_year, edition, origin, destination, 'ensemble' AS dimension, 'ensemble' AS modalite,
           sum(weight) AS w, bool_or(estimated) AS est FROM f GROUP BY ALL
    UNION ALL
    SELECT level, geo_year, edition, origin, destination, 'mode', mode, sum(weight), bool_or(estimated)
    FROM f WHERE level <> 'commune' AND mode IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT level, geo_year, edition, origin, destination, 'tranche_age', age_band, sum(weight), bool_or(estimated)
    FROM f WHERE level <> 'commune' AND age_band IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT level, geo_year, edition, origin, destination, 'sexe', sex, sum(weight), bool_or(estimated)
    FROM f WHERE level <> 'commune' AND sex IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT level, geo_year, edition, origin, destination, 'cs', cs1, sum(weight), bool_or(estimated)
    FROM f WHERE level <> 'commune' AND cs1 IS NOT NULL GROUP BY ALL
),
ranked AS (
    SELECT *,
           CASE WHEN origin <> destination THEN rank() OVER (
               PARTITION BY level, geo_year, edition, dimension, modalite, origin, origin = destination
               ORDER BY round(w, 6) DESC, destination) END AS rang_destination,
           CASE WHEN origin <> destination THEN rank() OVER (
               PARTITION BY level, geo_year, edition, dimension, modalite, destination, origin = destination
               ORDER BY round(w, 6) DESC, origin) END AS rang_origine
    FROM cut
)
SELECT r.level AS niveau, r.origin AS origine, o.label AS libelle_origine, r.destination,
       d.label AS libelle_destination, r.geo_year AS millesime_geo, r.edition::VARCHAR AS recensement,
       CASE WHEN r.origin = r.destination THEN 'interne'
            WHEN r.destination = '99999' THEN 'vers_etranger' ELSE 'echange' END AS type_flux,
       r.dimension, r.modalite, round(r.w, 1) AS actifs_occupes_flux, r.rang_destination, r.rang_origine,
       nullif(concat_ws(',', CASE WHEN r.est THEN 'estimated' END,
                        {{ insee_reliability('r.w') }}), '') AS flags
FROM ranked r
LEFT JOIN territories o ON o.level = r.level AND o.code = r.origin AND o.geo_year = r.geo_year
LEFT JOIN territories d ON d.level = r.level AND d.code = r.destination AND d.geo_year = r.geo_year
