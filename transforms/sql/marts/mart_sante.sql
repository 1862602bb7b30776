-- One row per territory × pooled period: deaths observed and expected, ICM with 95 % and 99.8 % intervals and
-- its significance against 100, directly standardised rate with its 95 % interval, flags (analysts' table;
-- empty until death and population counts by age and sex are configured).
-- Reads: int_mortality, territories.
-- Export key: niveau, code, millesime_geo, periode (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column periode: Années de décès cumulées pour l'indice (ex. '2006-2010')
-- Column deces_observes: Décès observés sur la période cumulée
-- Column deces_attendus: Décès attendus avec les taux de référence par âge et sexe
-- Column icm: Indice comparatif de mortalité (référence = 100)
-- Column icm_ic95_bas: Borne basse de l'intervalle de confiance à 95 % de l'ICM
-- Column icm_ic95_haut: Borne haute de l'intervalle de confiance à 95 % de l'ICM
-- Column icm_ic998_bas: Borne basse de l'intervalle de confiance à 99,8 % de l'ICM
-- Column icm_ic998_haut: Borne haute de l'intervalle de confiance à 99,8 % de l'ICM
-- Column icm_significatif_95: Vrai si l'intervalle à 95 % exclut 100
-- Column taux_standardise_100000: Taux standardisé de mortalité pour 100 000 (méthode directe)
-- Column ts_ic95_bas: Borne basse de l'intervalle à 95 % du taux standardisé (Dobson)
-- Column ts_ic95_haut: Borne haute de l'intervalle à 95 % du taux standardisé (Dobson)
SELECT m.level AS niveau, m.code, t.label AS libelle, m.geo_year AS millesime_geo, m.period AS periode,
       m.observed AS deces_observes, m.expected AS deces_attendus, m.icm, m.icm_ci95_low AS icm_ic95_bas,
       m.icm_ci95_high AS icm_ic95_haut, m.icm_ci998_low AS icm_ic998_bas, m.icm_ci998_high AS icm_ic998_haut,
       CASE WHEN m.icm IS NULL THEN NULL ELSE NOT (m.icm_ci95_low <= 100 AND 100 <= m.icm_ci95_high) END
           AS icm_significatif_95,
       m.dsr_per_100000 AS taux_standardise_100000, m.dsr_ci95_low AS ts_ic95_bas, m.dsr_ci95_high AS ts_ic95_haut,
       m.flags
FROM int_mortality m
LEFT JOIN territories t USING (level, code, geo_year)
