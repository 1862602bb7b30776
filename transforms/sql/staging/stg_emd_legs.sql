-- Legs are optional in a delivery: no legs, no car occupancy.
SELECT f.survey, coalesce(f.method, '') AS method, f.sector, f.household, f.person, f.trip, f.leg,
       f.leg_mode_code::INTEGER AS leg_mode_code, coalesce(m.code_group, 'autre') AS leg_mode_group,
       f.occupants, f.leg_distance_m
FROM read_parquet('{validated}/emd.parquet') f
LEFT JOIN cfg_emd_codes m ON m.standard = f.standard AND m.kind = 'mode' AND m.code = f.leg_mode_code
WHERE f.record = 'leg'
