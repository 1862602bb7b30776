-- One row per territory × census × age band: population counted in that band (INSEE wide age tables).
-- Reads: source insee_rp_age. NIVGEO is INSEE's level name; `level` is the project's.
-- Shared columns: level, code, geo_year, source_file, source_line
-- Column census_year: Année du recensement (population municipale du recensement millésimé)
-- Column age_min: Âge minimal de la tranche (années révolues)
-- Column age_max: Âge maximal de la tranche (NULL = tranche ouverte « et plus »)
-- Column band: Variable INSEE de la tranche d'âge (ex. P09_POP0019)
-- Column population: Population municipale (ou population sans doubles comptes aux recensements 1968–1999)
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
