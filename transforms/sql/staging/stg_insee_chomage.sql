-- Each edition keeps its own rows (a later edition revises earlier quarters).
-- geo_year: the COG of the edition's year (the zoning in force when the edition was published).
SELECT
    zoning,
    CASE zoning WHEN 'zer2020' THEN 'ze2020_partie_regionale' ELSE zoning END AS level,
    code,
    label,
    region,
    quarter,
    rate,
    flag,
    edition,
    CAST(left(edition, 4) AS INTEGER) AS geo_year,
    source_file,
    source_line
FROM read_parquet('{validated}/insee_chomage.parquet')
