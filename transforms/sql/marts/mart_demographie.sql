SELECT v.level AS niveau, v.code, t.label AS libelle, v.geo_year AS millesime_geo, v.period AS periode,
       any_value(v.value) FILTER (v.indicator_id = 'population') AS population,
       any_value(v.value) FILTER (v.indicator_id = 'population_variation') AS variation,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_compose') AS taux_annuel_compose_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_moyen_lineaire') AS taux_annuel_lineaire_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_solde_naturel') AS taux_solde_naturel_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_variation_annuel_solde_migratoire_apparent')
           AS taux_solde_migratoire_pct,
       any_value(v.value) FILTER (v.indicator_id = 'taux_natalite') AS taux_natalite_pour_mille,
       any_value(v.value) FILTER (v.indicator_id = 'taux_mortalite') AS taux_mortalite_pour_mille,
       any_value(v.value) FILTER (v.indicator_id = 'naissances') AS naissances,
       any_value(v.value) FILTER (v.indicator_id = 'deces') AS deces,
       any_value(v.value) FILTER (v.indicator_id = 'solde_naturel') AS solde_naturel,
       any_value(v.value) FILTER (v.indicator_id = 'solde_migratoire_apparent') AS solde_migratoire_apparent,
       nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(v.flags, ','))))), ','), '') AS flags
FROM indicator_values v
JOIN territories t USING (level, code, geo_year)
WHERE v.level <> 'commune'
  AND v.indicator_id IN ('population', 'population_variation', 'taux_variation_annuel_moyen_compose',
                         'taux_variation_annuel_moyen_lineaire', 'taux_variation_annuel_solde_naturel',
                         'taux_variation_annuel_solde_migratoire_apparent', 'taux_natalite',
                         'taux_mortalite', 'naissances', 'deces', 'solde_naturel', 'solde_migratoire_apparent')
GROUP BY ALL
