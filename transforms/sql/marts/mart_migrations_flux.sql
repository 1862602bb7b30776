-- Rounded only here, after every sum. Commune pairs and every supra-communal level; ensemble and 15–29. Every
-- geography from the edition's on (carried through the passage tables: `estimated` in flags).
WITH f AS (
    SELECT level, geo_year, edition, 'ensemble' AS tranche_age, previous_code, current_code, sum(weight) AS w,
           bool_or(estimated) AS est
    FROM int_flux_migrations_territory GROUP BY ALL
    UNION ALL
    SELECT level, geo_year, edition, '15-29', previous_code, current_code, sum(weight), bool_or(estimated)
    FROM int_flux_migrations_territory WHERE age_band = '15-29' GROUP BY ALL
),
ranked AS (
    SELECT *,
           CASE WHEN previous_code <> current_code THEN rank() OVER (
               PARTITION BY level, geo_year, edition, tranche_age, previous_code, previous_code = current_code
               ORDER BY round(w, 6) DESC, current_code) END AS rang_destination,
           CASE WHEN previous_code <> current_code THEN rank() OVER (
               PARTITION BY level, geo_year, edition, tranche_age, current_code, previous_code = current_code
               ORDER BY round(w, 6) DESC, previous_code) END AS rang_origine
    FROM f
)
SELECT r.level AS niveau, r.previous_code AS origine, o.label AS libelle_origine, r.current_code AS destination,
       d.label AS libelle_destination, r.geo_year AS millesime_geo, r.edition::VARCHAR AS recensement, r.tranche_age,
       CASE WHEN r.previous_code = r.current_code THEN 'interne'
            WHEN r.previous_code = '99999' THEN 'depuis_etranger' ELSE 'echange' END AS type_flux,
       round(r.w, 1) AS migrants_flux, r.rang_destination, r.rang_origine,
       nullif(concat_ws(',', CASE WHEN r.est THEN 'estimated' END,
                        {{ insee_reliability('r.w') }}), '') AS flags
FROM ranked r
LEFT JOIN territories o ON o.level = r.level AND o.code = r.previous_code AND o.geo_year = r.geo_year
LEFT JOIN territories d ON d.level = r.level AND d.code = r.current_code AND d.geo_year = r.geo_year
