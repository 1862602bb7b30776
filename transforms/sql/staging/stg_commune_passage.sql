-- One row per forward step (from_year → next vintage) × old commune × new commune, with the share of the old
-- commune's population that goes to the new one.
-- Reads: source insee_cog_passage, stg_commune_population.
-- Where the delivered ratios of an old commune do not sum to 1 (COGugaison: ratio 1 on every part of some
-- 2022–2024 restorations, 1/n on the members of some 2023→2024 mergers), the ratio is recomputed: a single
-- target takes everything; several targets share by their population in the new vintage.
WITH forward AS (
    SELECT from_year::INTEGER AS from_year, to_year::INTEGER AS to_year, cod_from, cod_to, typemodif, ratio
    FROM read_parquet('{validated}/insee_cog_passage.parquet')
    WHERE from_year < to_year
),
checked AS (
    SELECT f.*, t.pop AS target_pop,
           sum(ratio) OVER w AS ratio_sum,
           count(*) OVER w AS n_targets,
           sum(t.pop) OVER w AS targets_pop
    FROM forward f
    LEFT JOIN stg_commune_population t ON t.geo_year = f.to_year AND t.codgeo = f.cod_to
    WINDOW w AS (PARTITION BY f.from_year, f.to_year, f.cod_from)
)
SELECT
    from_year, to_year, cod_from, cod_to, typemodif,
    CASE
        WHEN abs(ratio_sum - 1) <= 1e-3 THEN ratio
        WHEN n_targets = 1 THEN 1.0
        WHEN targets_pop > 0 THEN target_pop / targets_pop
        ELSE 1.0 / n_targets
    END AS ratio,
    CASE WHEN abs(ratio_sum - 1) <= 1e-3 THEN 'cog' ELSE 'recomputed' END AS ratio_origin
FROM checked
