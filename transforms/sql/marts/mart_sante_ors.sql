-- One row per territory × ORS indicator × period: value and rank as the ORS published them (analysts' view).
-- Reads: stg_ors_indicateurs. Materialized: view
-- Shared columns: code
-- Column territoire: Territoire tel que la source l'écrit
-- Column indicateur: Indicateur
-- Column periode: Période couverte par l'indicateur, telle que l'ORS l'écrit (ex. '1982-2007')
-- Column valeur: Valeur
-- Column unite: Unité
-- Column rang: Rang
-- Column nb_territoires: Nombre de territoires classés
SELECT territory AS territoire, code, indicator AS indicateur, period AS periode, value AS valeur, unit AS unite,
       rank AS rang, n_territories AS nb_territoires
FROM stg_ors_indicateurs
