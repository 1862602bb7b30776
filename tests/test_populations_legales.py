"""INSEE's populations légales (editions 2022 and 2023) in the warehouse, and the label of the 1968–1999 populations.

Expected values are computed here with pandas from the delivered gzip'd CSV files (sources/data/
insee_populations_legales/), never read back from the warehouse; a few communes are checked by hand.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sources.ingestion.gate import refresh_source
from sources.ingestion.settings import PROJECT_ROOT, Settings

DATA = PROJECT_ROOT / "sources" / "data"
FOLDER = DATA / "insee_populations_legales"
# INSEE's codes of the municipal arrondissements of Paris, Lyon and Marseille (delivered in place of the communes)
CITIES = {"751": "75056", "6938": "69123", "132": "13055"}


def delivered(name: str) -> pd.DataFrame:
    """One delivered file as text, read independently of the pipeline's parser."""
    return pd.read_csv(FOLDER / name, sep=";", dtype=str, keep_default_na=False)


def pmun(frame: pd.DataFrame) -> pd.Series:
    return frame["PMUN"].astype(int)


@pytest.fixture(scope="module")
def communes_2022() -> pd.DataFrame:
    return delivered("pl2022_donnees_communes.csv.gz")


@pytest.fixture(scope="module")
def communes_2023() -> pd.DataFrame:
    return delivered("pl2023_donnees_communes.csv.gz")


def value(con, level: str, code: str, geo_year: int, period: str, indicator: str = "population") -> float:
    rows = con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = ? AND level = ? AND code = ? AND geo_year = ? "
        "AND period = ?",
        [indicator, level, code, geo_year, period],
    ).fetchall()
    assert len(rows) == 1, (indicator, level, code, geo_year, period, rows)
    return rows[0][0]


# ── the delivered files themselves ────────────────────────────────────────────────────────────────────────────


def test_departement_and_region_files_are_the_sum_of_their_communes(communes_2023):
    # The check the source declares, redone with pandas: Σ PMUN of the communes of a département (a région) is the
    # PMUN of the département (région) file, for every one of them.
    by_dep = communes_2023.assign(PMUN=pmun(communes_2023)).groupby("DEP")["PMUN"].sum()
    deps = delivered("pl2023_donnees_departements.csv.gz").set_index("DEP")
    assert len(deps) == 100 and (pmun(deps) == by_dep.reindex(deps.index)).all()
    by_reg = communes_2023.assign(PMUN=pmun(communes_2023)).groupby("REG")["PMUN"].sum()
    regs = delivered("pl2023_donnees_regions.csv.gz").set_index("REG")
    assert len(regs) == 17 and (pmun(regs) == by_reg.reindex(regs.index)).all()


def test_the_rewritten_na_cells_are_read_back_as_empty():
    from sources.insee_populations_legales import parse

    raw = delivered("pl2022_donnees_communes.csv.gz")
    written_na = int((raw == "NA").sum().sum())
    assert written_na == 244  # the third party's re-writing (PROVENANCE.md)
    parsed = parse([FOLDER / "pl2022_donnees_communes.csv.gz"])
    assert not (parsed.frame["CODCAN"] == "NA").any()
    # empty after the parse: the NA cells and the cells INSEE delivers blank (Paris's arrondissements: spaces)
    blank = raw["CODCAN"].str.strip().isin(["", "NA"])
    assert int((parsed.frame["CODCAN"] == "").sum()) == int(blank.sum()) > written_na
    assert any(f"{written_na} cell(s) written `NA`" in note for note in parsed.notes)


def test_a_departement_file_that_disagrees_with_its_communes_is_quarantined_with_file_and_line(
    built_home, tmp_path
):
    # Damage: Nord's row of the département file gets one more inhabitant than its communes sum to.
    home = tmp_path / "home"
    shutil.copytree(built_home / "warehouse" / "store", home / "warehouse" / "store")
    settings = Settings(data_dir=DATA, home=home, origins_path=None)
    files = []
    for path in sorted(FOLDER.glob("*.csv.gz")):
        target = tmp_path / path.name
        shutil.copy(path, target)
        files.append(str(target))
    damaged = tmp_path / "pl2023_donnees_departements.csv.gz"
    lines = gzip.decompress(damaged.read_bytes()).decode().split("\n")
    line = next(i for i, text in enumerate(lines) if text.split(";")[2] == "59")
    cells = lines[line].split(";")
    cells[7] = str(int(cells[7]) + 1)  # PMUN
    lines[line] = ";".join(cells)
    damaged.write_bytes(gzip.compress("\n".join(lines).encode()))

    outcome = refresh_source(settings, "insee_populations_legales", origins=files)

    message = " ".join(outcome.messages)
    assert outcome.status == "quarantined", outcome
    assert "pmun_equals_sum_of_communes" in message, message
    assert f"file pl2023_donnees_departements.csv.gz line {line + 1}" in message, message


