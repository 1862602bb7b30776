-- Commune-to-commune commuting flows on the edition's geography and every later one (int_flux_commune_passage):
-- a flow is shared by the product of its two ends' ratios (1 × 1 on the edition's own geography: unchanged).
-- Not grouped here: the models reading it sum once, at their own grain.
SELECT f.source_id, f.edition, mo.geo_year, mo.codgeo AS origin_commune,
       CASE WHEN f.dest_commune = '99999' THEN '99999' ELSE md.codgeo END AS dest_commune,
       f.mode, f.age_band, f.sex, f.cs1, f.weight * mo.ratio * md.ratio AS weight,
       mo.estimated OR md.estimated AS estimated
FROM stg_flux_navettes f
JOIN int_flux_commune_passage mo ON mo.from_year = f.geo_year AND mo.cod_from = f.origin_commune
JOIN int_flux_commune_passage md
    ON md.from_year = f.geo_year AND md.cod_from = f.dest_commune AND md.geo_year = mo.geo_year
