"""A source is one module under sources/: the registry finds it, refuses a declaration that cannot run, and what
ships (bundled files, configured checksums, references) stays inside the repository and as recorded."""

import hashlib
import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sources
from sources.errors import SourceDeclarationError
from sources.ingestion.gate import refresh_source
from sources.ingestion.registry import SOURCES, discover
from sources.ingestion.settings import PROJECT_ROOT, Settings, get_settings

URSSAF_FILE = "urssaf/effectifs-salaries-prive-ze2010-extrait-diagnostic.csv"


def test_every_module_that_declares_sources_is_in_the_registry():
    declared = []
    for info in pkgutil.iter_modules(sources.__path__):
        module = importlib.import_module(f"sources.{info.name}")
        declared += [spec.id for spec in getattr(module, "SOURCES", [])] if info.name != "registry" else []
    assert sorted(declared) == sorted(SOURCES), "one registry entry per declared spec, none elsewhere"
    assert all(spec.expectations for spec in SOURCES.values())


def _package(tmp_path: Path, monkeypatch, name: str, body: str) -> str:
    """A throwaway package `name` with one producer module `fake.py` declaring `body`."""
    (tmp_path / name).mkdir(parents=True)
    (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / name / "fake.py").write_text(
        "from expectations import rules as r\n"
        "from sources.parsing import Parsed\n"
        "from sources.spec import SourceSpec\n"
        "def parse(paths):\n    return Parsed(None)\n"
        "def spec(**kw):\n"
        "    return SourceSpec(producer='p', product='p', product_page='p', official_urls=(), licence='l',\n"
        "                      attribution='a', parser=parse, layout='l', **kw)\n" + body
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_a_source_without_expectations_is_refused_when_discovered(tmp_path, monkeypatch):
    package = _package(tmp_path, monkeypatch, "no_rules_pkg", "SOURCES = [spec(id='fake', bundled=('f.csv',))]\n")
    with pytest.raises(SourceDeclarationError, match=r"fake\.py: source 'fake' declares no expectations"):
        discover(package)


def test_a_source_declared_twice_or_without_data_is_refused(tmp_path, monkeypatch):
    rules = "RULES = (r.Batch('rows', r.whole, [r.not_null('x', 'x_present')]),)\n"
    twice = rules + "SOURCES = [spec(id='a', bundled=('f',), expectations=RULES)] * 2\n"
    with pytest.raises(SourceDeclarationError, match="'a' is already declared in .*fake.py"):
        discover(_package(tmp_path / "1", monkeypatch, "twice_pkg", twice))
    nothing = rules + "SOURCES = [spec(id='b', bundled=(), expectations=RULES)]\n"
    with pytest.raises(SourceDeclarationError, match="'b' bundles no file and gives no empty schema"):
        discover(_package(tmp_path / "2", monkeypatch, "nothing_pkg", nothing))
    not_rules = "SOURCES = [spec(id='c', bundled=('f',), expectations=(('rows', None, ['x']),))]\n"
    with pytest.raises(SourceDeclarationError, match=r"'c': .* is not a Batch"):
        discover(_package(tmp_path / "3", monkeypatch, "bad_pkg", not_rules))


def test_a_configured_sha256_is_enforced(tmp_path):
    # origins.yml gives the file and the sha256 it must have; another content is quarantined, naming the file
    origin = tmp_path / "effectifs.csv"
    shutil.copy(get_settings().data_dir / URSSAF_FILE, origin)
    wrong, right = "0" * 64, hashlib.sha256(origin.read_bytes()).hexdigest()
    for sha, status in ((wrong, "quarantined"), (right.upper(), "validated")):
        config = tmp_path / f"origins-{status}.yml"
        config.write_text(f"urssaf_effectifs:\n  - path: {origin}\n    sha256: '{sha}'\n", encoding="utf-8")
        settings = Settings(data_dir=get_settings().data_dir, home=tmp_path / status, origins_path=config)
        outcome = refresh_source(settings, "urssaf_effectifs")
        assert outcome.status == status, outcome
    message = " ".join(refresh_source(_settings_with(tmp_path, wrong, origin), "urssaf_effectifs").messages)
    assert "effectifs.csv" in message and f"differs from the expected {wrong}" in message


def _settings_with(tmp_path: Path, sha: str, origin: Path) -> Settings:
    config = tmp_path / "origins-again.yml"
    config.write_text(f"urssaf_effectifs:\n  - path: {origin}\n    sha256: '{sha}'\n", encoding="utf-8")
    return Settings(data_dir=get_settings().data_dir, home=tmp_path / "again", origins_path=config)


def test_a_bundled_file_that_differs_from_sha256sums_is_quarantined_before_parsing(tmp_path):
    data = tmp_path / "data"
    (data / "urssaf").mkdir(parents=True)
    shutil.copy(get_settings().data_dir / "SHA256SUMS", data / "SHA256SUMS")
    shipped = (get_settings().data_dir / URSSAF_FILE).read_bytes()
    (data / URSSAF_FILE).write_bytes(shipped + b"\n")  # one byte more: the same rows, not the file that shipped
    outcome = refresh_source(Settings(data_dir=data, home=tmp_path / "home"), "urssaf_effectifs")
    assert outcome.status == "quarantined" and outcome.rows is None
    message = " ".join(outcome.messages)
    assert URSSAF_FILE.split("/")[1] in message and "SHA256SUMS" in message


OUTSIDE = ("../shared", "/work/", "STACK_NOTES", "ARCHITECTURE.md", "CONVENTIONS.md")


def test_nothing_in_the_repository_refers_to_files_outside_it():
    tracked = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    this = Path(__file__).relative_to(PROJECT_ROOT).as_posix()
    found = []
    for name in tracked:
        path = PROJECT_ROOT / name
        if name == this or not path.is_file() or path.suffix in (".parquet", ".gz", ".xlsx", ".duckdb", ".png"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{name}: {needle}" for needle in OUTSIDE if needle in text]
    assert not found, found


def test_the_registry_loads_without_great_expectations():
    # rules are data: a night with nothing to refresh reads the registry without importing GX
    code = "import sys, sources.ingestion.registry; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
