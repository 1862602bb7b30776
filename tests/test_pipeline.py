"""The refresh as a whole: change detection, quarantine of bad input, readers during a build, the Prefect flow."""

import gzip
import hashlib
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from flows.nightly import run_refresh
from sources.ingestion.settings import get_settings


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_second_run_without_change_skips_the_build(small_private_home):
    settings = get_settings()
    before = _digest(settings.warehouse_path)
    started = time.perf_counter()
    summary = run_refresh()
    assert not summary["built"] and "no source and no model changed" in summary["skip_reason"]
    assert {o["status"] for o in summary["sources"]} == {"unchanged", "not_configured"}
    assert not any(o["changed"] for o in summary["sources"])
    assert time.perf_counter() - started < 10
    assert _digest(settings.warehouse_path) == before



def test_no_change_night_answers_before_prefect_and_is_recorded(small_private_home):
    # `observatoire run` with nothing to refresh: decided from file hashes before Prefect, Great Expectations,
    # matplotlib or scipy is imported (a fresh process tells), the run recorded for `status`, the file untouched.
    import json

    settings = get_settings()
    before = _digest(settings.warehouse_path)
    probe = (
        "import sys\n"
        "from flows.cli import app\n"
        "try:\n    app(['run'])\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "heavy = [m for m in ('prefect', 'great_expectations', 'matplotlib', 'scipy') if m in sys.modules]\n"
        "print('EXIT', code, 'HEAVY', heavy)\n"
    )
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - started
    assert "EXIT 0 HEAVY []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    assert "decided before starting the Prefect engine" in out.stdout
    assert seconds < 15  # ≈ 2 s on an idle machine (benchmarks/RESULTS.md); generous for a loaded CI
    last_run = json.loads((settings.store_dir / "last_run.json").read_text())
    assert last_run["status"] == "ok" and last_run["built"] is False and last_run["engine"] == "none"
    assert _digest(settings.warehouse_path) == before
    # one changed file: the full run takes over (validates it, rebuilds), never the shortcut
    from flows.unchanged import unchanged_run

    (settings.validated_dir / "insee_cog_passage.json").write_text(
        (settings.validated_dir / "insee_cog_passage.json").read_text().replace('"sha256": "', '"sha256": "0', 1)
    )
    assert unchanged_run(settings) is None

def _corrupt_parquet(path, change):
    frame = pd.read_parquet(path)
    change(frame).to_parquet(path, index=False)


def _duplicate_a_commune(frame):
    return pd.concat([frame, frame[(frame.cog_year == 2011) & (frame.codgeo == "62498")]], ignore_index=True)


def _negative_population(frame):
    frame.loc[(frame.cog_year == 2011) & (frame.codgeo == "62498"), "pop"] = -5
    return frame


