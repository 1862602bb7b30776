-- NULL epci (the 2008 table's
-- way of saying « no EPCI ») becomes the INSEE marker ZZZZZZZZZ used from 2009, so that « no EPCI » is spelled one way.
-- A commune of the population table missing from the same vintage's membership table (COG 2014: Culey 55138,
-- restored that year; COG 2015: 14472, whose new code the table does not yet use) would drop its inhabitants
-- from every level. It takes the zonings of the commune it comes from in the same vintage (the passage row into
-- it), or else its own row of the next vintage; `membership_origin` says which, violations_membership lists them.
WITH delivered AS (
    SELECT cog_year::INTEGER AS geo_year, codgeo, libgeo AS label, reg AS region, dep AS departement,
           arr AS arrondissement, coalesce(epci, 'ZZZZZZZZZ') AS epci, nature_epci, ze2010, ze2020
    FROM read_parquet('{validated}/insee_cog_appartenance.parquet')
),
missing AS (
    SELECT p.geo_year, p.codgeo
    FROM stg_commune_population p
    WHERE p.pop IS NOT NULL
      AND p.geo_year BETWEEN (SELECT min(geo_year) FROM delivered) AND (SELECT max(geo_year) FROM delivered)
      AND NOT EXISTS (SELECT 1 FROM delivered d WHERE d.geo_year = p.geo_year AND d.codgeo = p.codgeo)
),
from_linked AS (
    SELECT x.geo_year, x.codgeo, min(s.cod_from) AS donor
    FROM missing x
    JOIN stg_commune_passage s ON s.to_year = x.geo_year AND s.cod_to = x.codgeo AND s.cod_from <> x.codgeo
    JOIN delivered d ON d.geo_year = x.geo_year AND d.codgeo = s.cod_from
    GROUP BY ALL
),
filled AS (
    SELECT x.geo_year, x.codgeo, coalesce(n.label, d.label) AS label, d.region, d.departement, d.arrondissement,
           d.epci, d.nature_epci, d.ze2010, d.ze2020, 'filled_from_linked_commune' AS membership_origin
    FROM from_linked x
    JOIN delivered d ON d.geo_year = x.geo_year AND d.codgeo = x.donor
    LEFT JOIN delivered n ON n.geo_year = x.geo_year + 1 AND n.codgeo = x.codgeo
    UNION ALL
    SELECT x.geo_year, x.codgeo, n.label, n.region, n.departement, n.arrondissement, n.epci, n.nature_epci,
           n.ze2010, n.ze2020, 'filled_from_next_vintage'
    FROM missing x
    JOIN delivered n ON n.geo_year = x.geo_year + 1 AND n.codgeo = x.codgeo
    WHERE NOT EXISTS (SELECT 1 FROM from_linked l WHERE l.geo_year = x.geo_year AND l.codgeo = x.codgeo)
)
SELECT *, 'cog' AS membership_origin FROM delivered
UNION ALL
SELECT * FROM filled
UNION ALL
-- A geography the COG tables do not reach (geography 2025 of the populations légales 2023): the memberships the
-- delivery itself states (région, département, arrondissement, commune and its label); EPCI and zones d'emploi
-- stay NULL (unknown: no membership of that vintage is bundled, none is guessed).
SELECT geo_year, commune, any_value(commune_label), any_value(region), any_value(departement),
       any_value(arrondissement), NULL, NULL, NULL, NULL, 'insee_populations_legales'
FROM stg_insee_populations_legales
WHERE level = 'commune' AND geo_year > (SELECT max(geo_year) FROM delivered)
GROUP BY geo_year, commune
