-- One row per commune × geo_year of the outlines: the commune's outline (IGN ADMIN EXPRESS COG 2018,
-- simplified by france-geojson) as WKB in longitude/latitude (WGS84), for the publication's maps.
-- Reads: source ign_admin_express_communes.
-- The outlines are drawn on the COG of their edition (2018); a map of another vintage dissolves them along the
-- commune passage tables (reports/maps.py), never redraws a border.
-- Shared columns: geo_year, codgeo, source_file
-- Column label: Nom de la commune dans l'édition ADMIN EXPRESS (COG 2018)
-- Column geometry: Contour de la commune, WKB (ISO), longitude/latitude WGS84, simplifié (france-geojson)
-- Column geometry_type: Type de géométrie livré (Polygon ou MultiPolygon)
SELECT 2018 AS geo_year, code AS codgeo, nom AS label, geometry, geometry_type, source_file
FROM read_parquet('{validated}/ign_admin_express_communes.parquet')
