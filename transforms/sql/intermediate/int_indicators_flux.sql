-- The flow indicators of the census detail files (or base flux files), from the unrounded summed counts of
-- int_flux_navettes_counts and int_flux_migrations_counts: every ratio is a sum over a sum, never an average.
-- period = the census edition; geo_year = the edition's geography (N + 2) or a later one the flows were carried to.
-- Flags: estimated (a split ratio on the way), and INSEE's reliability of the count the value rests on (employed
-- residents for the commuting shares, the count itself, the smaller of ENTR and SORT for the net rate):
-- < 200 low_reliability, 200–500 use_with_caution (`{{ insee_reliability() }}`, transforms/runner.py).
WITH nav_source AS (SELECT edition, min(source_id) AS source_id FROM stg_flux_navettes GROUP BY ALL),
mig_source AS (SELECT edition, min(source_id) AS source_id FROM stg_flux_migrations GROUP BY ALL),
nav AS (
    SELECT c.*, s.source_id,
           {{ insee_reliability('c.actifs') }} AS rel
    FROM int_flux_navettes_counts c JOIN nav_source s USING (edition)
),
mig AS (
    SELECT c.*, s.source_id, CASE WHEN c.tranche_age = '15-29' THEN '_15_29' ELSE '' END AS suffix
    FROM int_flux_migrations_counts c JOIN mig_source s USING (edition)
),
rows AS (
    SELECT 'actifs_occupes_residents' AS indicator_id, level, code, geo_year, edition, actifs AS value,
           NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator, 'actifs occupés' AS unit, estimated, rel,
           source_id
    FROM nav
    UNION ALL
    SELECT 'part_actifs_travail_hors_commune', level, code, geo_year, edition, 100 * hors_commune / actifs,
           hors_commune, actifs, '%', estimated, rel, source_id
    FROM nav
    UNION ALL
    SELECT 'part_actifs_travail_hors_epci', level, code, geo_year, edition, 100 * hors_epci / actifs, hors_epci,
           actifs, '%', estimated, rel, source_id
    FROM nav
    UNION ALL
    SELECT 'part_actifs_travail_hors_ze', level, code, geo_year, edition, 100 * hors_ze / actifs, hors_ze, actifs,
           '%', estimated, rel, source_id
    FROM nav
    UNION ALL
    SELECT 'emplois_par_actif_occupe', level, code, geo_year, edition, (internes + entrants) / actifs,
           internes + entrants, actifs, 'ratio', estimated, rel, source_id
    FROM nav
    UNION ALL
    SELECT 'migrants_entrants' || suffix, level, code, geo_year, edition, entr, NULL, NULL, 'personnes', estimated,
           {{ insee_reliability('entr') }}, source_id
    FROM mig
    UNION ALL
    SELECT 'migrants_sortants' || suffix, level, code, geo_year, edition, sort, NULL, NULL, 'personnes', estimated,
           {{ insee_reliability('sort') }}, source_id
    FROM mig
    UNION ALL
    SELECT 'population_presente' || suffix, level, code, geo_year, edition, iso + entr, NULL, NULL, 'personnes',
           estimated, {{ insee_reliability('iso + entr') }}, source_id
    FROM mig
    UNION ALL
    SELECT 'population_autochtone' || suffix, level, code, geo_year, edition, iso + sort, NULL, NULL, 'personnes',
           estimated, {{ insee_reliability('iso + sort') }}, source_id
    FROM mig
    UNION ALL
    SELECT 'taux_migration_nette_interne' || suffix, level, code, geo_year, edition,
           1000 * (entr - sort) / nullif(((iso + sort) + (iso + entr)) / 2, 0), entr - sort,
           ((iso + sort) + (iso + entr)) / 2, '‰', estimated,
           {{ insee_reliability('least(entr, sort)') }}, source_id
    FROM mig
)
SELECT x.indicator_id, x.level, x.code, x.geo_year, x.edition::VARCHAR AS period, x.value, x.numerator,
       x.denominator, NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, x.unit,
       -- sorted, comma-joined (flags.yml): estimated < low_reliability < use_with_caution
       nullif(concat_ws(',', CASE WHEN x.estimated THEN 'estimated' END, x.rel), '') AS flags,
       x.source_id, s.sha256 AS source_sha256
FROM rows x
LEFT JOIN cfg_sources s USING (source_id)
WHERE x.value IS NOT NULL
