"""Invariants of the published warehouse on the real bundled data, for every geography vintage and census.

Expected values come from the raw bundled files (the COG population table read here with DuckDB, outside the
models), never from the warehouse's own tables.
"""

import duckdb
import pytest

from sources.ingestion.settings import get_settings
from transforms.levels import SUPRA_COMMUNAL

LEVELS_FROM_COMMUNES = SUPRA_COMMUNAL


@pytest.fixture(scope="module")
def raw() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    cog = get_settings().data_dir / "cog"
    con.execute(f"CREATE VIEW pop AS SELECT * FROM read_parquet('{cog}/population_communes_cog1968_2024.parquet')")
    con.execute(
        f"CREATE VIEW app AS SELECT * FROM read_parquet('{cog}/appartenance_communes_cog2008_2024.parquet')"
    )
    return con


def _censuses(raw) -> dict[int, tuple[int, int]]:
    """census year → (own COG vintage, France métropolitaine total on it), from the raw population table.

    A vintage whose national total equals the previous vintage's is a copy of it (the data log explains the
    COG 2022 and 2024 columns), not a census: independent of the pipeline's share-of-equal-communes rule.
    """
    rows = raw.sql(
        "SELECT cog_year, sum(pop) FILTER (codgeo NOT LIKE '97%'), sum(pop) FROM pop GROUP BY 1 ORDER BY 1"
    ).fetchall()
    censuses, previous_total = {}, None
    for year, metro, total in rows:
        if total != previous_total:
            censuses[year if year < 2008 else year - 2] = (year, metro)
        previous_total = total
    return censuses


def test_copied_vintages_are_not_published_as_censuses(raw, warehouse):
    censuses = _censuses(raw)
    published = {int(r[0]) for r in warehouse.sql(
        "SELECT DISTINCT period FROM indicator_values WHERE indicator_id = 'population'").fetchall()}
    # the compilation's censuses, and those of the populations légales deliveries (census 2022 on COG 2024, whose
    # compilation column is a copy; census 2023 on geography 2025): tests/test_populations_legales.py
    assert published == set(censuses) | {2022, 2023}
    assert 2020 not in published  # COG 2022 repeats COG 2021
    flagged = warehouse.sql("SELECT geo_year FROM violations_copied_census ORDER BY 1").fetchall()
    assert flagged == [(2022,)]


def test_conservation_every_census_on_every_later_geography(raw, warehouse):
    # France métropolitaine of each census, on every geography from its own (or 2008) to 2024, equals the raw
    # total on the census's own geography (tolerance 0.5: split shares).
    censuses = _censuses(raw)
    got = warehouse.sql(
        "SELECT period, geo_year, value FROM indicator_values "
        "WHERE indicator_id = 'population' AND level = 'france_metro'"
    ).fetchall()
    pairs = {(int(p), g): v for p, g, v in got}
    checked = 0
    for census, (own_year, total) in censuses.items():
        for geo_year in range(max(own_year, 2008), 2025):
            assert pairs[(census, geo_year)] == pytest.approx(total, abs=0.5), (census, geo_year)
            checked += 1
    assert checked == sum(2025 - max(y, 2008) for y, _ in censuses.values())
    assert pairs[(2009, 2024)] == pytest.approx(62_465_709, abs=0.5)  # the diagnostic's base year, today's map


def test_departements_on_their_own_geography_match_the_raw_file(raw, warehouse):
    # Each census ≥ 2006 on its own geography, by département (commune code prefix, independent of membership).
    expected = raw.sql(
        "SELECT cog_year, CASE WHEN codgeo LIKE '97%' THEN left(codgeo, 3) ELSE left(codgeo, 2) END, sum(pop) "
        "FROM pop WHERE cog_year >= 2008 AND pop IS NOT NULL GROUP BY ALL"
    ).fetchall()
    got = {
        (g, c, int(p)): v
        for g, c, p, v in warehouse.sql(
            "SELECT geo_year, code, period, value FROM indicator_values "
            "WHERE indicator_id = 'population' AND level = 'departement'"
        ).fetchall()
    }
    censuses = {own: census for census, (own, _) in _censuses(raw).items()}
    n = 0
    for year, dep, total in expected:
        if year in censuses:
            assert got[(year, dep, censuses[year])] == pytest.approx(total, abs=0.5), (year, dep)
            n += 1
    assert n >= 15 * 100  # 15 vintages carrying their own census × 100 or 101 départements


