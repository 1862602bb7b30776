-- Weighting, stated per survey in `ponderation`: the persons interviewed about their trips weighted by COEQ
-- when the survey has that weight (telephone EDGT / EMC²: one or two persons per household report their trips),
-- else all persons weighted by COEP; a trip or a leg carries its person's weight. Shares and trips per person
-- count every trip; mean duration and distance only trips internal to the survey perimeter (`champ` says so);
-- car occupancy = mean number of people in the vehicle over driver legs (T8), not a driver/passenger ratio.
-- Shares in %, durations in minutes, distances in km; `effectif` = unweighted records behind the value.
WITH persons AS (
    SELECT p.*, CASE WHEN age < 11 THEN '05-10' WHEN age < 18 THEN '11-17' WHEN age < 25 THEN '18-24'
                     WHEN age < 35 THEN '25-34' WHEN age < 50 THEN '35-49' WHEN age < 65 THEN '50-64'
                     ELSE '65+' END AS age_band,
           CASE sex WHEN 1 THEN 'homme' WHEN 2 THEN 'femme' ELSE 'non renseigné' END AS sex_label
    FROM stg_emd_persons p
    WHERE age >= (SELECT min_age FROM cfg_emd) AND trip_weight IS NOT NULL
),
cells AS (  -- every person in each of its breakdown cells
    SELECT survey, method, sector, household, person, trip_weight AS weight,
           unnest(['ensemble', 'secteur', 'classe_age', 'sexe']) AS breakdown,
           unnest(['ensemble', sector, age_band, sex_label]) AS category
    FROM persons
),
trips AS (
    SELECT c.survey, c.breakdown, c.category, c.weight, t.trip, t.mode_group, t.purpose_group, t.duration_min,
           t.distance_m, t.outside_perimeter
    FROM cells c JOIN stg_emd_trips t USING (survey, method, sector, household, person)
),
per_person AS (
    SELECT c.survey, c.breakdown, c.category, c.weight, count(t.trip) AS n_trips
    FROM cells c LEFT JOIN stg_emd_trips t USING (survey, method, sector, household, person)
    GROUP BY c.survey, c.method, c.sector, c.household, c.person, c.breakdown, c.category, c.weight
),
driver_legs AS (
    SELECT c.survey, c.breakdown, c.category, c.weight, l.occupants
    FROM cells c JOIN stg_emd_legs l USING (survey, method, sector, household, person)
    WHERE l.leg_mode_group = 'car_driver' AND l.occupants >= 1
),
person_ind AS (
    SELECT survey, breakdown, category, 'personnes' AS scope, count(*) AS n,
           sum(weight * n_trips) / sum(weight) AS deplacements_par_personne,
           100 * coalesce(sum(weight) FILTER (n_trips = 0), 0) / sum(weight) AS part_personnes_sans_deplacement,
           sum(weight) AS population_ponderee
    FROM per_person GROUP BY ALL
),
local_ind AS (
    SELECT survey, breakdown, category, 'internes' AS scope, count(*) AS n,
           sum(weight * duration_min) FILTER (duration_min IS NOT NULL)
               / sum(weight) FILTER (duration_min IS NOT NULL) AS duree_moyenne_min,
           sum(weight * distance_m) FILTER (distance_m IS NOT NULL) / 1000
               / sum(weight) FILTER (distance_m IS NOT NULL) AS distance_moyenne_km
    FROM trips WHERE NOT outside_perimeter GROUP BY ALL
),
trip_ind AS (
    SELECT survey, breakdown, category, 'deplacements' AS scope, count(*) AS n,
           100 * coalesce(sum(weight) FILTER (outside_perimeter), 0) / sum(weight)
               AS part_deplacements_hors_perimetre
    FROM trips GROUP BY ALL
),
shares AS (
    SELECT survey, breakdown, category, 'deplacements' AS scope, count(*) AS n,
           'part_modale_' || mode_group AS indicator,
           100 * sum(weight) / sum(sum(weight)) OVER (PARTITION BY survey, breakdown, category) AS value
    FROM trips GROUP BY survey, breakdown, category, mode_group
    UNION ALL
    SELECT survey, breakdown, category, 'deplacements', count(*), 'part_motif_' || purpose_group,
           100 * sum(weight) / sum(sum(weight)) OVER (PARTITION BY survey, breakdown, category)
    FROM trips GROUP BY survey, breakdown, category, purpose_group
),
long AS (
    SELECT survey, breakdown, category, scope, n,
           unnest(['deplacements_par_personne', 'part_personnes_sans_deplacement', 'population_ponderee'])
               AS indicator,
           unnest([deplacements_par_personne, part_personnes_sans_deplacement, population_ponderee]) AS value
    FROM person_ind
    UNION ALL
    SELECT survey, breakdown, category, scope, n, unnest(['duree_moyenne_min', 'distance_moyenne_km']),
           unnest([duree_moyenne_min, distance_moyenne_km])
    FROM local_ind
    UNION ALL
    SELECT survey, breakdown, category, scope, n, 'part_deplacements_hors_perimetre',
           part_deplacements_hors_perimetre
    FROM trip_ind
    UNION ALL
    SELECT survey, breakdown, category, 'conducteurs', count(*), 'taux_occupation_voiture',
           sum(weight * occupants) / sum(weight)
    FROM driver_legs GROUP BY ALL
    UNION ALL SELECT * FROM shares
),
surveys AS (
    SELECT DISTINCT survey, survey_year, standard, survey_min_age, weighting, weight_scope FROM stg_emd_persons
)
SELECT l.survey AS enquete, s.survey_year AS annee, s.standard AS norme,
       s.weighting || CASE s.weight_scope WHEN 'interviewed' THEN ' (personnes enquêtées sur leurs déplacements)'
                                          ELSE ' (toutes les personnes, toutes enquêtées)' END AS ponderation,
       s.survey_min_age AS age_minimum_enquete, c.min_age AS age_minimum_retenu,
       s.survey_min_age <= c.min_age AS comparable, l.breakdown AS ventilation, l.category AS categorie,
       l.indicator AS indicateur, l.value AS valeur,
       CASE l.scope
           WHEN 'personnes' THEN CASE s.weight_scope WHEN 'interviewed' THEN 'personnes enquêtées sur leurs '
                                     || 'déplacements' ELSE 'toutes les personnes' END
           WHEN 'internes' THEN 'déplacements internes au périmètre d''enquête'
           WHEN 'conducteurs' THEN 'trajets de conducteurs de voiture (occupants du véhicule)'
           ELSE 'tous les déplacements des personnes retenues' END
           || ', ' || c.min_age || ' ans et plus' AS champ,
       l.n AS effectif
FROM long l
JOIN surveys s ON s.survey = l.survey
CROSS JOIN cfg_emd c
