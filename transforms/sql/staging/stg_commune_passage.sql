-- The delivery holds each step twice, forward and backward. Its orientation is checked, not assumed: the
-- forward table of a step is the one whose rows all lead from a commune of the earlier vintage to a commune of
-- the later one. In the COGugaison delivery the 2022→2023 and 2023→2024 tables are labelled the other way round;
-- the rows labelled later→earlier are then used (`orientation` = 'reversed_in_delivery', a recorded
-- normalisation). A step where neither table is valid keeps the delivered one and fails violations_passage.
-- Where the shares of an old commune do not sum to 1 (ratio 1 on every part of a restoration, 1/n on the members
-- of a merger read backwards), they are recomputed: one target takes everything; several share by their
-- population in the new vintage, or equally when it is unknown. A ratio is never missing.
WITH vintages AS (
    SELECT geo_year AS from_year, lead(geo_year) OVER (ORDER BY geo_year) AS to_year
    FROM (SELECT DISTINCT geo_year FROM stg_commune_population)
    QUALIFY to_year IS NOT NULL
),
delivered AS (
    SELECT from_year::INTEGER AS from_year, to_year::INTEGER AS to_year, cod_from, cod_to, typemodif, ratio
    FROM read_parquet('{validated}/insee_cog_passage.parquet')
),
candidates AS (
    SELECT v.from_year, v.to_year, 'as_delivered' AS orientation, d.cod_from, d.cod_to, d.typemodif, d.ratio
    FROM vintages v JOIN delivered d ON d.from_year = v.from_year AND d.to_year = v.to_year
    UNION ALL
    SELECT v.from_year, v.to_year, 'reversed_in_delivery', d.cod_from, d.cod_to, d.typemodif, d.ratio
    FROM vintages v JOIN delivered d ON d.from_year = v.to_year AND d.to_year = v.from_year
),
scored AS (
    SELECT c.from_year, c.to_year, c.orientation,
           count(*) = count(*) FILTER (WHERE f.codgeo IS NOT NULL AND t.codgeo IS NOT NULL) AS all_rows_valid
    FROM candidates c
    LEFT JOIN stg_commune_population f ON f.geo_year = c.from_year AND f.codgeo = c.cod_from
    LEFT JOIN stg_commune_population t ON t.geo_year = c.to_year AND t.codgeo = c.cod_to
    GROUP BY ALL
),
chosen AS (
    -- a valid table first; between two valid (or two invalid) ones, the table as delivered
    SELECT from_year, to_year,
           arg_max(orientation, all_rows_valid::INTEGER * 2 + (orientation = 'as_delivered')::INTEGER) AS orientation
    FROM scored
    GROUP BY ALL
),
forward AS (
    SELECT c.*, t.pop AS target_pop,
           sum(c.ratio) OVER w AS ratio_sum,
           count(*) OVER w AS n_targets,
           sum(t.pop) OVER w AS targets_pop
    FROM candidates c
    JOIN chosen USING (from_year, to_year, orientation)
    LEFT JOIN stg_commune_population t ON t.geo_year = c.to_year AND t.codgeo = c.cod_to
    WINDOW w AS (PARTITION BY c.from_year, c.to_year, c.cod_from)
)
SELECT
    from_year, to_year, cod_from, cod_to, typemodif,
    CASE
        WHEN abs(ratio_sum - 1) <= 1e-3 THEN ratio
        WHEN n_targets = 1 THEN 1.0
        WHEN targets_pop > 0 THEN coalesce(target_pop, 0) / targets_pop
        ELSE 1.0 / n_targets
    END AS ratio,
    CASE
        WHEN abs(ratio_sum - 1) <= 1e-3 THEN 'cog'
        WHEN n_targets = 1 OR targets_pop > 0 THEN 'recomputed'
        ELSE 'recomputed_equal_shares'
    END AS ratio_origin,
    orientation
FROM forward
