-- Ephemeral: read by one model: computed inside it, never stored.
WITH zones AS (SELECT * FROM stg_urssaf_effectifs WHERE measure = 'effectifs'),
parents AS (
    SELECT 'region' AS level, region AS code, geo_year, code AS zone FROM int_territory_region WHERE level = 'ze2010'
    UNION ALL
    SELECT 'grouping', g.grouping_code, p.geo_year, g.member_code
    FROM cfg_grouping_members g JOIN (SELECT DISTINCT geo_year FROM zones) p ON true
    WHERE g.member_level = 'ze2010'
),
sums AS (
    SELECT p.level, p.code, p.geo_year, z.year, sum(z.value) AS value,
           count(z.value) = count(*) AS complete, string_agg(DISTINCT z.flag, ',') AS flags
    FROM parents p
    LEFT JOIN zones z ON z.code = p.zone AND z.geo_year = p.geo_year
    GROUP BY ALL
)
SELECT level, code, geo_year, year, value, flag AS flags FROM zones
UNION ALL
SELECT level, code, geo_year, year, value, flags FROM sums WHERE complete AND year IS NOT NULL
