-- Commune-to-commune residential moves on the edition's geography and every later one (int_flux_commune_passage):
-- a flow is shared by the product of its two ends' ratios (1 × 1 on the edition's own geography: unchanged).
SELECT f.source_id, f.edition, mc.geo_year, mc.codgeo AS commune,
       CASE WHEN f.previous_commune = '99999' THEN '99999' ELSE mp.codgeo END AS previous_commune,
       f.age_band, f.weight * mc.ratio * mp.ratio AS weight, mc.estimated OR mp.estimated AS estimated
FROM stg_flux_migrations f
JOIN int_flux_commune_passage mc ON mc.from_year = f.geo_year AND mc.cod_from = f.commune
JOIN int_flux_commune_passage mp
    ON mp.from_year = f.geo_year AND mp.cod_from = f.previous_commune AND mp.geo_year = mc.geo_year
