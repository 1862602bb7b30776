-- Ephemeral: read by one model: computed inside it, never stored.
SELECT t.level, t.code, e.geo_year,
       e.period_start || '-' || e.period_end AS period,
       e.period_start, e.period_end,
       sum(e.events) FILTER (e.event = 'births') AS births,
       sum(e.events) FILTER (e.event = 'deaths') AS deaths
FROM stg_rp_births_deaths e
JOIN int_commune_territory t ON t.geo_year = e.geo_year AND t.codgeo = e.codgeo
GROUP BY ALL
