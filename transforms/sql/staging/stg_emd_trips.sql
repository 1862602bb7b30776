-- One row per trip (déplacement) of the household travel surveys: keys, mode and purpose groups from the code
-- dictionary of the survey's standard, times in minutes, duration, distances in metres, flags.
-- Reads: source emd, cfg_emd_codes.
-- Purpose of a trip = purpose at destination (D5A), or at origin (D2A) when the trip returns home (the usual
-- « motif hors domicile »). A code missing from the dictionary falls in the group 'autre' (validation warns).
-- Duration = the delivered duration, else arrival − departure when positive (done by the parser).
-- Column survey: Enquête (nom donné par son manifeste)
-- Column method: Méthode d'enquête du ménage (EMC², face à face ou téléphone ; vide sinon), partie de la clé
-- Column sector: Secteur de tirage (MTIR / PTIR / DTIR / TTIR), secteur de résidence
-- Column household: Numéro d'échantillon du ménage (ECH), unique dans son secteur de tirage
-- Column person: Numéro de la personne dans le ménage (PER)
-- Column trip: Numéro du déplacement (NDEP)
-- Column mode_code: Mode principal (MODP)
-- Column mode_group: Groupe de modes ('autre' = code absent du dictionnaire)
-- Column origin_purpose: Motif à l'origine (D2A)
-- Column destination_purpose: Motif à destination (D5A)
-- Column purpose_group: Groupe de motifs (motif hors domicile ; 'autre' = code absent du dictionnaire)
-- Column departure_min: Heure de départ (minutes depuis minuit)
-- Column arrival_min: Heure d'arrivée (minutes depuis minuit)
-- Column duration_min: Durée du déplacement (minutes)
-- Column crow_distance_m: Distance à vol d'oiseau (mètres)
-- Column distance_m: Distance parcourue (mètres)
-- Column times_swapped: Vrai si l'heure d'arrivée précède l'heure de départ
-- Column origin_zone: Zone d'origine (D3)
-- Column destination_zone: Zone de destination (D7)
-- Column outside_perimeter: Vrai si le déplacement sort du périmètre d'enquête (TYPD, sinon code de zone)
-- Column long_trip: Vrai si le déplacement dépasse les bornes de longueur ou de durée (sources/emd_codes.yml)
WITH f AS (SELECT * FROM read_parquet('{validated}/emd.parquet') WHERE record = 'trip'),
codes AS (SELECT standard, kind, code, code_group FROM cfg_emd_codes)
SELECT f.survey, coalesce(f.method, '') AS method, f.sector, f.household, f.person, f.trip,
       f.mode_code::INTEGER AS mode_code, coalesce(m.code_group, 'autre') AS mode_group,
       f.origin_purpose::INTEGER AS origin_purpose, f.destination_purpose::INTEGER AS destination_purpose,
       CASE WHEN pd.code_group = 'home' THEN coalesce(po.code_group, 'autre')
            ELSE coalesce(pd.code_group, 'autre') END AS purpose_group,
       f.departure_min, f.arrival_min, f.duration_min, f.crow_distance_m, f.distance_m,
       f.arrival_min < f.departure_min AS times_swapped, f.origin_zone, f.destination_zone, f.outside_perimeter,
       f.long_trip
FROM f
LEFT JOIN codes m ON m.standard = f.standard AND m.kind = 'mode' AND m.code = f.mode_code
LEFT JOIN codes pd ON pd.standard = f.standard AND pd.kind = 'purpose' AND pd.code = f.destination_purpose
LEFT JOIN codes po ON po.standard = f.standard AND po.kind = 'purpose' AND po.code = f.origin_purpose
