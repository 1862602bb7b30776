-- One row per commune × event (births, deaths) × intercensal interval (INSEE « séries historiques »).
-- Reads: source insee_rp_historique (empty until a file is configured).
-- Shared columns: codgeo, geo_year
-- Column event: Type d'événement d'état civil (births = naissances, deaths = décès)
-- Column period_start: Recensement de début de l'intervalle
-- Column period_end: Recensement de fin de l'intervalle
-- Column events: Nombre d'événements entre les deux recensements
SELECT
    codgeo,
    geo_year::INTEGER AS geo_year,
    event,
    period_start::INTEGER AS period_start,
    period_end::INTEGER AS period_end,
    count::DOUBLE AS events
FROM read_parquet('{validated}/insee_rp_historique.parquet')
