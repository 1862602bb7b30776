"""Test settings: Prefect and the pipeline write only into temporary folders, offline.

Two real warehouses, each built once per session: `built_home` from the bundled France-wide data (the tests that
assert national figures), `small_home` from the small real geography (tests/small_geography.py: Nord and
Pas-de-Calais cut from the same files, built under OBSERVATOIRE_SCOPE=nord-pas-de-calais in a few seconds) for the
tests that exercise mechanics: synthetic records injected, quarantine and last good data, rebuilds. A test that
damages or rebuilds takes a private copy (`private_home`/`private_data`, `small_private_home`/`small_private_data`).
"""

import os
import tempfile
from pathlib import Path

from flows.offline import offline_env

_TMP = tempfile.mkdtemp(prefix="observatoire-tests-")
# Before anything imports prefect (a bare `import prefect` creates its home): a private PREFECT_HOME, no telemetry
# (the CLI's defaults).
os.environ.update(offline_env(Path(_TMP) / "prefect"))
os.environ["OBSERVATOIRE_HOME"] = os.path.join(_TMP, "home")
os.environ.pop("OBSERVATOIRE_SCOPE", None)  # a value exported in the shell would build `built_home` with a cut's bounds

import shutil  # noqa: E402

import pytest  # noqa: E402

from sources.ingestion.scope import SCOPE_ENV  # noqa: E402
from sources.ingestion.settings import PROJECT_ROOT, get_settings  # noqa: E402


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
    return _data_copy(get_settings().data_dir, tmp_path, monkeypatch)


def _data_copy(source: Path, tmp_path: Path, monkeypatch) -> Path:
    """`source` copied under tmp_path without its SHA256SUMS, and the settings pointed at the copy."""
    data = tmp_path / "data"
    shutil.copytree(source, data)
    (data / "SHA256SUMS").unlink()
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data))
    return data


def _use_small(monkeypatch, home: Path, data: Path) -> None:
    from small_geography import SCOPE

    monkeypatch.setenv("OBSERVATOIRE_HOME", str(home))
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data))
    monkeypatch.setenv(SCOPE_ENV, SCOPE.name)


@pytest.fixture(scope="session")
def small_data(tmp_path_factory) -> Path:
    """The bundled data cut to the small real geography, once per session (read-only: copy it to damage it)."""
    from small_geography import cut

    return cut(PROJECT_ROOT / "sources" / "data", tmp_path_factory.mktemp("small") / "data")


@pytest.fixture(scope="session")
def small_home(small_data, tmp_path_factory) -> Path:
    """A warehouse built once from the small real geography (no Prefect engine: the flow body itself)."""
    from flows.nightly import run_refresh

    home = tmp_path_factory.mktemp("small") / "home"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_small(monkeypatch, home, small_data)
        summary = run_refresh()
    assert summary["built"], summary
    assert not summary["quarantined"], summary
    return home


@pytest.fixture
def small_private_home(small_home, small_data, tmp_path, monkeypatch) -> Path:
    """A copy of the small build (landing, store, published warehouse) that a test may damage or rebuild; the
    settings point at it, at the small data and at its scope."""
    home = tmp_path / "home"
    shutil.copytree(small_home, home)
    _use_small(monkeypatch, home, small_data)
    return home


@pytest.fixture
def small_private_data(small_private_home, small_data, tmp_path, monkeypatch) -> Path:
    """A copy of the small data that a test may corrupt (without SHA256SUMS, as `private_data`)."""
    return _data_copy(small_data, tmp_path, monkeypatch)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Remove this session's own folder (the France-wide build, Prefect's home: ≈ 150 MB) when the tests end; pytest
    removes its own temporary folders (the small build, the copies; pyproject.toml keeps those of failed tests)."""
    shutil.rmtree(_TMP, ignore_errors=True)
