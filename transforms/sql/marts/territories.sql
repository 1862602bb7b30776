-- One row per level × code × geo_year: every territory used in indicator_values, with its label.
-- Reads: int_territory.
SELECT level, code, geo_year, label, label_missing FROM int_territory
