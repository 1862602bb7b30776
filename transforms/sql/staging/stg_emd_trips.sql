-- One row per trip (EMD déplacement): mode and purpose groups from the code dictionary, duration and distance.
-- Reads: source emd, cfg_emd_codes.
-- Purpose of a trip = purpose at destination (D5A), or at origin (D2A) when the trip returns home (the usual
-- « motif hors domicile »). Duration = D9, else arrival − departure (HHMM) when that is positive.
WITH f AS (SELECT * FROM read_parquet('{validated}/emd.parquet') WHERE record = 'trip'),
m AS (SELECT code, code_group FROM cfg_emd_codes WHERE kind = 'mode'),
p AS (SELECT code, code_group FROM cfg_emd_codes WHERE kind = 'purpose')
SELECT f.survey, f."ECH" AS household, f."PER" AS person, f."NDEP" AS trip, f."MODP"::INTEGER AS mode_code,
       m.code_group AS mode_group,
       CASE WHEN pd.code_group = 'home' THEN po.code_group ELSE pd.code_group END AS purpose_group,
       coalesce(f."D9", CASE WHEN f."D8" >= f."D4"
           THEN (f."D8" // 100 * 60 + f."D8" % 100) - (f."D4" // 100 * 60 + f."D4" % 100) END) AS duration_min,
       f."DIST" / 1000.0 AS distance_km, f."D8" < f."D4" AS times_swapped, f."D3" AS origin_zone,
       f."D7" AS destination_zone
FROM f
LEFT JOIN m ON m.code = f."MODP"
LEFT JOIN p pd ON pd.code = f."D5A"
LEFT JOIN p po ON po.code = f."D2A"
