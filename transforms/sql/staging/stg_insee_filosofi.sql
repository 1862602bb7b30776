-- geo_year = income year + 1 (each edition is in the COG of 1 January of the year after the income year). A
-- commune under statistical secrecy has no row; an empty quantile stays NULL. Medians, quantiles and ratios are
-- the producer's: never summed nor averaged (commune level only).
SELECT CODGEO AS codgeo, LIBGEO AS libgeo,
       CASE WHEN regexp_matches(CODGEO, '^(751(0[1-9]|1[0-9]|20)|6938[1-9]|132(0[1-9]|1[0-6]))$') THEN 'ARM'
            ELSE 'COM' END AS nivgeo,
       income_year::INTEGER AS income_year, geo_year::INTEGER AS geo_year,
       NBMEN AS nbmen, NBPERS AS nbpers, NBUC AS nbuc, Q1 AS q1, Q2 AS q2, Q3 AS q3, Q3_Q1 AS q3_q1,
       D1 AS d1, D2 AS d2, D3 AS d3, D4 AS d4, D6 AS d6, D7 AS d7, D8 AS d8, D9 AS d9, RD AS rd, S80S20 AS s80s20,
       GI AS gi, source_file, source_line
FROM read_parquet('{validated}/insee_filosofi.parquet')