# ── the France-wide warehouse ─────────────────────────────────────────────────────────────────────────────────


def test_lens_2023_is_the_delivered_value_on_geography_2025(warehouse, communes_2023):
    lens = communes_2023[communes_2023["COM"] == "62498"]
    assert lens["Commune"].tolist() == ["Lens"]
    assert value(warehouse, "commune", "62498", 2025, "2023") == int(lens["PMUN"].iloc[0])
    assert value(warehouse, "commune", "62498", 2025, "2023", "population_totale") == int(lens["PTOT"].iloc[0])
    assert value(warehouse, "commune", "62498", 2025, "2023", "population_comptee_a_part") == int(
        lens["PCAP"].iloc[0]
    )


def test_nord_2022_on_geography_2024_is_the_sum_of_its_delivered_communes(warehouse, communes_2022):
    nord = pmun(communes_2022[communes_2022["DEP"] == "59"]).sum()
    assert value(warehouse, "departement", "59", 2024, "2022") == nord
    # a census of the delivery is not a copy: it differs from census 2021 on the same geography
    assert value(warehouse, "departement", "59", 2024, "2021") != nord
    row = warehouse.execute(
        "SELECT source_id, flags FROM indicator_values WHERE indicator_id = 'population' AND level = 'departement' "
        "AND code = '59' AND geo_year = 2024 AND period = '2022'"
    ).fetchall()
    assert row == [("insee_populations_legales", None)]


def test_every_level_of_2025_is_the_delivery_and_nothing_else(warehouse, communes_2023):
    frame = communes_2023.assign(PMUN=pmun(communes_2023))
    frame["commune"] = frame["COM"]
    for prefix, city in CITIES.items():
        frame.loc[frame["COM"].str.startswith(prefix), "commune"] = city
    expected = {
        "commune": frame.groupby("commune")["PMUN"].sum(),
        "arrondissement": frame.groupby(frame["DEP"] + frame["CODARR"])["PMUN"].sum(),
        "departement": frame.groupby("DEP")["PMUN"].sum(),
        "region": frame.groupby("REG")["PMUN"].sum(),
    }
    got = warehouse.sql(
        "SELECT level, code, value FROM indicator_values WHERE indicator_id = 'population' AND geo_year = 2025"
    ).df()
    for level, sums in expected.items():
        published = got[got["level"] == level].set_index("code")["value"]
        assert published.sort_index().to_dict() == {k: float(v) for k, v in sums.sort_index().items()}, level
    assert got["level"].isin([*expected, "france_metro", "grouping"]).all()
    metro = frame[~frame["DEP"].str.startswith("97")]["PMUN"].sum()
    assert value(warehouse, "france_metro", "FM", 2025, "2023") == metro
    # Paris is the sum of its 20 municipal arrondissements (by hand: 20 rows of 751xx)
    assert len(frame[frame["COM"].str.startswith("751")]) == 20
    # no census but the delivery's is on geography 2025 (none is carried there without a passage table)
    periods = warehouse.sql("SELECT DISTINCT period FROM indicator_values WHERE geo_year = 2025").fetchall()
    assert periods == [("2023",)]


def test_missing_2025_levels_are_recorded_not_guessed(warehouse):
    recorded = warehouse.sql(
        "SELECT level FROM violations_completeness WHERE rule = 'level_not_delivered' AND geo_year = 2025 "
        "ORDER BY 1"
    ).fetchall()
    assert recorded == [("epci",), ("ze2010",), ("ze2020",)]
    assert warehouse.sql(
        "SELECT count(*) FROM geo_commune WHERE geo_year = 2025 AND (epci IS NOT NULL OR ze2010 IS NOT NULL "
        "OR ze2020 IS NOT NULL)"
    ).fetchall() == [(0,)]


