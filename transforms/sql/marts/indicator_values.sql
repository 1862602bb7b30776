-- One row per indicator × level × territory × geo_year × period: the long table every mart is a view of.
-- Reads: int_indicators_population, int_indicators_age, int_indicators_natural_balance.
SELECT * FROM int_indicators_population
UNION ALL BY NAME SELECT * FROM int_indicators_age
UNION ALL BY NAME SELECT * FROM int_indicators_natural_balance
