-- Ephemeral: read by one model: computed inside it, never stored.
-- Ratios are computed from the territory's summed numerator and denominator (both published in the row), never
-- by averaging communes' ratios. Conventions (docs/assumptions.md): n = 5 years (2013 → 2018), mean population
-- P̄ = (P13 + P18) / 2; natural rate = (births − deaths) / (n × P̄) × 100; apparent migratory rate = compound
-- total rate ((P18 / P13)^(1/n) − 1) × 100 − natural rate, as int_indicators_natural_balance does.
-- Births/deaths indicators give way to the séries historiques (insee_rp_historique) where a configured file covers
-- the same geography and interval: one value per key.
WITH src AS (SELECT sha256 FROM cfg_sources WHERE source_id = 'insee_comparateur'),
flagged AS (
    SELECT level, code, geo_year, variable, value,
           nullif(concat_ws(',', CASE WHEN estimated THEN 'estimated' END,
                            CASE WHEN incomplete THEN 'incomplete' END,
                            CASE WHEN not_available THEN 'not_available' END), '') AS flags
    FROM int_comparateur_territory
),
w AS (  -- one row per territory: its counts (v) and their flags (f) by INSEE variable name
    SELECT level, code, geo_year, map(list(variable), list(value)) AS v, map(list(variable), list(flags)) AS f
    FROM flagged
    GROUP BY ALL
),
x AS (
    SELECT *,
           v['NAIS1318'] - v['DECE1318'] AS natural_balance,
           (v['P18_POP'] - v['P13_POP']) - (v['NAIS1318'] - v['DECE1318']) AS migratory_balance,
           5 * (v['P13_POP'] + v['P18_POP']) / 2 AS person_years,
           v['P18_ACT1564'] - v['P18_CHOM1564'] AS employed_1564,
           concat_ws(',', f['NAIS1318'], f['DECE1318'], f['P13_POP'], f['P18_POP']) AS f_balance,
           concat_ws(',', f['P18_ACT1564'], f['P18_CHOM1564']) AS f_employed
    FROM w
),
rows AS (
    SELECT level, code, geo_year, unnest([
        {'id': 'superficie', 'p': '2018', 'value': v['SUPERF'], 'num': NULL::DOUBLE, 'den': NULL::DOUBLE,
         'unit': 'km²', 'f': f['SUPERF']},
        {'id': 'densite_population', 'p': '2018', 'value': v['P18_POP'] / nullif(v['SUPERF'], 0),
         'num': v['P18_POP'], 'den': v['SUPERF'], 'unit': 'habitants par km²',
         'f': concat_ws(',', f['P18_POP'], f['SUPERF'])},
        {'id': 'naissances', 'p': '2013-2018', 'value': v['NAIS1318'], 'num': NULL, 'den': NULL,
         'unit': 'naissances', 'f': f['NAIS1318']},
        {'id': 'deces', 'p': '2013-2018', 'value': v['DECE1318'], 'num': NULL, 'den': NULL, 'unit': 'décès',
         'f': f['DECE1318']},
        {'id': 'solde_naturel', 'p': '2013-2018', 'value': natural_balance, 'num': NULL, 'den': NULL,
         'unit': 'habitants', 'f': concat_ws(',', f['NAIS1318'], f['DECE1318'])},
        {'id': 'solde_migratoire_apparent', 'p': '2013-2018', 'value': migratory_balance, 'num': NULL,
         'den': NULL, 'unit': 'habitants', 'f': f_balance},
        {'id': 'taux_natalite', 'p': '2013-2018', 'value': v['NAIS1318'] / nullif(person_years, 0) * 1000,
         'num': v['NAIS1318'], 'den': person_years, 'unit': '‰ par an', 'f': f_balance},
        {'id': 'taux_mortalite', 'p': '2013-2018', 'value': v['DECE1318'] / nullif(person_years, 0) * 1000,
         'num': v['DECE1318'], 'den': person_years, 'unit': '‰ par an', 'f': f_balance},
        {'id': 'taux_variation_annuel_solde_naturel', 'p': '2013-2018',
         'value': natural_balance / nullif(person_years, 0) * 100, 'num': natural_balance, 'den': person_years,
         'unit': '% par an', 'f': f_balance},
        {'id': 'taux_variation_annuel_solde_migratoire_apparent', 'p': '2013-2018',
         'value': CASE WHEN v['P13_POP'] > 0 AND person_years > 0
                       THEN (pow(v['P18_POP'] / v['P13_POP'], 1.0 / 5) - 1) * 100
                            - natural_balance / person_years * 100 END,
         'num': NULL, 'den': NULL, 'unit': '% par an', 'f': f_balance},
        {'id': 'menages', 'p': '2018', 'value': v['P18_MEN'], 'num': NULL, 'den': NULL, 'unit': 'ménages',
         'f': f['P18_MEN']},
        {'id': 'logements', 'p': '2018', 'value': v['P18_LOG'], 'num': NULL, 'den': NULL, 'unit': 'logements',
         'f': f['P18_LOG']},
        {'id': 'residences_principales', 'p': '2018', 'value': v['P18_RP'], 'num': NULL, 'den': NULL,
         'unit': 'logements', 'f': f['P18_RP']},
        {'id': 'residences_secondaires', 'p': '2018', 'value': v['P18_RSECOCC'], 'num': NULL, 'den': NULL,
         'unit': 'logements', 'f': f['P18_RSECOCC']},
        {'id': 'logements_vacants', 'p': '2018', 'value': v['P18_LOGVAC'], 'num': NULL, 'den': NULL,
         'unit': 'logements', 'f': f['P18_LOGVAC']},
        {'id': 'residences_principales_proprietaires', 'p': '2018', 'value': v['P18_RP_PROP'], 'num': NULL,
         'den': NULL, 'unit': 'logements', 'f': f['P18_RP_PROP']},
        {'id': 'taux_vacance_logements', 'p': '2018', 'value': v['P18_LOGVAC'] / nullif(v['P18_LOG'], 0) * 100,
         'num': v['P18_LOGVAC'], 'den': v['P18_LOG'], 'unit': '%', 'f': concat_ws(',', f['P18_LOGVAC'], f['P18_LOG'])},
        {'id': 'part_residences_secondaires', 'p': '2018',
         'value': v['P18_RSECOCC'] / nullif(v['P18_LOG'], 0) * 100, 'num': v['P18_RSECOCC'], 'den': v['P18_LOG'],
         'unit': '%', 'f': concat_ws(',', f['P18_RSECOCC'], f['P18_LOG'])},
        {'id': 'part_proprietaires', 'p': '2018', 'value': v['P18_RP_PROP'] / nullif(v['P18_RP'], 0) * 100,
         'num': v['P18_RP_PROP'], 'den': v['P18_RP'], 'unit': '%', 'f': concat_ws(',', f['P18_RP_PROP'], f['P18_RP'])},
        {'id': 'emplois_lieu_travail', 'p': '2018', 'value': v['P18_EMPLT'], 'num': NULL, 'den': NULL,
         'unit': 'emplois', 'f': f['P18_EMPLT']},
        {'id': 'emplois_lieu_travail', 'p': '2013', 'value': v['P13_EMPLT'], 'num': NULL, 'den': NULL,
         'unit': 'emplois', 'f': f['P13_EMPLT']},
        {'id': 'emplois_salaries_lieu_travail', 'p': '2018', 'value': v['P18_EMPLT_SAL'], 'num': NULL,
         'den': NULL, 'unit': 'emplois', 'f': f['P18_EMPLT_SAL']},
        {'id': 'population_15_64_ans', 'p': '2018', 'value': v['P18_POP1564'], 'num': NULL, 'den': NULL,
         'unit': 'personnes', 'f': f['P18_POP1564']},
        {'id': 'actifs_15_64_ans', 'p': '2018', 'value': v['P18_ACT1564'], 'num': NULL, 'den': NULL,
         'unit': 'personnes', 'f': f['P18_ACT1564']},
        {'id': 'chomeurs_15_64_ans', 'p': '2018', 'value': v['P18_CHOM1564'], 'num': NULL, 'den': NULL,
         'unit': 'personnes', 'f': f['P18_CHOM1564']},
        {'id': 'taux_activite_15_64_ans', 'p': '2018',
         'value': v['P18_ACT1564'] / nullif(v['P18_POP1564'], 0) * 100, 'num': v['P18_ACT1564'],
         'den': v['P18_POP1564'], 'unit': '%', 'f': concat_ws(',', f['P18_ACT1564'], f['P18_POP1564'])},
        {'id': 'taux_chomage_recensement_15_64_ans', 'p': '2018',
         'value': v['P18_CHOM1564'] / nullif(v['P18_ACT1564'], 0) * 100, 'num': v['P18_CHOM1564'],
         'den': v['P18_ACT1564'], 'unit': '%', 'f': f_employed},
        {'id': 'emplois_par_actif_occupe_15_64_ans', 'p': '2018',
         'value': v['P18_EMPLT'] / nullif(employed_1564, 0) * 100, 'num': v['P18_EMPLT'], 'den': employed_1564,
         'unit': 'emplois pour 100 actifs occupés', 'f': concat_ws(',', f['P18_EMPLT'], f_employed)},
        {'id': 'etablissements_actifs', 'p': '2018', 'value': v['ETTOT18'], 'num': NULL, 'den': NULL,
         'unit': 'établissements', 'f': f['ETTOT18']}
    ], recursive := true)
    FROM x
),
territories AS (
    SELECT id AS indicator_id, level, code, geo_year, p AS period, value, num AS numerator, den AS denominator,
           unit,
           -- the distinct flags of the inputs, sorted, comma-joined (NULL when none)
           nullif(array_to_string(list_sort(list_distinct(list_filter(string_split(coalesce(f, ''), ','),
                                                                      lambda s: s <> ''))), ','), '') AS flags
    FROM rows
),
filosofi AS (  -- computed by the producer per commune: published there only, never summed nor averaged
    SELECT CASE variable WHEN 'MED19' THEN 'mediane_niveau_vie' WHEN 'TP6019' THEN 'taux_pauvrete'
                         WHEN 'PIMP19' THEN 'part_menages_fiscaux_imposes' ELSE 'menages_fiscaux' END AS indicator_id,
           'commune' AS level, codgeo AS code, geo_year, '2019' AS period, value, NULL::DOUBLE AS numerator,
           NULL::DOUBLE AS denominator,
           CASE variable WHEN 'MED19' THEN '€' WHEN 'NBMENFISC19' THEN 'ménages' ELSE '%' END AS unit,
           flag AS flags
    FROM stg_insee_comparateur
    WHERE nivgeo = 'COM' AND variable IN ('MED19', 'TP6019', 'PIMP19', 'NBMENFISC19')
)
SELECT indicator_id, level, code, geo_year, period, value, numerator, denominator,
       NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, unit, flags,
       'insee_comparateur' AS source_id, (SELECT sha256 FROM src) AS source_sha256
FROM (SELECT * FROM territories UNION ALL SELECT * FROM filosofi) r
WHERE (value IS NOT NULL OR flags IS NOT NULL)
  AND NOT (indicator_id IN ('naissances', 'deces', 'solde_naturel', 'taux_natalite',
                            'taux_variation_annuel_solde_naturel', 'taux_variation_annuel_solde_migratoire_apparent')
           AND EXISTS (SELECT 1 FROM stg_rp_births_deaths e
                       WHERE e.geo_year = r.geo_year AND e.period_start || '-' || e.period_end = r.period))
