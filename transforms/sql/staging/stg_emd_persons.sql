-- One row per surveyed person (EMD / EDGT / EMC²): survey, keys, sex, age, interviewed or not, both weights, and
-- the weight its trips count with (trip_weight, NULL when the person is outside the trip indicators' scope).
-- Reads: source emd. Residence sector = the household's sampling sector (PTIR / STP).
-- Weighting rule (the parser's weight_scope): where the survey has a weight of the interviewed persons (COEQ,
-- or COEP beside COE1), only the persons interviewed about their trips (PENQ = 1) count, with that weight;
-- else every person was interviewed and counts with COEP.
-- Column survey: Enquête (nom donné par son manifeste)
-- Column standard: Génération du standard Cerema de l'enquête (emd_certu, edgt, emc2)
-- Column survey_year: Année de l'enquête
-- Column survey_min_age: Âge minimal couvert par l'enquête
-- Column weighting: Poids des indicateurs de déplacements (COEQ, ou COEP)
-- Column weight_scope: Personnes comptées dans les indicateurs de déplacements (interviewed = enquêtées sur leurs déplacements, all = toutes)
-- Column method: Méthode d'enquête du ménage (EMC², face à face ou téléphone ; vide sinon), partie de la clé
-- Column sector: Secteur de tirage (MTIR / PTIR / DTIR / TTIR), secteur de résidence
-- Column household: Numéro d'échantillon du ménage (ECH), unique dans son secteur de tirage
-- Column person: Numéro de la personne dans le ménage (PER)
-- Column sex: Sexe (1 = hommes, 2 = femmes, codage INSEE)
-- Column age: Âge (années)
-- Column interviewed: Vrai si la personne a été enquêtée sur ses déplacements (PENQ = 1)
-- Column person_weight: Poids de redressement de toutes les personnes (COEP, ou COE1)
-- Column interviewed_weight: Poids de redressement des personnes enquêtées (COEQ, ou COEP à côté de COE1)
-- Column trip_weight: Poids des déplacements de la personne (NULL si hors du champ des indicateurs de déplacements)
SELECT survey, standard, survey_year::INTEGER AS survey_year, min_age AS survey_min_age, weighting, weight_scope,
       coalesce(method, '') AS method, sector, household, person, sex::INTEGER AS sex, age::INTEGER AS age,
       interviewed, person_weight, interviewed_weight,
       CASE WHEN weight_scope = 'all' THEN person_weight WHEN interviewed THEN interviewed_weight END AS trip_weight
FROM read_parquet('{validated}/emd.parquet')
WHERE record = 'person'
