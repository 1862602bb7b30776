SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS recensement,
       any_value(v.value) FILTER (v.indicator_id = 'menages') AS menages,
       any_value(v.value) FILTER (v.indicator_id = 'logements') AS logements,
       any_value(v.value) FILTER (v.indicator_id = 'residences_principales') AS residences_principales,
       any_value(v.value) FILTER (v.indicator_id = 'residences_secondaires') AS residences_secondaires,
       any_value(v.value) FILTER (v.indicator_id = 'logements_vacants') AS logements_vacants,
       any_value(v.value) FILTER (v.indicator_id = 'residences_principales_proprietaires')
           AS residences_principales_proprietaires,
       any_value(v.value) FILTER (v.indicator_id = 'taux_vacance_logements') AS taux_vacance_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_residences_secondaires') AS part_residences_secondaires_pct,
       any_value(v.value) FILTER (v.indicator_id = 'part_proprietaires') AS part_proprietaires_pct,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.indicator_id IN ('menages', 'logements', 'residences_principales', 'residences_secondaires',
                         'logements_vacants', 'residences_principales_proprietaires', 'taux_vacance_logements',
                         'part_residences_secondaires', 'part_proprietaires')
GROUP BY ALL
