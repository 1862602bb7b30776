-- Ephemeral: read by one model: computed inside it, never stored.
-- Conventions (docs/assumptions.md): mean population P̄ = (P0 + P1) / 2, n = census years apart;
-- birth rate = births / n / P̄ × 1000; natural rate = (births − deaths) / n / P̄ × 100;
-- apparent migratory rate = compound total rate − natural rate (INSEE's « solde apparent des entrées-sorties »).
WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_rp_historique'),
b AS (
    SELECT nb.*, p0.pop AS p0, p1.pop AS p1, (p0.pop + p1.pop) / 2 AS p_mean,
           nb.period_end - nb.period_start AS n, births - deaths AS natural_balance,
           p0.compilation_historical OR p1.compilation_historical AS historical
    FROM int_natural_balance nb
    JOIN int_population_territory p0 ON p0.level = nb.level AND p0.code = nb.code AND p0.geo_year = nb.geo_year
        AND p0.census_year = nb.period_start
    JOIN int_population_territory p1 ON p1.level = nb.level AND p1.code = nb.code AND p1.geo_year = nb.geo_year
        AND p1.census_year = nb.period_end
),
rates AS (
    SELECT *, natural_balance / n / p_mean * 100 AS natural_rate,
           (pow(p1 / p0, 1.0 / n) - 1) * 100 AS total_rate
    FROM b WHERE p0 > 0 AND p_mean > 0
),
rows AS (
    SELECT level, code, geo_year, period, historical, unnest([
        {'id': 'naissances', 'value': births, 'num': NULL::DOUBLE, 'den': NULL::DOUBLE, 'unit': 'naissances'},
        {'id': 'deces', 'value': deaths, 'num': NULL, 'den': NULL, 'unit': 'décès'},
        {'id': 'solde_naturel', 'value': natural_balance, 'num': NULL, 'den': NULL, 'unit': 'habitants'},
        {'id': 'taux_natalite', 'value': births / n / p_mean * 1000, 'num': births, 'den': p_mean * n,
         'unit': '‰ par an'},
        {'id': 'taux_variation_annuel_solde_naturel', 'value': natural_rate, 'num': natural_balance,
         'den': p_mean * n, 'unit': '% par an'},
        {'id': 'taux_variation_annuel_solde_migratoire_apparent', 'value': total_rate - natural_rate,
         'num': NULL, 'den': NULL, 'unit': '% par an'}
    ], recursive := true)
    FROM rates
)
SELECT id AS indicator_id, level, code, geo_year, period, value, num AS numerator, den AS denominator,
       NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, unit,
       -- the rates' populations are the compilation's for a 1968–1999 census (not INSEE's series)
       CASE WHEN historical AND id LIKE 'taux_%' THEN 'compilation_not_insee_series' END AS flags,
       'insee_rp_historique' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM rows
WHERE value IS NOT NULL
