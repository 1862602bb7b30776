SELECT
    codgeo,
    geo_year::INTEGER AS geo_year,
    event,
    period_start::INTEGER AS period_start,
    period_end::INTEGER AS period_end,
    count::DOUBLE AS events
FROM read_parquet('{validated}/insee_rp_historique.parquet')
