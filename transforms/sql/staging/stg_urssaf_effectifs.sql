-- One row per zone d'emploi × year × measure: URSSAF private-sector salaried headcount (annual average).
-- Reads: source urssaf_effectifs.
-- Shared columns: level, code, geo_year, source_file, source_line
-- Column label: Libellé de la zone d'emploi tel que l'URSSAF l'écrit
-- Column measure: Mesure (effectifs = effectif salarié moyen, etablissements = nombre d'établissements)
-- Column year: Année de l'effectif (moyenne annuelle)
-- Column value: Valeur de la mesure (measure) pour la zone et l'année
-- Column flag: Marqueur de la source (suppressed, not_available)
SELECT zoning AS level, code, label, measure, year::INTEGER AS year, value, flag, geo_year::INTEGER AS geo_year,
       source_file, source_line
FROM read_parquet('{validated}/urssaf_effectifs.parquet')
