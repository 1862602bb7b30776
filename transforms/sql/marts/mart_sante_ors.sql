SELECT territory AS territoire, code, indicator AS indicateur, period AS periode, value AS valeur, unit AS unite,
       rank AS rang, n_territories AS nb_territoires
FROM stg_ors_indicateurs
