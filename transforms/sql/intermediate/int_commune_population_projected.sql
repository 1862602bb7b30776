-- A commune without a passage row is carried unchanged (violations_passage checks that it exists in the next
-- vintage); a commune with passage rows goes only where they say, with their ratio (never defaulted).
-- Vintages that copy the previous one (census_year NULL) start no walk: their census is already walked.
-- No walk goes beyond the last vintage of the COG tables (COG 2024, int_geography_vintages): a later geography (the
-- populations légales' geography 2025) holds only the census delivered on it, never a census carried there by guess.
-- `source_id` travels with each census (the compilation, the populations légales delivery of its vintage, or the
-- séries historiques: int_census_population).
WITH RECURSIVE vintages AS (SELECT geo_year, next_year FROM int_geography_vintages),
walk(census_year, source_id, geo_year, codgeo, pop, estimated) AS (
    SELECT census_year, source_id, geo_year, codgeo, pop, false
    FROM int_census_population
    UNION ALL
    SELECT w.census_year, w.source_id, v.next_year, coalesce(p.cod_to, w.codgeo),
           CASE WHEN p.cod_from IS NULL THEN w.pop ELSE w.pop * p.ratio END,
           w.estimated OR (p.cod_from IS NOT NULL AND p.ratio < 1.0)
    FROM walk w
    JOIN vintages v ON v.geo_year = w.geo_year AND v.next_year IS NOT NULL
    LEFT JOIN stg_commune_passage p
        ON p.from_year = w.geo_year AND p.to_year = v.next_year AND p.cod_from = w.codgeo
)
SELECT census_year, source_id, geo_year, codgeo, sum(pop) AS pop, bool_or(estimated) AS estimated
FROM walk w
WHERE geo_year >= 2008
  -- a census the séries historiques give is theirs from their geography on (one source per census and geography)
  AND NOT (source_id = 'insee_population' AND EXISTS (
      SELECT 1 FROM int_census_population s
      WHERE s.source_id = 'insee_serie_historique' AND s.census_year = w.census_year AND s.geo_year <= w.geo_year))
GROUP BY ALL