def test_geography_2025_territories_come_from_the_delivery(warehouse, communes_2023):
    assert warehouse.sql(
        "SELECT count(*) FROM (SELECT DISTINCT level, code, geo_year FROM indicator_values) "
        "ANTI JOIN territories USING (level, code, geo_year)"
    ).fetchall() == [(0,)]
    labels = {(level, code): label for level, code, label in warehouse.sql(  # 32 is a département and a région
        "SELECT level, code, label FROM territories WHERE geo_year = 2025 AND level IN ('commune', 'departement', "
        "'region') AND code IN ('62498', '75056', '59', '32')"
    ).fetchall()}
    deps = delivered("pl2023_donnees_departements.csv.gz").set_index("DEP")
    assert labels == {("commune", "62498"): "Lens", ("commune", "75056"): "Paris",
                      ("departement", "59"): deps.loc["59", "Département"],
                      ("departement", "32"): deps.loc["32", "Département"],
                      ("region", "32"): deps.loc["59", "Région"]}


def test_keys_are_unique_and_no_critical_violation(warehouse):
    assert warehouse.sql(
        "SELECT count(*) - count(DISTINCT (indicator_id, level, code, geo_year, period)) FROM indicator_values"
    ).fetchall() == [(0,)]
    for table in ("violations_conservation", "violations_nesting", "violations_completeness",
                  "violations_passage", "violations_membership", "violations_copied_census"):
        critical = warehouse.sql(f"SELECT count(*) FROM {table} WHERE severity = 'critical'").fetchall()
        assert critical == [(0,)], table


def test_census_2022_conserves_on_geography_2024(warehouse, communes_2022):
    # France entière of census 2022 (all communes of the delivery) = Σ of the published départements
    total = pmun(communes_2022).sum()
    assert warehouse.sql(
        "SELECT sum(value) FROM indicator_values WHERE indicator_id = 'population' AND level = 'departement' "
        "AND geo_year = 2024 AND period = '2022'"
    ).fetchall() == [(float(total),)]
    # the new five-year interval, by hand from the two published populations of the same geography
    p0 = value(warehouse, "departement", "62", 2024, "2017")
    p1 = value(warehouse, "departement", "62", 2024, "2022")
    assert value(warehouse, "departement", "62", 2024, "2017-2022", "population_variation") == pytest.approx(p1 - p0)


# ── item 5: the 1968–1999 populations say what they are ───────────────────────────────────────────────────────


def test_every_value_built_from_the_compiled_1968_1999_censuses_is_flagged(warehouse):
    rows = warehouse.sql(
        """
        SELECT indicator_id, period, coalesce(flags, '') LIKE '%compilation_not_insee_series%' AS flagged
        FROM indicator_values
        WHERE indicator_id IN ('population', 'population_variation', 'taux_variation_annuel_moyen_compose',
                               'taux_variation_annuel_moyen_lineaire')
        """
    ).df()
    start = rows["period"].str[:4].astype(int)
    historical = start < 2006  # the period starts (or is) a census of 1968–1999
    assert historical.sum() > 0 and rows.loc[historical, "flagged"].all()
    assert not rows.loc[~historical, "flagged"].any()
    label = warehouse.sql(  # the reader's words for the flag (its label in transforms/flags.yml)
        "SELECT label FROM flag_vocabulary WHERE flag_id = 'compilation_not_insee_series'"
    ).fetchall()
    assert label and "série historique" in label[0][0]
    # rates whose population is a 1968–1999 census of the compilation carry it too
    natural = warehouse.sql(
        "SELECT count(*), count(*) FILTER (flags LIKE '%compilation_not_insee_series%') FROM indicator_values "
        "WHERE indicator_id = 'taux_natalite' AND left(period, 4)::INTEGER < 2006"
    ).fetchall()[0]
    assert natural[0] == natural[1]


# ── the small real geography ──────────────────────────────────────────────────────────────────────────────────


def test_the_small_geography_cuts_the_delivery_and_builds_clean(small_home, small_data, communes_2022):
    cut = pd.read_csv(small_data / "insee_populations_legales" / "pl2022_donnees_communes.csv.gz", sep=";",
                      dtype=str, keep_default_na=False)
    assert set(cut["DEP"]) == {"59", "62"}
    con = duckdb.connect(str(Path(small_home) / "warehouse" / "observatoire.duckdb"), read_only=True)
    try:
        nord = pmun(communes_2022[communes_2022["DEP"] == "59"]).sum()
        assert value(con, "departement", "59", 2024, "2022") == nord
        # every earlier census is still carried to COG 2024 (a step without a change has no passage row in the cut)
        periods = con.sql(
            "SELECT count(DISTINCT period) FROM indicator_values WHERE indicator_id = 'population' "
            "AND level = 'departement' AND code = '59' AND geo_year = 2024"
        ).fetchall()[0][0]
        assert periods == 21  # 1968 … 1999 (5), 2006 … 2019 (14), 2021, 2022
        assert con.sql(
            "SELECT count(*) FROM (SELECT severity FROM violations_conservation UNION ALL SELECT severity FROM "
            "violations_nesting UNION ALL SELECT severity FROM violations_completeness) WHERE severity = 'critical'"
        ).fetchall() == [(0,)]
    finally:
        con.close()


