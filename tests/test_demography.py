"""Demography: INSEE census parsers on small files in the official layouts (synthetic values), the age-group
and natural-balance models on hand-made tables, the reproduction helpers."""

import math

import duckdb
import pytest

from reports.reproduction import _identity, at_precision
from sources.diagnostic import decimals, period_of
from sources.errors import SourceError
from sources.insee_rp import parse_age_bands, parse_series_historiques, year4
from transforms.runner import discover, run_model

MODELS = discover()


def test_age_bands_parser_reads_the_chiffres_cles_layout(tmp_path):
    # Synthetic file in INSEE's BTX_CC_POP layout: CODGEO;LIBGEO;P09_POP;P09_POP0014;P09_POP1519;...
    path = tmp_path / "BTX_CC_POP_2009.csv"
    path.write_text(
        "CODGEO;LIBGEO;P09_POP;P09_POP0014;P09_POP1519;P09_POP2059;P09_POP6074;P09_POP75P\n"
        "62498;Lens;100;15,5;10;45;20;9,5\n2A004;Ajaccio;50;5;5;25;10;5\n",
        encoding="latin-1",
    )
    parsed = parse_age_bands([path])
    frame = parsed.frame
    assert len(frame) == 10  # 2 communes × 5 bands; P09_POP is a total, not a band
    lens = frame[frame.codgeo == "62498"].set_index("band")
    assert lens.loc["P09_POP0014", "count"] == 15.5  # decimal comma, weighted census counts kept
    assert lens.loc["P09_POP75P", "age_max"] is None or str(lens.loc["P09_POP75P", "age_max"]) == "<NA>"
    assert set(frame.nivgeo) == {"COM"} and set(frame.census_year) == {2009} and set(frame.geo_year) == {2011}
    assert "2A004" in set(frame.codgeo)


