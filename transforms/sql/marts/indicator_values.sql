-- One row per indicator × level × territory × geo_year × period: the long table every mart is a view of.
-- Reads: int_indicators_population, int_indicators_age, int_indicators_natural_balance, int_indicators_chomage,
-- int_indicators_emploi, int_indicators_formation_navettes, int_indicators_sante.
SELECT * FROM int_indicators_population
UNION ALL BY NAME SELECT * FROM int_indicators_age
UNION ALL BY NAME SELECT * FROM int_indicators_natural_balance
UNION ALL BY NAME SELECT * FROM int_indicators_chomage
UNION ALL BY NAME SELECT * FROM int_indicators_emploi
UNION ALL BY NAME SELECT * FROM int_indicators_formation_navettes
UNION ALL BY NAME SELECT * FROM int_indicators_sante
