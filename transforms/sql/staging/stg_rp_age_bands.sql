-- NIVGEO is INSEE's level name; `level` is the project's.
SELECT
    CASE nivgeo WHEN 'COM' THEN 'commune' WHEN 'EPCI' THEN 'epci' WHEN 'ARR' THEN 'arrondissement'
                WHEN 'DEP' THEN 'departement' WHEN 'REG' THEN 'region' WHEN 'ZE2010' THEN 'ze2010'
                WHEN 'ZE2020' THEN 'ze2020' WHEN 'METRO' THEN 'france_metro' END AS level,
    codgeo AS code,
    geo_year::INTEGER AS geo_year,
    census_year::INTEGER AS census_year,
    age_min::INTEGER AS age_min,
    age_max::INTEGER AS age_max,
    band,
    count::DOUBLE AS population,
    source_file,
    source_line
FROM read_parquet('{validated}/insee_rp_age.parquet')
