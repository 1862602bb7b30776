-- Purpose of a trip = purpose at destination (D5A), or at origin (D2A) when the trip returns home (the usual
-- « motif hors domicile »). A code missing from the dictionary falls in the group 'autre' (validation warns).
-- Duration = the delivered duration, else arrival − departure when positive (done by the parser).
WITH f AS (SELECT * FROM read_parquet('{validated}/emd.parquet') WHERE record = 'trip'),
codes AS (SELECT standard, kind, code, code_group FROM cfg_emd_codes)
SELECT f.survey, coalesce(f.method, '') AS method, f.sector, f.household, f.person, f.trip,
       f.mode_code::INTEGER AS mode_code, coalesce(m.code_group, 'autre') AS mode_group,
       f.origin_purpose::INTEGER AS origin_purpose, f.destination_purpose::INTEGER AS destination_purpose,
       CASE WHEN pd.code_group = 'home' THEN coalesce(po.code_group, 'autre')
            ELSE coalesce(pd.code_group, 'autre') END AS purpose_group,
       f.departure_min, f.arrival_min, f.duration_min, f.crow_distance_m, f.distance_m,
       f.arrival_min < f.departure_min AS times_swapped, f.origin_zone, f.destination_zone, f.outside_perimeter,
       f.long_trip
FROM f
LEFT JOIN codes m ON m.standard = f.standard AND m.kind = 'mode' AND m.code = f.mode_code
LEFT JOIN codes pd ON pd.standard = f.standard AND pd.kind = 'purpose' AND pd.code = f.destination_purpose
LEFT JOIN codes po ON po.standard = f.standard AND po.kind = 'purpose' AND po.code = f.origin_purpose
