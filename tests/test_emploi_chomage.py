"""Unemployment (INSEE workbook), private employment (URSSAF), education and commuting tables."""

import duckdb
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from sources.errors import SourceError
from sources.ingestion.settings import get_settings
from sources.insee_chomage import parse as parse_chomage
from sources.urssaf import parse as parse_urssaf
from transforms.runner import discover, run_model

WORKBOOK = get_settings().data_dir / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx"


@pytest.fixture(scope="module")
def chomage():
    return parse_chomage([WORKBOOK]).frame


def test_real_workbook_parsed_completely(chomage):
    ze = chomage[chomage.zoning == "ze2020"]
    assert ze.code.nunique() == 302 and ze.quarter.nunique() == 83
    assert len(ze) == 302 * 83
    assert ze.quarter.min() == "2003-T1" and ze.quarter.max() == "2023-T3"
    assert ze.code.str.fullmatch(r"\d{4}|2[AB]\d{2}").all() and "0051" in set(ze.code)  # codes kept as text
    assert set(chomage.edition) == {"2023-T3"}


def test_values_match_cells_read_independently_with_openpyxl(chomage):
    sheet = load_workbook(WORKBOOK, read_only=True, data_only=True)["txcho_ze"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[5]  # the code row: ZE2020, LIBZE2020, REG, LIBREG, 2003-T1 …
    assert header[:4] == ("ZE2020", "LIBZE2020", "REG", "LIBREG")
    checked = 0
    for row in (rows[6], rows[100], rows[-1]):
        for quarter in ("2003-T1", "2013-T1", "2023-T3"):
            cell = row[header.index(quarter)]
            got = chomage[(chomage.code == str(row[0])) & (chomage.quarter == quarter)]
            assert len(got) == 1
            if cell is None:
                assert got.rate.isna().all() and (got.flag == "not_available").all()
            else:
                assert got.rate.iloc[0] == pytest.approx(float(cell))
                checked += 1
    assert checked >= 6


def _workbook(path, rows, code="ZE2020", quarters=("2013-T1", "2013-T2")):
    wb = Workbook()
    ws = wb.active
    ws.title = "txcho_ze"
    ws.append(["Taux de chômage (synthetic test workbook)"])
    ws.append([])
    ws.append(["Code", "Libellé", *quarters])
    ws.append([code, f"LIB{code}", *quarters])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_markers_stay_flags_never_zero(tmp_path):
    path = _workbook(tmp_path / "synthetic-t2-2013.xlsx", [["3122", "Lens", 17.9, "s"], ["3115", "Val", None, 16.0]])
    frame = parse_chomage([path]).frame.set_index(["code", "quarter"])
    assert frame.loc[("3122", "2013-T2"), "flag"] == "suppressed"
    assert frame.loc[("3122", "2013-T2"), "rate"] is pd.NA or pd.isna(frame.loc[("3122", "2013-T2"), "rate"])
    assert frame.loc[("3115", "2013-T1"), "flag"] == "not_available"
    assert frame.loc[("3122", "2013-T1"), "edition"] == "2013-T2"


def test_a_non_numeric_rate_names_sheet_column_and_row(tmp_path):
    path = _workbook(tmp_path / "bad-t1-2013.xlsx", [["3122", "Lens", "dix-sept", 1.0]])
    with pytest.raises(SourceError) as err:
        parse_chomage([path])
    assert err.value.rule == "rate_is_number" and err.value.rows == [5] and "2013-T1" in str(err.value)


def test_later_edition_wins_and_is_flagged_revised():
    # Two editions of the same zone × quarter: 10.0 (2013-T2) revised to 10.4 (2014-T1). The long table keeps the
    # latest with flag 'revised'; the last quarter of an edition is 'provisional'.
    con = duckdb.connect()
    con.execute("""CREATE TABLE stg_insee_chomage AS SELECT * FROM (VALUES
        ('ze2010', 'ze2010', '3122', 'Lens', '31', '2013-T1', 10.0, NULL, '2013-T2', 2013, 'a', 1),
        ('ze2010', 'ze2010', '3122', 'Lens', '31', '2013-T2', 11.0, NULL, '2013-T2', 2013, 'a', 1),
        ('ze2010', 'ze2010', '3122', 'Lens', '31', '2013-T1', 10.4, NULL, '2014-T1', 2013, 'b', 1),
        ('ze2010', 'ze2010', '3122', 'Lens', '31', '2014-T1', 12.0, NULL, '2014-T1', 2013, 'b', 1))
        t(zoning, level, code, label, region, quarter, rate, flag, edition, geo_year, source_file, source_line)""")
    con.execute("CREATE TABLE cfg_sources AS SELECT 'insee_chomage' AS source_id, 'x' AS sha256")
    models = discover()
    run_model(con, models["int_chomage_flagged"])  # the flags, per edition (mart_chomage reads them too)
    run_model(con, models["int_indicators_chomage"])
    got = {
        r[0]: (float(r[1]), r[2]) for r in con.sql("SELECT period, value, flags FROM int_indicators_chomage").fetchall()
    }
    assert got["2013-T1"] == (10.4, "revised")
    assert got["2014-T1"] == (12.0, "provisional")
    assert got["2013-T2"] == (11.0, "provisional")  # the last quarter of its (only) edition
    # every edition keeps its own flags (int_chomage_flagged, read by mart_chomage): the last quarter of each edition
    # is provisional, the 2014-T1 edition's 2013-T1 is revised
    per_edition = dict(
        ((q, e), f) for q, e, f in con.sql("SELECT quarter, edition, flags FROM int_chomage_flagged").fetchall()
    )
    assert per_edition == {("2013-T1", "2013-T2"): None, ("2013-T2", "2013-T2"): "provisional",
                           ("2013-T1", "2014-T1"): "revised", ("2014-T1", "2014-T1"): "provisional"}


def test_urssaf_layout_flags_and_errors(tmp_path):
    path = tmp_path / "effectifs_SYNTHETIC.csv"
    path.write_text(
        "Code zone d'emploi;Zone d'emploi;Effectifs salariés 2011;Effectifs salariés 2012\n"
        "3205;Béthune;1 200;s\n3215;Lens;800;\n",
        encoding="utf-8",
    )
    frame = parse_urssaf([path]).frame.set_index(["code", "year"])
    assert frame.loc[("3205", 2011), "value"] == 1200  # thousands separator removed
    assert frame.loc[("3205", 2012), "flag"] == "suppressed" and frame.loc[("3215", 2012), "flag"] == "not_available"
    assert set(frame.geo_year) == {2013} and set(frame.zoning) == {"ze2020"}
    path.write_text("Code zone d'emploi;Effectifs salariés 2012\n3205;beaucoup\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        parse_urssaf([path])
    assert err.value.rows == [2] and "Effectifs salariés 2012" in str(err.value)


def test_q1_2013_ordering_matches_the_printed_one(warehouse):
    printed = [
        r[0]
        for r in warehouse.sql(
            "SELECT code FROM published_figures WHERE table_id = 'prose' AND indicator = 'taux de chômage' "
            "AND period = '1er trimestre 2013' ORDER BY value DESC"
        ).fetchall()
    ]
    computed = [
        r[0]
        for r in warehouse.sql(
            "SELECT code FROM mart_chomage WHERE trimestre = '2013-T1' AND edition = '2013-T1' "
            "ORDER BY taux_chomage_pct DESC"
        ).fetchall()
    ]
    assert computed == printed and len(computed) == 6


def test_zones_sum_to_the_region_and_t4_variations_reproduce(warehouse):
    zones, region = warehouse.sql("""
        SELECT sum(effectif_salarie_prive) FILTER (niveau = 'ze2010'),
               any_value(effectif_salarie_prive) FILTER (niveau = 'region')
        FROM mart_emploi WHERE periode = '2012' AND millesime_geo = 2013""").fetchall()[0]
    assert zones == region
    statuses = warehouse.sql("""SELECT r.status, count(*) FROM reproduction r JOIN published_figures p USING (figure_id)
        WHERE r.table_id = 't4' AND p.level IN ('ze2010', 'region') AND r.indicator LIKE 'variation%'
        GROUP BY 1""").fetchall()
    # the zone counts are the diagnostic's own (bundled extract): its arithmetic holds, nothing more
    assert statuses == [("consistent", 32)]
    region_counts = warehouse.sql("""SELECT r.status FROM reproduction r JOIN published_figures p USING (figure_id)
        WHERE r.table_id = 't4' AND p.level = 'region' AND r.indicator LIKE 'effectif%'""").fetchall()
    assert region_counts == [("consistent",), ("consistent",)]  # the printed région = the sum of its zones


def test_every_employment_education_commuting_and_unemployment_figure_has_a_status(warehouse):
    missing = warehouse.sql("""
        SELECT count(*) FROM published_figures p LEFT JOIN reproduction r USING (figure_id)
        WHERE (p.table_id IN ('t4', 't5', 't6') OR (p.table_id = 'prose' AND p.theme LIKE '%chômage%'))
          AND (r.status IS NULL OR length(r.explanation) < 10)""").fetchall()[0][0]
    assert missing == 0


def test_identities_of_t5_and_t6_are_checked(warehouse):
    # Recomputed here from the published table: the t6 gap is the difference of the two shares of its row.
    t6 = warehouse.sql("SELECT territory, indicator, value FROM published_figures WHERE table_id = 't6'").df()
    wide = t6.pivot(index="territory", columns="indicator", values="value")
    gap_ok = (
        wide.part_pop_active_regionale_lieu_residence_2006_pct
        - wide.part_pop_active_regionale_lieu_residence_1999_pct
        - wide.ecart_lieu_residence_1999_2006_pts
    ).abs() <= 0.1 + 1e-9
    statuses = dict(
        warehouse.sql(
            "SELECT territory, status FROM reproduction WHERE table_id = 't6' "
            "AND indicator = 'ecart_lieu_residence_1999_2006_pts'"
        ).fetchall()
    )
    for territory, ok in gap_ok.items():
        assert (statuses[territory] == "inconsistent_input") == (not ok)
    explanations = [
        r[0] for r in warehouse.sql("SELECT explanation FROM reproduction WHERE table_id = 't5'").fetchall()
    ]
    assert all("évolutions de la ligne totalisent" in e for e in explanations)


def test_census_education_and_activity_parsers_and_shares(tmp_path):
    from sources.insee_rp import parse_activity, parse_diplomas

    # Synthetic files in INSEE's layouts (base-cc-diplomes-formation, base-cc-emploi-pop-active).
    dipl = tmp_path / "base-cc-diplomes-formation-2009_SYNTHETIC.csv"
    dipl.write_text("CODGEO;P09_NSCOL15P;P09_NSCOL15P_DIPL0;P09_NSCOL15P_SUP\nA0001;200;50;30\nB0002;100;10;20\n")
    act = tmp_path / "base-cc-emploi-pop-active-2009_SYNTHETIC.csv"
    act.write_text("CODGEO;P09_ACT15P;P09_EMPLT\nA0001;90;40\nB0002;60;80\nC0003;50;80\n")
    d, a = parse_diplomas([dipl]).frame, parse_activity([act]).frame
    assert set(d.variable) == {"total", "aucun_diplome", "sup_long"} and set(d.geo_year) == {2011}
    assert set(a.variable) == {"actifs_lieu_residence", "emplois_lieu_travail"}
    # A and B form zone Z; A, B, C form région R. By hand: no diploma in Z = (50 + 10) / (200 + 100) = 20 %;
    # Z's share of the régional active population = (90 + 60) / 200 = 75 %; of jobs = 120 / 200 = 60 %.
    con = duckdb.connect()
    con.register("d", d)
    con.register("a", a)
    con.execute("""CREATE TABLE stg_rp_census_variables AS
        SELECT 'diplomes' AS theme, codgeo, census_year, geo_year, variable, value FROM d
        UNION ALL SELECT 'actifs', codgeo, census_year, geo_year, variable, value FROM a""")
    con.execute("""CREATE TABLE int_commune_territory AS SELECT * FROM (VALUES
        (2011, 'A0001', 'ze2010', 'Z'), (2011, 'B0002', 'ze2010', 'Z'), (2011, 'C0003', 'ze2010', 'Y'),
        (2011, 'A0001', 'region', 'R'), (2011, 'B0002', 'region', 'R'), (2011, 'C0003', 'region', 'R'))
        t(geo_year, codgeo, level, code)""")
    con.execute("CREATE TABLE cfg_sources AS SELECT 'insee_rp_actifs' AS source_id, 'x' AS sha256")
    # no real population here: no plausibility verdict (flags are tested in test_transforms.py)
    con.execute("""CREATE TABLE check_census_counts_vs_population AS SELECT NULL::VARCHAR AS level,
        NULL::VARCHAR AS code, NULL::INTEGER AS geo_year, NULL::INTEGER AS census_year, NULL::VARCHAR AS count_id,
        NULL::BOOLEAN AS plausible WHERE false""")
    run_model(con, discover()["int_territory_region"])
    run_model(con, discover()["int_indicators_formation_navettes"])
    got = {
        (r[0], r[1], r[2]): r[3]
        for r in con.sql("SELECT indicator_id, level, code, value FROM int_indicators_formation_navettes").fetchall()
    }
    assert got[("part_diplome_aucun_diplome", "ze2010", "Z")] == pytest.approx(20.0)
    assert got[("part_regionale_actifs_lieu_residence", "ze2010", "Z")] == pytest.approx(75.0)
    assert got[("part_regionale_emplois_lieu_travail", "ze2010", "Z")] == pytest.approx(60.0)
    assert got[("part_regionale_emplois_lieu_travail", "region", "R")] == pytest.approx(100.0)
