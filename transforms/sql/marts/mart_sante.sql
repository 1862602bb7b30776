SELECT m.level AS niveau, m.code, t.label AS libelle, m.geo_year AS millesime_geo, m.period AS periode,
       m.observed AS deces_observes, m.expected AS deces_attendus, m.icm, m.icm_ci95_low AS icm_ic95_bas,
       m.icm_ci95_high AS icm_ic95_haut, m.icm_ci998_low AS icm_ic998_bas, m.icm_ci998_high AS icm_ic998_haut,
       CASE WHEN m.icm IS NULL THEN NULL ELSE NOT (m.icm_ci95_low <= 100 AND 100 <= m.icm_ci95_high) END
           AS icm_significatif_95,
       m.dsr_per_100000 AS taux_standardise_100000, m.dsr_ci95_low AS ts_ic95_bas, m.dsr_ci95_high AS ts_ic95_haut,
       m.flags
FROM int_mortality m
LEFT JOIN territories t USING (level, code, geo_year)
