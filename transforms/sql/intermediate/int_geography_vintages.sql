-- Ephemeral: a few rows, computed inside the models that read it.
-- A geography beyond the bundled COG (geography 2025, whose memberships come from the populations légales
-- delivery) has no passage table from the previous vintage: no census is carried there, never guessed.
WITH cog AS (
    SELECT max(geo_year) AS last_year FROM stg_commune_membership
    WHERE membership_origin <> 'insee_populations_legales'
)
SELECT geo_year,
       CASE WHEN geo_year < (SELECT last_year FROM cog) THEN lead(geo_year) OVER (ORDER BY geo_year) END AS next_year,
       geo_year <= (SELECT last_year FROM cog) AS in_cog
FROM (SELECT DISTINCT geo_year FROM stg_commune_population)
