-- One row per leg (trajet) of the household travel surveys: keys, mode and its group, number of people in the
-- vehicle (T8, driver included), distance in metres.
-- Reads: source emd, cfg_emd_codes. Legs are optional in a delivery: no legs, no car occupancy.
-- Column survey: Enquête (nom donné par son manifeste)
-- Column method: Méthode d'enquête du ménage (EMC², face à face ou téléphone ; vide sinon), partie de la clé
-- Column sector: Secteur de tirage (MTIR / PTIR / DTIR / TTIR), secteur de résidence
-- Column household: Numéro d'échantillon du ménage (ECH), unique dans son secteur de tirage
-- Column person: Numéro de la personne dans le ménage (PER)
-- Column trip: Numéro du déplacement (NDEP)
-- Column leg: Numéro du trajet dans le déplacement (T1)
-- Column leg_mode_code: Mode du trajet (T3)
-- Column leg_mode_group: Groupe de modes du trajet
-- Column occupants: Nombre de personnes dans le véhicule, conducteur compris (T8)
-- Column leg_distance_m: Distance parcourue sur le trajet (mètres)
SELECT f.survey, coalesce(f.method, '') AS method, f.sector, f.household, f.person, f.trip, f.leg,
       f.leg_mode_code::INTEGER AS leg_mode_code, coalesce(m.code_group, 'autre') AS leg_mode_group,
       f.occupants, f.leg_distance_m
FROM read_parquet('{validated}/emd.parquet') f
LEFT JOIN cfg_emd_codes m ON m.standard = f.standard AND m.kind = 'mode' AND m.code = f.leg_mode_code
WHERE f.record = 'leg'
