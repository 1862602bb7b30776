"""State that heals, a busy warehouse, the store checked before a build, and the Prefect state of the flow."""

import fcntl
import json
import shutil

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.nightly import heal_state, read_published, run_refresh, sources_frame
from sources.errors import BusyError
from sources.ingestion.fetch import read_manifest
from sources.ingestion.settings import get_settings

runner = CliRunner()


def test_corrupt_state_files_are_named_and_rebuilt(small_private_home):
    settings = get_settings()
    expected = json.loads((settings.store_dir / "published.json").read_text())
    (settings.store_dir / "published.json").write_text("")  # a crash inside a non-atomic write
    manifest = settings.landing_dir / "manifest.jsonl"
    good_records, _ = read_manifest(settings.landing_dir)
    manifest.write_text(manifest.read_text()[:-40])  # half a line
    latest = settings.quarantine_dir / "dgcl_epci" / "latest"
    latest.parent.mkdir(parents=True, exist_ok=True)
    latest.write_text("/nowhere")
    leftovers = [
        settings.warehouse_path.with_name("observatoire.duckdb.tmp"),
        settings.landing_dir / ".fetch-abc123",
        settings.validated_dir / ".dgcl_epci.parquet.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b"partial")

    notes = " | ".join(heal_state(settings))

    assert "published.json: unreadable" in notes and "manifest.jsonl: unreadable" in notes and "latest" in notes
    rebuilt = read_published(settings)
    assert {k: v for k, v in rebuilt.items() if k != "_pipeline"} == {
        k: v for k, v in expected.items() if k != "_pipeline"
    }
    records, problem = read_manifest(settings.landing_dir)
    assert problem is None
    assert {r["sha256"] for r in records} == {r["sha256"] for r in good_records}  # every landed content
    assert not latest.exists()
    assert not any(p.exists() for p in leftovers)


def test_a_corrupt_validated_meta_makes_the_source_validate_again(small_private_home):
    settings = get_settings()
    (settings.validated_dir / "urssaf_effectifs.json").write_text("{")
    summary = run_refresh(["urssaf_effectifs"])
    assert summary["sources"][0]["status"] == "validated"
    assert any("urssaf_effectifs.json: unreadable" in n for n in summary["healed"])
    assert not summary["built"], "same content as published: nothing to rebuild"


def test_a_modified_store_file_is_never_built_from(small_private_home):
    import pandas as pd

    settings = get_settings()
    store = settings.validated_dir / "ors_indicateurs.parquet"
    frame = pd.read_parquet(store)
    frame.loc[1, "valeur"] = 999.0  # written behind the pipeline's back
    frame.to_parquet(store)
    with pytest.raises(RuntimeError, match="ors_indicateurs.*differs from the recorded"):
        sources_frame(settings)
    summary = run_refresh(["ors_indicateurs"])  # the next run validates it again from its landed file
    assert summary["sources"][0]["status"] == "validated"
    assert 999.0 not in pd.read_parquet(store)["valeur"].tolist()
    assert any("ors_indicateurs" in n for n in summary["healed"])


def test_a_second_refresh_is_busy_exit_5(small_private_home):
    settings = get_settings()
    with open(settings.store_dir / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BusyError):
            run_refresh()
        result = runner.invoke(app, ["run", "--no-prefect"])
    assert result.exit_code == 5, result.output
    assert "busy" in result.output and "Traceback" not in result.output


def test_status_reports_a_crashed_run(small_private_home):
    settings = get_settings()
    (settings.store_dir / "last_run.json").write_text(json.dumps({"status": "running", "pid": 2**22 + 12345}))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0 and "crashed" in result.output


@pytest.mark.slow  # starts Prefect's temporary server (10–20 s)
def test_prefect_flow_run_fails_when_a_source_is_quarantined(private_home, private_data):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.nightly import nightly_refresh

    (private_data / "urssaf" / "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv").write_bytes(b"")
    state = nightly_refresh(return_state=True)
    assert state.is_failed() and "urssaf_effectifs" in state.message
    summary = state.result(raise_on_failure=False)
    assert summary["quarantined"] == ["urssaf_effectifs"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        )
    kinds = {a.key: a.type for a in artifacts}
    assert kinds == {"quarantine-report": "markdown", "nightly-summary": "table"}
    report = next(a for a in artifacts if a.key == "quarantine-report")
    assert "non_empty_file" in report.data and "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv" in report.data


def test_an_unwritable_landing_area_fails_the_run_naming_the_path(small_private_home):
    settings = get_settings()
    shutil.rmtree(settings.landing_dir)
    settings.landing_dir.write_text("not a folder")  # the landing area cannot be created: infrastructure
    before = settings.warehouse_path.read_bytes()
    result = runner.invoke(app, ["run", "--no-prefect"])
    assert result.exit_code == 1, result.output
    assert str(settings.landing_dir) in result.output.replace("\n", "") and "Traceback" not in result.output
    assert settings.warehouse_path.read_bytes() == before
    assert json.loads((settings.store_dir / "last_run.json").read_text())["status"] == "failed"