def _truncate_gzip(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _drop_column(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        frame = pd.read_csv(f, sep=";", dtype=str)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        frame.drop(columns=["pmun_com"]).to_csv(f, sep=";", index=False)


CASES = {
    "duplicated commune row": (
        "cog/appartenance_communes_cog2008_2024.parquet",
        "insee_cog_appartenance",
        lambda p: _corrupt_parquet(p, _duplicate_a_commune),
        "commune_unique_per_vintage",
    ),
    "negative population": (
        "cog/population_communes_cog1968_2024.parquet",
        "insee_population",
        lambda p: _corrupt_parquet(p, _negative_population),
        "population_non_negative",
    ),
    "truncated gzip": ("dgcl/epci_composition_2012.csv.gz", "dgcl_epci", _truncate_gzip, "readable_file"),
    "missing column": ("dgcl/epci_composition_2013.csv.gz", "dgcl_epci", _drop_column, "required_columns"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_quarantined_and_the_published_warehouse_kept(small_private_home, small_private_data, case):
    relative, source_id, damage, rule = CASES[case]
    damage(small_private_data / relative)
    settings = get_settings()
    before = _digest(settings.warehouse_path)

    summary = run_refresh()

    assert summary["quarantined"] == [source_id]
    outcome = next(o for o in summary["sources"] if o["source_id"] == source_id)
    message = " ".join(outcome["messages"])
    assert source_id in message and rule in message and relative.split("/")[1] in message
    others = {o["status"] for o in summary["sources"] if o["source_id"] != source_id}
    assert others <= {"unchanged", "not_configured"}, "the other sources still refresh"
    assert not summary["built"]
    assert _digest(settings.warehouse_path) == before
    report = small_private_home / "warehouse" / "store" / "quarantine" / source_id / outcome["sha256"] / "report.md"
    if outcome["sha256"]:
        assert rule in report.read_text()


def test_quarantined_source_keeps_its_last_good_data_when_another_source_changes(
    small_private_home, small_private_data
):
    # The DGCL file is damaged and the population changes: the build runs with the new population and the last
    # good DGCL tables (on the small real geography: 62498 is a commune of Pas-de-Calais).
    _truncate_gzip(small_private_data / "dgcl/epci_composition_2012.csv.gz")
    path = small_private_data / "cog/population_communes_cog1968_2024.parquet"
    frame = pd.read_parquet(path)
    frame.loc[(frame.cog_year == 2024) & (frame.codgeo == "62498"), "pop"] += 1  # a revised count
    frame.to_parquet(path, index=False)
    summary = run_refresh()
    assert summary["quarantined"] == ["dgcl_epci"] and summary["built"]
    from warehouse.db import connect_readonly

    con = connect_readonly(get_settings().warehouse_path)
    try:
        assert con.sql("SELECT count(DISTINCT year) FROM check_dgcl_population_vs_census").fetchall()[0][0] == 7
    finally:
        con.close()


READER = textwrap.dedent("""
    import os, sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("ready", flush=True)
    n = 0
    deadline = time.time() + float(sys.argv[3])
    while time.time() < deadline and not os.path.exists(sys.argv[2]):  # until the build is over
        n += con.sql("SELECT count(*) FROM indicator_values WHERE level = 'region'").fetchall()[0][0] > 0
    print("answered", n, flush=True)
""")


def test_reader_keeps_answering_during_a_build(small_private_home, tmp_path):
    settings = get_settings()
    built = tmp_path / "built"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.warehouse_path), str(built), "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"
    try:
        summary = run_refresh(force=True)  # rebuild and publish while the reader holds the old file
    finally:
        built.touch()  # the reader stops (also when the build raised)
    out, err = reader.communicate(timeout=120)
    assert summary["built"]
    assert reader.returncode == 0, err
    assert int(out.split()[-1]) > 0


@pytest.mark.slow  # starts Prefect's temporary server (10–20 s)
def test_prefect_flow_end_to_end(private_home):
    from flows.nightly import nightly_refresh

    state = nightly_refresh(return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert not summary["built"] and not summary["quarantined"]


def test_every_bundled_file_is_checksummed_and_a_changed_one_is_quarantined(private_home, tmp_path, monkeypatch):
    # SHA256SUMS lists every bundled file with its real sha256 (recomputed here); a bundled file that no longer
    # matches is refused before parsing, named, and the published warehouse is kept.
    import shutil

    from sources.ingestion.registry import SOURCES

    data = tmp_path / "data"
    shutil.copytree(get_settings().data_dir, data)
    sums = dict(
        reversed(line.split(maxsplit=1)) for line in (data / "SHA256SUMS").read_text().splitlines() if line.strip()
    )
    for spec in SOURCES.values():
        for relative in spec.bundled:
            assert sums[relative] == _digest(data / relative), relative
    with open(data / "urssaf" / "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv", "ab") as f:
        f.write(b"\n")  # one byte more: same content for a parser, not the file that was shipped
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data))
    before = _digest(get_settings().warehouse_path)
    summary = run_refresh()
    assert summary["quarantined"] == ["urssaf_effectifs"]
    outcome = next(o for o in summary["sources"] if o["source_id"] == "urssaf_effectifs")
    message = " ".join(outcome["messages"])
    assert "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv" in message and "SHA256SUMS" in message
    assert _digest(get_settings().warehouse_path) == before


def test_a_changed_parser_or_rule_validates_unchanged_files_again(small_private_home, monkeypatch):
    # Same files, other reader (a source module's parser or rules edited): the content is parsed and validated
    # again instead of being trusted as `unchanged`, and the no-change night does not answer for it.
    from flows import unchanged
    from sources.ingestion import gate
    from sources.ingestion.registry import SOURCES

    settings = get_settings()
    spec = SOURCES["urssaf_effectifs"]
    assert gate._refresh(settings, spec, None, force=False, accept_shrink=False).status == "unchanged"
    assert unchanged._content_unchanged(settings, spec)
    monkeypatch.setattr(gate, "reader_fingerprint", lambda source_id: "another parser")
    monkeypatch.setattr(unchanged, "reader_fingerprint", lambda source_id: "another parser")
    assert not unchanged._content_unchanged(settings, spec)
    assert gate._refresh(settings, spec, None, force=False, accept_shrink=False).status == "validated"
