-- One row per survey × breakdown (all, sector or age group) × indicator: weighted results of the household
-- travel surveys, on people aged cfg_emd.min_age and over (comparability of older 11+ and newer 5+ surveys).
-- Reads: stg_emd_persons, stg_emd_trips, cfg_emd.
-- Weights: persons by COEP; a trip carries its person's weight. Car occupancy = (driver + passenger trips) /
-- driver trips. Shares in %, durations in minutes, distances in km.
WITH persons AS (
    SELECT p.*, CASE WHEN age < 11 THEN '05-10' WHEN age < 18 THEN '11-17' WHEN age < 25 THEN '18-24'
                     WHEN age < 35 THEN '25-34' WHEN age < 50 THEN '35-49' WHEN age < 65 THEN '50-64'
                     ELSE '65+' END AS age_group
    FROM stg_emd_persons p WHERE age >= (SELECT min_age FROM cfg_emd)
),
trips AS (
    SELECT t.*, p.weight, p.sector, p.age_group
    FROM stg_emd_trips t JOIN persons p USING (survey, household, person)
),
per_person AS (
    SELECT p.survey, p.sector, p.age_group, p.weight, count(t.trip) AS n_trips
    FROM persons p LEFT JOIN trips t USING (survey, household, person)
    GROUP BY p.survey, p.household, p.person, p.sector, p.age_group, p.weight
),
sets AS (  -- one breakdown column: 'ensemble', a sector or an age group
    SELECT survey, 'ensemble' AS breakdown, 'ensemble' AS category, * EXCLUDE (survey) FROM per_person
    UNION ALL SELECT survey, 'secteur', sector, * EXCLUDE (survey) FROM per_person
    UNION ALL SELECT survey, 'classe_age', age_group, * EXCLUDE (survey) FROM per_person
),
trip_sets AS (
    SELECT survey, 'ensemble' AS breakdown, 'ensemble' AS category, * EXCLUDE (survey) FROM trips
    UNION ALL SELECT survey, 'secteur', sector, * EXCLUDE (survey) FROM trips
    UNION ALL SELECT survey, 'classe_age', age_group, * EXCLUDE (survey) FROM trips
),
person_ind AS (
    SELECT survey, breakdown, category,
           sum(weight * n_trips) / sum(weight) AS deplacements_par_personne,
           100 * sum(weight) FILTER (n_trips = 0) / sum(weight) AS part_personnes_sans_deplacement,
           sum(weight) AS population_ponderee
    FROM sets GROUP BY ALL
),
trip_ind AS (
    SELECT survey, breakdown, category, sum(weight) AS trips_w,
           sum(weight * duration_min) / sum(weight) FILTER (duration_min IS NOT NULL) AS duree_moyenne_min,
           sum(weight * distance_km) / sum(weight) FILTER (distance_km IS NOT NULL) AS distance_moyenne_km,
           sum(weight) FILTER (mode_group IN ('car_driver', 'car_passenger'))
               / nullif(sum(weight) FILTER (mode_group = 'car_driver'), 0) AS taux_occupation_voiture
    FROM trip_sets GROUP BY ALL
),
shares AS (
    SELECT survey, breakdown, category, 'part_modale_' || mode_group AS indicator,
           100 * sum(weight) / sum(sum(weight)) OVER (PARTITION BY survey, breakdown, category) AS value
    FROM trip_sets GROUP BY survey, breakdown, category, mode_group
    UNION ALL
    SELECT survey, breakdown, category, 'part_motif_' || purpose_group,
           100 * sum(weight) / sum(sum(weight)) OVER (PARTITION BY survey, breakdown, category)
    FROM trip_sets GROUP BY survey, breakdown, category, purpose_group
),
long AS (
    SELECT survey, breakdown, category, unnest(['deplacements_par_personne', 'part_personnes_sans_deplacement',
           'population_ponderee']) AS indicator,
           unnest([deplacements_par_personne, part_personnes_sans_deplacement, population_ponderee]) AS value
    FROM person_ind
    UNION ALL
    SELECT survey, breakdown, category, unnest(['duree_moyenne_min', 'distance_moyenne_km',
           'taux_occupation_voiture']), unnest([duree_moyenne_min, distance_moyenne_km, taux_occupation_voiture])
    FROM trip_ind
    UNION ALL SELECT * FROM shares
)
SELECT l.survey AS enquete, s.survey_year AS annee, s.survey_min_age AS age_minimum_enquete,
       (SELECT min_age FROM cfg_emd) AS age_minimum_retenu, l.breakdown AS ventilation, l.category AS categorie,
       l.indicator AS indicateur, l.value AS valeur
FROM long l
JOIN (SELECT DISTINCT survey, survey_year, survey_min_age FROM stg_emd_persons) s USING (survey)
