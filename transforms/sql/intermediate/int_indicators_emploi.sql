WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'urssaf_effectifs'),
pairs AS (
    SELECT a.level, a.code, a.geo_year, a.year AS y0, b.year AS y1, a.value AS v0, b.value AS v1,
           coalesce(a.flags, b.flags) AS flags
    FROM int_urssaf_territory a
    JOIN int_urssaf_territory b ON b.level = a.level AND b.code = a.code AND b.geo_year = a.geo_year
                               AND b.year > a.year
),
rows AS (
    SELECT 'effectif_salarie_prive' AS indicator_id, level, code, geo_year, year::VARCHAR AS period, value,
           NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, 'salariés' AS unit, flags
    FROM int_urssaf_territory
    UNION ALL
    SELECT 'variation_effectif_salarie_prive', level, code, geo_year, y0 || '-' || y1, v1 - v0, v1, v0, 'salariés', flags
    FROM pairs
    UNION ALL
    SELECT 'taux_variation_effectif_salarie_prive', level, code, geo_year, y0 || '-' || y1,
           100 * (v1 - v0) / nullif(v0, 0), v1, v0, '%', flags
    FROM pairs
)
SELECT indicator_id, level, code, geo_year, period, value, numerator, denominator, NULL::DOUBLE AS ci_low,
       NULL::DOUBLE AS ci_high, unit, flags, 'urssaf_effectifs' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM rows
