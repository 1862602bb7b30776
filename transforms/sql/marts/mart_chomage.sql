-- One row per zone × quarter × edition: localised unemployment rates, every edition side by side, with the
-- zoning named (ZE2010 and ZE2020 are different zonings) and the source's flags. Analysts' table.
-- Reads: stg_insee_chomage, territories.
-- Export key: niveau, code, millesime_geo, trimestre, edition (exported in the annual snapshots, rows sorted on these columns)
-- Shared columns: niveau, code, libelle, millesime_geo, flags
-- Column zonage: Zonage (ze2010 et ze2020 sont des zonages différents)
-- Column trimestre: Trimestre (AAAA-Tn)
-- Column taux_chomage_pct: Taux de chômage localisé (%, CVS)
-- Column edition: Édition de la source (trimestre de publication, AAAA-Tn)
-- Column region_2016: Code région 2016 de la zone selon INSEE (00 = zone interrégionale)
SELECT c.level AS niveau, c.zoning AS zonage, c.code, coalesce(t.label, c.label) AS libelle,
       c.geo_year AS millesime_geo, c.quarter AS trimestre, c.rate AS taux_chomage_pct, c.flag AS flags,
       c.edition, c.region AS region_2016
FROM stg_insee_chomage c
LEFT JOIN territories t ON t.level = c.level AND t.code = c.code AND t.geo_year = c.geo_year
