"""Test settings: Prefect and the pipeline write only into temporary folders, offline."""

import os
import tempfile
from pathlib import Path

from flows.offline import offline_env

_TMP = tempfile.mkdtemp(prefix="observatoire-tests-")
# Before anything imports prefect (a bare `import prefect` creates its home): a private PREFECT_HOME, no telemetry
# (the CLI's defaults).
os.environ.update(offline_env(Path(_TMP) / "prefect"))
os.environ["OBSERVATOIRE_HOME"] = os.path.join(_TMP, "home")

import shutil  # noqa: E402

import pytest  # noqa: E402

from sources.settings import get_settings  # noqa: E402


@pytest.fixture(scope="session")
def built_home() -> Path:
    """A warehouse built once from the bundled real data (no Prefect engine: the flow body itself)."""
    from flows.nightly import run_refresh

    summary = run_refresh()
    assert summary["built"], summary
    assert not summary["quarantined"], summary
    return get_settings().home


@pytest.fixture(scope="session")
def warehouse(built_home):
    from warehouse.db import connect_readonly

    con = connect_readonly(get_settings().warehouse_path)
    yield con
    con.close()


@pytest.fixture
def private_home(built_home, tmp_path, monkeypatch) -> Path:
    """A copy of the built home (landing, store, published warehouse) that a test may damage."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(home))
    return home


@pytest.fixture
def private_data(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled data directory that a test may corrupt (without SHA256SUMS, so that a damaged file
    reaches the rule under test instead of failing the checksum; tests/test_pipeline.py checks the checksums)."""
    data = tmp_path / "data"
    shutil.copytree(get_settings().data_dir, data)
    (data / "SHA256SUMS").unlink()
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data))
    return data
