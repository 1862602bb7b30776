-- The counts of the Observatoire des territoires' internal-migration indicators, unrounded (mart_migrations rounds
-- them, int_indicators_flux publishes them):
-- ISO (lived in the territory one year earlier and now), ENTR (now in it, one year earlier elsewhere in France),
-- SORT (one year earlier in it, now elsewhere in France), PRES = ISO + ENTR, AUTO = ISO + SORT,
-- the net internal migration rate (ENTR − SORT) / ((AUTO + PRES) / 2) × 1000. Arrivals from abroad are outside
-- internal migration (the census does not see departures abroad). Every geography from the edition's on (flows
-- carried through the passage tables: `estimated`).
WITH f AS (
    SELECT level, geo_year, edition, 'ensemble' AS tranche_age, current_code, previous_code, weight, estimated
    FROM int_flux_migrations_territory
    UNION ALL
    SELECT level, geo_year, edition, '15-29', current_code, previous_code, weight, estimated
    FROM int_flux_migrations_territory WHERE age_band = '15-29'
),
counts AS (
    SELECT level, geo_year, edition, tranche_age, code, sum(iso) AS iso, sum(entr) AS entr, sum(sort) AS sort,
           bool_or(est) AS est
    FROM (
        SELECT level, geo_year, edition, tranche_age, current_code AS code,
               coalesce(sum(weight) FILTER (previous_code = current_code), 0) AS iso,
               coalesce(sum(weight) FILTER (previous_code <> current_code AND previous_code <> '99999'), 0) AS entr,
               0 AS sort, bool_or(estimated) AS est
        FROM f GROUP BY ALL
        UNION ALL
        SELECT level, geo_year, edition, tranche_age, previous_code, 0, 0,
               coalesce(sum(weight) FILTER (previous_code <> current_code), 0),
               bool_or(estimated) FILTER (previous_code <> current_code)
        FROM f WHERE previous_code NOT IN ('99999', 'ZZZZZ') GROUP BY ALL
    ) GROUP BY ALL
)
SELECT level, code, geo_year, edition, tranche_age, iso, entr, sort, coalesce(est, false) AS estimated
FROM counts
WHERE code NOT IN ('99999', 'ZZZZZ')