def test_nesting_every_level_every_geo_year_every_period(warehouse):
    # The published commune values summed by each zoning of the published membership equal the published value
    # of that zoning, for every geo_year and census; départements add up to régions, régions to France métro.
    diffs = warehouse.sql(
        """
        WITH c AS (
            SELECT v.geo_year, v.period, g.*, v.value
            FROM indicator_values v JOIN geo_commune g ON g.geo_year = v.geo_year AND g.codgeo = v.code
            WHERE v.indicator_id = 'population' AND v.level = 'commune'
        ),
        sums AS (
            SELECT geo_year, period, z.level, z.code, sum(value) AS total
            FROM c, LATERAL (SELECT unnest([{'level': 'epci', 'code': nullif(epci, 'ZZZZZZZZZ')},
                {'level': 'ze2010', 'code': ze2010}, {'level': 'ze2020', 'code': ze2020},
                {'level': 'arrondissement', 'code': nullif(arrondissement, 'ZZZZ')},
                {'level': 'departement', 'code': departement}, {'level': 'region', 'code': region},
                {'level': 'france_metro', 'code': CASE WHEN france_metro THEN 'FM' END}]) AS z)
            WHERE z.code IS NOT NULL
            GROUP BY ALL
        )
        SELECT s.level, count(*) AS n, count(*) FILTER (abs(s.total - v.value) > 0.5 OR v.value IS NULL) AS bad
        FROM sums s
        LEFT JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = s.level AND v.code = s.code
             AND v.geo_year = s.geo_year AND v.period = s.period
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    assert {level for level, _, _ in diffs} == set(LEVELS_FROM_COMMUNES)
    assert all(bad == 0 for _, _, bad in diffs), diffs
    # every geo_year × period combination was covered
    combos = warehouse.sql(
        "SELECT count(DISTINCT (geo_year, period)) FROM indicator_values "
        "WHERE indicator_id = 'population' AND level = 'commune'"
    ).fetchall()[0][0]
    assert combos == warehouse.sql(
        "SELECT count(DISTINCT (geo_year, period)) FROM indicator_values WHERE indicator_id = 'population'"
    ).fetchall()[0][0]


def test_communes_missing_from_a_membership_table_keep_their_inhabitants(raw, warehouse):
    # Culey (55138) is in the COG 2014 population table but not in that year's membership table (restored from
    # 55298 on 1 January 2014); 14472 likewise in 2015 (new code of 14697). Both must count in their département.
    missing = raw.sql(
        "SELECT p.cog_year, p.codgeo FROM pop p ANTI JOIN app a USING (cog_year, codgeo) "
        "WHERE p.cog_year >= 2008 AND p.pop IS NOT NULL ORDER BY 1"
    ).fetchall()
    assert missing == [(2014, "55138"), (2015, "14472")]
    for year, code in missing:
        dep, origin = warehouse.sql(
            "SELECT departement, membership_origin FROM stg_commune_membership WHERE geo_year = ? AND codgeo = ?",
            params=[year, code],
        ).fetchall()[0]
        assert dep == code[:2] and origin != "cog"
    flagged = warehouse.sql(
        "SELECT geo_year, code FROM violations_membership WHERE rule = 'membership_complete' ORDER BY 1"
    ).fetchall()
    assert flagged == missing


def test_no_critical_violation_is_published_and_every_table_is_documented(warehouse):
    tables = [r[0] for r in warehouse.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'violations_%'").fetchall()]
    assert {"violations_conservation", "violations_nesting", "violations_completeness", "violations_passage",
            "violations_membership", "violations_copied_census", "violations_share_plausibility"} <= set(tables)
    for table in tables:
        assert warehouse.sql(f"SELECT count(*) FROM {table} WHERE severity = 'critical'").fetchall()[0][0] == 0
        comment = warehouse.sql(
            "SELECT comment FROM duckdb_tables() WHERE table_name = ?", params=[table]).fetchall()[0][0]
        assert comment


def test_values_built_on_implausible_inputs_carry_a_flag(warehouse):
    # Every territory × census whose age counts failed the plausibility check: every indicator computed from
    # those counts is flagged, in indicator_values and in mart_jeunesse.
    doubted = warehouse.sql(
        "SELECT level, code, geo_year, period FROM violations_share_plausibility"
    ).fetchall()
    assert doubted  # the bundled t1 counts of two EPCI are implausible (CA Hénin-Carvin, CA Lens-Liévin)
    unflagged = warehouse.sql(
        """SELECT count(*) FROM indicator_values v
           JOIN violations_share_plausibility d USING (level, code, geo_year, period)
           WHERE v.source_id = 'insee_rp_age' AND coalesce(v.flags, '') NOT LIKE '%implausible_input%'"""
    ).fetchall()[0][0]
    assert unflagged == 0
    mart = warehouse.sql(
        """SELECT count(*), count(*) FILTER (m.flags LIKE '%implausible_input%') FROM mart_jeunesse m
           JOIN violations_share_plausibility d
             ON d.level = m.niveau AND d.code = m.code AND d.geo_year = m.millesime_geo AND d.period = m.recensement"""
    ).fetchall()[0]
    assert mart[0] == len(doubted) and mart[1] == mart[0]
