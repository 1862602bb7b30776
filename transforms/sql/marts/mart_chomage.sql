SELECT c.level AS niveau, c.zoning AS zonage, c.code, coalesce(t.label, c.label) AS libelle,
       c.geo_year AS millesime_geo, c.quarter AS trimestre, c.rate AS taux_chomage_pct, c.flags,
       c.edition, c.region AS region_2016
FROM int_chomage_flagged c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code AND t.geo_year = c.geo_year