def test_age_bands_parser_names_the_bad_cell(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("CODGEO;P09_POP0019\n62498;12\n62499;douze\n")
    with pytest.raises(SourceError) as err:
        parse_age_bands([path])
    assert err.value.rule == "numeric_value" and err.value.rows == [3] and "P09_POP0019" in str(err.value)


def test_series_historiques_parser(tmp_path):
    path = tmp_path / "base-cc-serie-historique-2009.csv"
    path.write_text("CODGEO;P09_POP;P99_POP;NAIS9909;DECE9909;NAIS9099;DECE9099\n62498;110;100;12;7;9;8\n")
    frame = parse_series_historiques([path]).frame
    births = frame[(frame.event == "births") & (frame.period_start == 1999)].iloc[0]
    assert (births.period_end, births["count"], births.geo_year) == (2009, 12, 2011)
    assert year4("68") == 1968 and year4("09") == 2009


def _con(**tables):
    con = duckdb.connect()
    for name, sql in tables.items():
        con.execute(f"CREATE TABLE {name} AS {sql}")
    return con


TERRITORY = """SELECT * FROM (VALUES (2011, 'A', 'commune', 'A'), (2011, 'B', 'commune', 'B'),
    (2011, 'A', 'epci', 'E'), (2011, 'B', 'epci', 'E')) t(geo_year, codgeo, level, code)"""


def test_age_groups_only_where_bands_tile_the_group():
    # Commune A: bands 0–14 (30), 15–19 (10), 60–74 (20), 75+ (5) → under 20 = 40, 60+ = 25.
    # Commune B: same bands (20, 5, 10, 5) → EPCI E: under 20 = 40 + 25 = 65, 60+ = 25 + 15 = 40.
    # Territory X (given at EPCI level) has only 0–14 and 15–29: under 20 cannot be built → NULL, never faked.
    con = _con(
        int_commune_territory=TERRITORY,
        stg_rp_age_bands="""SELECT * FROM (VALUES
        ('commune', 'A', 2011, 2009, 0, 14, 'P09_POP0014', 30.0), ('commune', 'A', 2011, 2009, 15, 19, 'x', 10.0),
        ('commune', 'A', 2011, 2009, 60, 74, 'x', 20.0), ('commune', 'A', 2011, 2009, 75, NULL, 'x', 5.0),
        ('commune', 'B', 2011, 2009, 0, 14, 'x', 20.0), ('commune', 'B', 2011, 2009, 15, 19, 'x', 5.0),
        ('commune', 'B', 2011, 2009, 60, 74, 'x', 10.0), ('commune', 'B', 2011, 2009, 75, NULL, 'x', 5.0),
        ('epci', 'X', 2011, 2009, 0, 14, 'x', 7.0), ('epci', 'X', 2011, 2009, 15, 29, 'x', 9.0))
        t(level, code, geo_year, census_year, age_min, age_max, band, population)""",
    )
    run_model(con, MODELS["int_population_age_groups"])
    got = {
        (r[0], r[1]): (r[2], r[3])
        for r in con.sql("SELECT level, code, pop_under_20, pop_60_plus FROM int_population_age_groups").fetchall()
    }
    assert got[("commune", "A")] == (40, 25)
    assert got[("epci", "E")] == (65, 40)
    assert got[("epci", "X")] == (None, None)


def test_natural_balance_rates_by_hand():
    # Territory E: P1999 = 1000, P2009 = 1100, births 150, deaths 100 over n = 10 years; mean population 1050.
    # birth rate = 150 / 10 / 1050 × 1000 = 14.2857 ‰; natural rate = 50 / 10 / 1050 × 100 = 0.47619 %;
    # total (compound) = (1.1^(1/10) − 1) × 100 = 0.957658 %; apparent migratory = 0.957658 − 0.476190.
    con = _con(
        int_natural_balance="""SELECT 'epci' AS level, 'E' AS code, 2011 AS geo_year, '1999-2009' AS period,
                               1999 AS period_start, 2009 AS period_end, 150.0 AS births, 100.0 AS deaths""",
        int_population_territory="""SELECT * FROM (VALUES ('epci', 'E', 2011, 1999, 1000.0),
                                    ('epci', 'E', 2011, 2009, 1100.0)) t(level, code, geo_year, census_year, pop),
                                    (SELECT false AS compilation_historical)""",
        cfg_sources="SELECT 'insee_rp_historique' AS source_id, 'abc' AS sha256",
    )
    run_model(con, MODELS["int_indicators_natural_balance"])
    got = dict(con.sql("SELECT indicator_id, value FROM int_indicators_natural_balance").fetchall())
    assert math.isclose(got["taux_natalite"], 150 / 10 / 1050 * 1000, rel_tol=1e-12)
    assert math.isclose(got["taux_variation_annuel_solde_naturel"], 50 / 10 / 1050 * 100, rel_tol=1e-12)
    total = (1.1**0.1 - 1) * 100
    assert math.isclose(
        got["taux_variation_annuel_solde_migratoire_apparent"], total - 50 / 10 / 1050 * 100, rel_tol=1e-12
    )
    assert got["solde_naturel"] == 50


def test_printed_precision_helpers():
    assert decimals("0.17") == 2 and decimals("14") == 0 and decimals("-5.3") == 1
    assert period_of("taux_variation_annuel_1990_1999_pct") == "1990-1999" and period_of("population_2009") == "2009"
    # half away from zero, as printed tables round (Python's round(0.125, 2) gives 0.12)
    assert at_precision(0.125, 2) == 0.13 and at_precision(-0.05, 1) == -0.1 and at_precision(1243625, -5) == 1.2e6


def test_rate_identity_names_the_convention():
    # P0 = 100, P1 = 121 over 2 years: linear 10.5 %, compound 10 %; a printed 10.5 is linear.
    _, text = _identity({"inputs": ["p0", "p1"], "identity": "rate", "years": 2}, {"p0": 100, "p1": 121}, 1, 10.5)
    assert "linéaire 10,500 % reproduit" in text and "composé 10,000 % ne reproduit pas" in text
