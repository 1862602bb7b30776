-- One row per zoning × zone × quarter × edition: INSEE's localised unemployment rate (%, seasonally adjusted).
-- Reads: source insee_chomage. Each edition keeps its own rows (a later edition revises earlier quarters).
-- geo_year: the COG of the edition's year (the zoning in force when the edition was published).
-- Shared columns: level, code, geo_year, source_file, source_line
-- Column zoning: Zonage de la source (ze2020, ze2010, zer2020 = partie régionale d'une zone interrégionale, region, france_metro)
-- Column label: Libellé du territoire dans ce millésime
-- Column region: Code INSEE de la région dans ce millésime (anciennes régions avant 2016)
-- Column quarter: Trimestre (AAAA-Tn)
-- Column rate: Taux de chômage (%)
-- Column flag: Marqueur de la source (suppressed, not_available)
-- Column edition: Édition de la source (trimestre de publication, AAAA-Tn)
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
