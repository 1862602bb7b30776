"""Annual snapshots: rounding at each indicator's precision, byte-identical rebuilds, year range, metadata, README."""

import json
import re
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app
from reports.export import MARTS, YearOutOfRange, available_years, export
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import PROJECT_ROOT, get_settings


def _decimals(value: float) -> int:
    return max(0, -Decimal(repr(value)).normalize().as_tuple().exponent)


@pytest.fixture(scope="module")
def snapshot(warehouse, tmp_path_factory):
    return export(warehouse, 2013, tmp_path_factory.mktemp("exports"))


def test_values_are_rounded_to_their_indicator_precision(snapshot, warehouse):
    # Precisions come from the catalogue (indicators.yml), not from the export code: population 0, rates 2, shares 1.
    precision = dict(warehouse.sql("SELECT id, CAST(precision AS INTEGER) FROM indicator_catalogue").fetchall())
    population = pq.read_table(snapshot / "mart_population.parquet")
    assert str(population.schema.field("population").type) == "int64"  # a count is an integer
    evolution = pq.read_table(snapshot / "mart_evolution_population.parquet").to_pandas()
    for column, indicator in (
        ("taux_annuel_compose_pct", "taux_variation_annuel_moyen_compose"),
        ("taux_annuel_lineaire_pct", "taux_variation_annuel_moyen_lineaire"),
    ):
        assert evolution[column].dropna().map(_decimals).max() <= precision[indicator]
    jeunesse = pq.read_table(snapshot / "mart_jeunesse.parquet").to_pandas()
    assert jeunesse.indice_jeunesse.map(_decimals).max() <= precision["indice_jeunesse"]
    csv = (snapshot / "mart_population.csv").read_text(encoding="utf-8-sig")
    assert not re.search(r";\d+,\d{5,}", csv), "no float noise in the CSV"


def test_year_outside_the_data_writes_nothing(warehouse, tmp_path):
    years = available_years(warehouse)
    for year in (years.start - 1, 1850, years.stop):
        with pytest.raises(YearOutOfRange, match=f"{years.start}–{years.stop - 1}"):
            export(warehouse, year, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(app, ["export", "--year", "1850", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 4 and not (tmp_path / "cli").exists()


def test_metadata_lists_every_producer_licence_and_attribution(snapshot):
    metadata = json.loads((snapshot / "metadata.json").read_text(encoding="utf-8"))
    listed = {s["source_id"]: s for s in metadata["sources"]}
    assert set(listed) == set(SOURCES)
    for source_id, spec in SOURCES.items():
        assert listed[source_id]["licence"] == spec.licence
        assert listed[source_id]["attribution"] == spec.attribution
        assert listed[source_id]["producer"] == spec.producer
    assert "ODbL" in metadata["licence"]


def test_readme_lists_the_exported_tables():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Annual snapshots", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`((?:mart_|reproduction)\w*)`", section))
    assert listed == set(MARTS)


@pytest.mark.parametrize(
    "home",
    [
        "small_private_home",  # the small real geography: the mechanics, in seconds
        pytest.param("private_home", marks=pytest.mark.slow),  # France: parallel sums over millions of rows
    ],
)
def test_two_builds_of_the_same_inputs_give_byte_identical_snapshots(home, request, tmp_path):
    # One forced rebuild of the same bundled inputs: float sums may differ at 1e-14, published bytes may not.
    from flows.nightly import run_refresh
    from warehouse.db import connect_readonly

    request.getfixturevalue(home)

    def snapshot_of(name: str) -> dict[str, bytes]:
        con = connect_readonly(get_settings().warehouse_path)
        try:
            folder = export(con, 2013, tmp_path / name, plain_csv=True)
        finally:
            con.close()
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    first = snapshot_of("first")
    summary = run_refresh(force=True)
    assert summary["built"], summary
    second = snapshot_of("second")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_flags_travel_into_the_exports(snapshot, warehouse):
    # The territories whose age counts failed the plausibility check carry implausible_input in the exported
    # mart_jeunesse (Parquet and French CSV alike); the others carry no such flag.
    doubted = {
        (level, code)
        for level, code in warehouse.sql(
            "SELECT level, code FROM violations_share_plausibility WHERE geo_year = 2011 AND period = '2009'"
        ).fetchall()
    }
    assert doubted
    rows = pq.read_table(snapshot / "mart_jeunesse.parquet").to_pylist()
    flagged = {(r["niveau"], r["code"]) for r in rows if "implausible_input" in (r["flags"] or "")}
    assert flagged == doubted
    csv = (snapshot / "mart_jeunesse.csv").read_text(encoding="utf-8-sig")
    assert csv.count("implausible_input") == len(doubted)


def test_csv_numbers_keep_a_fixed_number_of_decimals_and_metadata_is_french(snapshot):
    import csv

    import yaml

    # the precision of the compound rate, read from the catalogue file itself
    catalogue = yaml.safe_load((PROJECT_ROOT / "transforms" / "indicators.yml").read_text(encoding="utf-8"))
    places = int(catalogue["taux_variation_annuel_moyen_compose"]["precision"])
    with (snapshot / "mart_evolution_population.csv").open(encoding="utf-8-sig") as handle:
        values = [r["taux_annuel_compose_pct"] for r in csv.DictReader(handle, delimiter=";")]
    shown = [v for v in values if v]
    assert shown and all(re.fullmatch(rf"−?-?\d+,\d{{{places}}}", v) for v in shown), shown[:5]
    metadata = json.loads((snapshot / "metadata.json").read_text(encoding="utf-8"))
    for key in ("year_rule", "licence", "csv_convention"):
        text = metadata[key]
        assert not any(w in text for w in ("snapshot", "derived", "separator", "decimal ", " with ", "the ")), text
    # every exported table without rows is explained
    assert set(metadata["tables_vides"]) == {m for m, n in metadata["row_counts"].items() if n == 0}
    assert all("vide" in why or "aucune ligne" in why for why in metadata["tables_vides"].values())


def test_flow_files_absent_without_a_flow_source(snapshot):
    # No flow source is configured on the bundled data: no origin–destination file, and metadata.json says why.
    assert not list(snapshot.glob("flux_*"))
    flows = json.loads((snapshot / "metadata.json").read_text(encoding="utf-8"))["flux_origine_destination"]
    assert set(flows) == {"flux_navettes_2013", "flux_migrations_2013"}
    assert all("aucune source de flux configurée" in entry["absent"] for entry in flows.values())