# ── item 5: INSEE's séries historiques as the population of record of 1968–1999, when configured ─────────────


def test_series_historiques_become_the_record_of_1968_1999_from_their_geography(
    small_private_home, tmp_path, monkeypatch
):
    # A SYNTHETIC séries historiques file (values generated here, not INSEE's), in INSEE's layout, on geography
    # 2023 (latest census 2021): every commune of the small geography's COG 2023.
    import yaml

    from flows.nightly import run_refresh
    from sources.ingestion.settings import get_settings
    from warehouse.db import connect_readonly

    con = connect_readonly(get_settings().warehouse_path)
    communes = [r[0] for r in con.sql(
        "SELECT DISTINCT code FROM indicator_values WHERE indicator_id = 'population' AND level = 'commune' "
        "AND geo_year = 2023 AND period = '2021' ORDER BY 1").fetchall()]
    con.close()
    columns = ["P21_POP", "P15_POP", "P10_POP", "D99_POP", "D90_POP", "D82_POP", "D75_POP", "D68_POP"]
    fixture = pd.DataFrame({"CODGEO": communes})
    for k, column in enumerate(columns):
        fixture[column] = [100 + 3 * i + 11 * k for i in range(len(communes))]
    path = tmp_path / "base-cc-serie-historique-2021_SYNTHETIC.CSV"
    fixture.to_csv(path, sep=";", index=False, lineterminator="\r\n")
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({"insee_serie_historique": [str(path)]}))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))

    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary

    con = connect_readonly(get_settings().warehouse_path)
    try:
        got = con.sql(
            "SELECT code, value, source_id, flags FROM indicator_values WHERE indicator_id = 'population' "
            "AND level = 'commune' AND geo_year = 2023 AND period = '1968'"
        ).df().set_index("code")
        expected = fixture.set_index("CODGEO")["D68_POP"]
        assert got["value"].sort_index().to_dict() == {k: float(v) for k, v in expected.sort_index().items()}
        assert set(got["source_id"]) == {"insee_serie_historique"} and got["flags"].isna().all()
        # carried to geography 2024 by the passage tables, conserved: France métropolitaine = Σ of the fixture
        assert value(con, "france_metro", "FM", 2024, "1968") == pytest.approx(expected.sum(), abs=0.5)
        # before the series' geography the compilation stays, flagged; the later censuses are not the fixture's
        flags = con.sql(
            "SELECT flags, source_id FROM indicator_values WHERE indicator_id = 'population' "
            "AND level = 'departement' AND code = '59' AND geo_year = 2011 AND period = '1968'"
        ).fetchall()
        assert len(flags) == 1 and "compilation_not_insee_series" in flags[0][0] and flags[0][1] == "insee_population"
        sources_2021 = con.sql(
            "SELECT DISTINCT source_id FROM indicator_values WHERE indicator_id = 'population' AND geo_year = 2023 "
            "AND period = '2021'"
        ).fetchall()
        assert sources_2021 == [("insee_population",)]
        # a variation starting in 1999 on geography 2023 is built from the series: no compilation flag
        assert con.sql(
            "SELECT flags FROM indicator_values WHERE indicator_id = 'population_variation' AND level = 'departement' "
            "AND code = '62' AND geo_year = 2023 AND period = '1999-2021'"
        ).fetchall() == [(None,)]
        assert con.sql(
            "SELECT count(*) FROM violations_conservation WHERE severity = 'critical'"
        ).fetchall() == [(0,)]
    finally:
        con.close()


def test_report_and_portraits_say_what_the_1968_1999_populations_are(warehouse):
    from reports.today import HISTORICAL_NOTE, population_source

    assert HISTORICAL_NOTE in population_source(warehouse, "grouping", "bassin_minier", 2024, 1968, "2022")
    # geography 2025 holds only census 2023 (the delivery): nothing compiled, no note
    assert HISTORICAL_NOTE not in population_source(warehouse, "departement", "62", 2025, 2023, "2023")
