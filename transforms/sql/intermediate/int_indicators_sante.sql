-- Ephemeral: read by one model: computed inside it, never stored.
SELECT x.indicator_id, m.level, m.code, m.geo_year, m.period, x.value, x.numerator, x.denominator,
       x.ci_low, x.ci_high, x.unit, m.flags, 'deces_age_sexe' AS source_id,
       (SELECT sha256 FROM cfg_sources WHERE source_id = 'deces_age_sexe') AS source_sha256
FROM int_mortality m,
LATERAL (SELECT * FROM (VALUES
    ('icm', m.icm, m.observed, m.expected, m.icm_ci95_low, m.icm_ci95_high, 'indice (France = 100)'),
    ('taux_standardise_mortalite', m.dsr_per_100000, m.observed, NULL, m.dsr_ci95_low, m.dsr_ci95_high,
     'décès pour 100 000')) v(indicator_id, value, numerator, denominator, ci_low, ci_high, unit)) x
