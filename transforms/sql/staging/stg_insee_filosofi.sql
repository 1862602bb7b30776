-- One row per commune or municipal arrondissement × FiLoSoFi edition (income year 2014, 2015, 2016, 2018, 2019):
-- fiscal households and persons, quantiles of the standard of living, inequality ratios, as INSEE computed them.
-- Reads: source insee_filosofi (a third party's CSV conversion of INSEE's FILOyyyy_DISP_COM.xls, sheet ENSEMBLE).
-- geo_year = income year + 1 (each edition is in the COG of 1 January of the year after the income year). A
-- commune under statistical secrecy has no row; an empty quantile stays NULL. Medians, quantiles and ratios are
-- the producer's: never summed nor averaged (commune level only).
-- Shared columns: codgeo, geo_year, source_file, source_line
-- Column libgeo: Nom de la commune dans la livraison
-- Column nivgeo: Type de territoire : COM = commune, ARM = arrondissement municipal (Paris, Lyon, Marseille)
-- Column income_year: Année des revenus (édition de FiLoSoFi)
-- Column nbmen: Nombre de ménages fiscaux (NBMENyy)
-- Column nbpers: Nombre de personnes dans les ménages fiscaux (NBPERSyy)
-- Column nbuc: Nombre d'unités de consommation dans les ménages fiscaux (NBUCyy)
-- Column q1: Premier quartile du niveau de vie, € (Q1yy)
-- Column q2: Médiane du niveau de vie, € (Q2yy)
-- Column q3: Troisième quartile du niveau de vie, € (Q3yy)
-- Column q3_q1: Écart interquartile rapporté à la médiane (Q3_Q1)
-- Column d1: Premier décile du niveau de vie, € (D1yy)
-- Column d2: Deuxième décile du niveau de vie, € (D2yy)
-- Column d3: Troisième décile du niveau de vie, € (D3yy)
-- Column d4: Quatrième décile du niveau de vie, € (D4yy)
-- Column d6: Sixième décile du niveau de vie, € (D6yy)
-- Column d7: Septième décile du niveau de vie, € (D7yy)
-- Column d8: Huitième décile du niveau de vie, € (D8yy)
-- Column d9: Neuvième décile du niveau de vie, € (D9yy)
-- Column rd: Rapport interdécile D9/D1 (RD)
-- Column s80s20: Rapport S80/S20 (S80S20yy)
-- Column gi: Indice de Gini du niveau de vie (GIyy)
SELECT CODGEO AS codgeo, LIBGEO AS libgeo,
       CASE WHEN regexp_matches(CODGEO, '^(751(0[1-9]|1[0-9]|20)|6938[1-9]|132(0[1-9]|1[0-6]))$') THEN 'ARM'
            ELSE 'COM' END AS nivgeo,
       income_year::INTEGER AS income_year, geo_year::INTEGER AS geo_year,
       NBMEN AS nbmen, NBPERS AS nbpers, NBUC AS nbuc, Q1 AS q1, Q2 AS q2, Q3 AS q3, Q3_Q1 AS q3_q1,
       D1 AS d1, D2 AS d2, D3 AS d3, D4 AS d4, D6 AS d6, D7 AS d7, D8 AS d8, D9 AS d9, RD AS rd, S80S20 AS s80s20,
       GI AS gi, source_file, source_line
FROM read_parquet('{validated}/insee_filosofi.parquet')
