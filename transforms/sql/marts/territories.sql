-- One row per level × code × geo_year: every territory used in indicator_values, with its label.
-- Reads: int_territory.
-- Shared columns: level, code, geo_year
-- Column label: Libellé du territoire dans ce millésime
-- Column label_missing: Vrai si INSEE ne fournit pas de libellé pour ce code dans ce millésime (le libellé est alors le code)
SELECT level, code, geo_year, label, label_missing FROM int_territory
