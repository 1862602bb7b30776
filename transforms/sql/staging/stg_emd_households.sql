-- One row per surveyed household (EMD / EDGT / EMC²): key (survey, method, sampling sector, ECH), residence
-- zone and household weight (COEM, COE0 in older files).
-- Reads: source emd. The sample number ECH repeats across sampling sectors: the sector is part of the key.
-- Column survey: Enquête (nom donné par son manifeste)
-- Column method: Méthode d'enquête du ménage (EMC², face à face ou téléphone ; vide sinon), partie de la clé
-- Column sector: Secteur de tirage (MTIR / PTIR / DTIR / TTIR), secteur de résidence
-- Column household: Numéro d'échantillon du ménage (ECH), unique dans son secteur de tirage
-- Column residence_zone: Zone fine de résidence du ménage
-- Column household_weight: Poids du ménage (COEM, COE0)
SELECT survey, coalesce(method, '') AS method, sector, household, residence_zone, household_weight
FROM read_parquet('{validated}/emd.parquet')
WHERE record = 'household'
