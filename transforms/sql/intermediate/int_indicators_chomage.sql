-- The latest edition of each quarter, with its flags (int_chomage_flagged).
-- Rates are never summed or averaged into groupings (no counts of unemployed and active people here).
SELECT 'taux_chomage' AS indicator_id, level, code, geo_year, quarter AS period, rate AS value,
       NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high,
       '%' AS unit, flags,
       'insee_chomage' AS source_id, (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_chomage') AS source_sha256
FROM int_chomage_flagged
WHERE edition_rank = 1 AND level <> 'ze2020_partie_regionale'
