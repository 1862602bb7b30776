-- The outlines are drawn on the COG of their edition (2018); a map of another vintage dissolves them along the
-- commune passage tables (reports/maps.py), never redraws a border.
SELECT 2018 AS geo_year, code AS codgeo, nom AS label, geometry, geometry_type, source_file
FROM read_parquet('{validated}/ign_admin_express_communes.parquet')
