-- One row per territory × census × census count (non-schooled 15+ of the diploma table, active population at
-- place of residence, jobs at place of work): the count beside the real population of the same territory and
-- census, its share, and whether that share lies within the plausibility bounds of config.yml.
-- Reads: stg_rp_census_variables, int_commune_territory, int_population_territory, cfg_census_count_plausibility.
-- Shared columns: level, code, geo_year
-- Column census_year: Année du recensement (population municipale du recensement millésimé)
-- Column count_id: Comptage du recensement contrôlé (thème:variable) : diplomes:total (non-scolarisés de 15 ans ou plus), actifs:actifs_lieu_residence, actifs:emplois_lieu_travail
-- Column count: Valeur du comptage du recensement, sommée sur les communes du territoire
-- Column population: Population municipale (ou population sans doubles comptes aux recensements 1968–1999)
-- Column share: Part du comptage dans la population réelle du même territoire et du même recensement
-- Column min_share: Part minimale plausible dans la population
-- Column max_share: Part maximale plausible dans la population
-- Column plausible: Vrai si la part est dans les bornes plausibles de config.yml (sinon les valeurs calculées portent le marqueur implausible_input)
WITH counts AS (
    SELECT t.level, t.code, c.geo_year, c.census_year, c.theme || ':' || c.variable AS count_id,
           sum(c.value) AS count
    FROM stg_rp_census_variables c
    JOIN int_commune_territory t ON t.geo_year = c.geo_year AND t.codgeo = c.codgeo
    WHERE (c.theme = 'diplomes' AND c.variable = 'total') OR c.theme = 'actifs'
    GROUP BY ALL
)
SELECT c.level, c.code, c.geo_year, c.census_year, c.count_id, c.count, p.pop AS population,
       c.count / nullif(p.pop, 0) AS share, b.min_share, b.max_share,
       c.count / nullif(p.pop, 0) BETWEEN b.min_share AND b.max_share AS plausible
FROM counts c
JOIN cfg_census_count_plausibility b USING (count_id)
LEFT JOIN int_population_territory p
    ON p.level = c.level AND p.code = c.code AND p.geo_year = c.geo_year AND p.census_year = c.census_year
