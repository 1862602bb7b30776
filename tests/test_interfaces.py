"""The users' interfaces: schedule, CLI, snapshots, analyst queries."""

import hashlib
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app
from sources.ingestion.settings import PROJECT_ROOT, get_settings

runner = CliRunner()
CLI = str(Path(sys.executable).parent / "observatoire")


def test_nightly_deployment_schedule_without_a_server():
    from flows.schedule import deployment

    dep = deployment()
    assert dep.name == "nightly"
    cron = dep.schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("0 2 * * *", "Europe/Paris")


def test_prefect_yaml_declares_the_same_schedule():
    import yaml

    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    (dep,) = spec["deployments"]
    assert dep["entrypoint"] == "flows/nightly.py:nightly_refresh"
    assert dep["schedules"][0] == {"cron": "0 2 * * *", "timezone": "Europe/Paris", "active": True}


def test_sql_is_read_only(built_home):
    result = runner.invoke(app, ["sql", "DROP TABLE indicator_values"])
    assert result.exit_code == 3 and "refused" in result.output
    result = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM indicator_values", "--format", "csv"])
    assert result.exit_code == 0 and int(result.output.splitlines()[1]) > 1_000_000


def test_territories_indicators_status(built_home):
    result = runner.invoke(app, ["territories", "--level", "epci", "--geo-year", "2011", "--search", "lievin"])
    assert result.exit_code == 0 and "246200364" in result.output  # accents ignored in the search
    result = runner.invoke(app, ["indicators"])
    assert result.exit_code == 0 and "indice_jeunesse" in result.output
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0 and "insee_population" in result.output
    for command in ("run", "sql", "export", "report", "territories", "status", "serve", "indicators"):
        assert runner.invoke(app, [command, "--help"]).exit_code == 0


def _data_hash(path: Path) -> str:
    frame = pq.read_table(path).to_pandas()
    frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes()).hexdigest()


@pytest.mark.parametrize(
    "home",
    [
        "small_private_home",  # the small real geography: two snapshots in a second
        pytest.param("built_home", marks=pytest.mark.slow),  # France: two full snapshots (≈ 20 s)
    ],
)
def test_export_twice_gives_identical_data_and_csv_equals_parquet(home, request, tmp_path):
    request.getfixturevalue(home)
    first = runner.invoke(app, ["export", "--year", "2013", "--out", str(tmp_path / "a")])
    second = runner.invoke(app, ["export", "--year", "2013", "--out", str(tmp_path / "b")])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    a, b = tmp_path / "a" / "2013", tmp_path / "b" / "2013"
    parquets = sorted(p.name for p in a.glob("*.parquet"))
    from reports.export import MARTS

    assert parquets == sorted(p.name for p in b.glob("*.parquet")) == sorted(f"{m}.parquet" for m in MARTS)
    for name in parquets:
        assert _data_hash(a / name) == _data_hash(b / name)
        table = pq.read_table(a / name)
        expected = table.to_pandas()
        text_columns = {f.name: str for f in table.schema if str(f.type) in ("string", "large_string")}
        csv = pd.read_csv(
            a / name.replace(".parquet", ".csv"),
            sep=";",
            decimal=",",
            dtype=text_columns,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_values=[""],
        )
        assert (a / name.replace(".parquet", ".csv")).read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM
        pd.testing.assert_frame_equal(csv, expected, check_dtype=False)
    metadata = (a / "metadata.json").read_text()
    assert "ODbL" in metadata and "sha256" in metadata and "row_counts" in metadata
    sums = (a / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((a / name).read_bytes()).hexdigest() == digest


def test_export_rejects_an_unknown_format(built_home, tmp_path):
    result = runner.invoke(app, ["export", "--year", "2013", "--format", "xlsx", "--out", str(tmp_path)])
    assert result.exit_code == 4 and "xlsx" in result.output


def test_analyst_guide_queries_run_on_the_published_warehouse(warehouse):
    guide = (PROJECT_ROOT / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", guide, flags=re.S)
    assert len(queries) >= 10
    for query in queries:
        rows = warehouse.sql(query).fetchall()
        assert rows, f"no row for:\n{query}"


def test_sql_answers_while_a_refresh_runs(small_private_home):  # a rebuild of the small real geography
    from flows.nightly import run_refresh

    done = {}
    builder = threading.Thread(target=lambda: done.update(run_refresh(force=True)))
    builder.start()
    answers = []
    while builder.is_alive():
        out = subprocess.run(
            [CLI, "sql", "SELECT count(*) FROM territories", "--format", "csv"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        answers.append(out.returncode)
        time.sleep(0.5)
    builder.join()
    assert done["built"] and answers and set(answers) == {0}
    assert get_settings().warehouse_path.exists()


def test_diagnostic_levels_are_the_warehouse_levels():
    """The published figures' level rule (sources/diagnostic.py) names the warehouse's levels (transforms/levels.py):
    a producer's module cannot import transforms, so the list is written twice and compared here."""
    from sources.diagnostic import LEVELS as DOCUMENT_LEVELS
    from transforms.levels import LEVELS

    assert DOCUMENT_LEVELS == LEVELS
