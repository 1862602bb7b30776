"""The refresh's state, without Prefect: the run lock, healing after a killed run, what the published warehouse
was built from, the last run's record, what is stale. Imported by the nightly flow and by the no-change check
(flows/unchanged.py), which must answer before Prefect, Great Expectations or matplotlib are imported."""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flows.configuration import check_configuration
from sources.errors import BusyError, ConfigError
from sources.ingestion import scope
from sources.ingestion.fetch import read_manifest, storage
from sources.ingestion.gate import last_good, producer_stale, write_json_atomic
from sources.ingestion.registry import SOURCES, code_digest
from sources.ingestion.settings import PROJECT_ROOT, Settings


@contextmanager
def single_run(settings: Settings):
    """One refresh at a time per warehouse (a second one fails fast instead of racing on the files)."""
    with storage(settings.store_dir):
        settings.store_dir.mkdir(parents=True, exist_ok=True)
        lock = open(settings.store_dir / ".lock", "a+")  # noqa: SIM115
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BusyError(
                f"busy: another refresh is running on {settings.home} (it holds {settings.store_dir / '.lock'}); "
                "try again when it ends (`observatoire status` shows the last run)"
            ) from exc
        yield


def heal_state(settings: Settings) -> list[str]:
    """Remove what a killed run left and rebuild corrupt state files from what is on disk; say what was done.
    Runs under the run lock, so nothing here belongs to a live run."""
    notes = []
    tmp = settings.warehouse_path.with_name(settings.warehouse_path.name + ".tmp")
    leftovers = [tmp, tmp.with_name(tmp.name + ".wal")]
    leftovers += list(settings.landing_dir.glob(".fetch-*")) + list(settings.landing_dir.glob(".manifest.jsonl.*"))
    leftovers += [p for p in settings.store_dir.rglob(".*.tmp")] if settings.store_dir.exists() else []
    with storage(settings.home):
        for path in leftovers:
            if path.exists():
                path.unlink()
                notes.append(f"removed {path} (left by an interrupted run)")
    records, problem = read_manifest(settings.landing_dir)
    if problem:
        manifest = settings.landing_dir / "manifest.jsonl"
        write_json_lines(manifest, records)
        notes.append(problem)
    published = settings.store_dir / "published.json"
    if published.exists() and read_published(settings) is None:
        write_json_atomic(published, published_from_warehouse(settings))
        notes.append(f"{published}: unreadable; rebuilt from the published warehouse's cfg_sources")
    for latest in settings.quarantine_dir.glob("*/latest") if settings.quarantine_dir.exists() else []:
        try:
            target = Path(latest.read_text(encoding="utf-8").strip())
            ok = (target / "report.md").exists()
        except (OSError, UnicodeDecodeError):
            ok = False
        if not ok:
            latest.unlink()
            notes.append(f"{latest}: pointed at no report; removed")
    for source_id in SOURCES:
        meta = settings.validated_dir / f"{source_id}.json"
        if meta.exists() and last_good(settings, source_id) is None:
            notes.append(f"{meta}: unreadable; {source_id} is validated again from its files")
    return notes


def write_json_lines(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with storage(path):
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        os.replace(tmp, path)


def read_published(settings: Settings) -> dict | None:
    """What the published warehouse was built from ({} when nothing was published, None when unreadable)."""
    path = settings.store_dir / "published.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def published_from_warehouse(settings: Settings) -> dict:
    """published.json rebuilt from the warehouse itself (its cfg_sources table); the pipeline fingerprint is
    unknown, so the next run rebuilds (safe: same inputs give the same warehouse)."""
    from warehouse.db import connect_readonly  # here: duckdb (0.2 s) is not needed by the no-change night

    if not settings.warehouse_path.exists():
        return {}
    try:
        con = connect_readonly(settings.warehouse_path)
        try:
            rows = con.sql("SELECT source_id, sha256 FROM cfg_sources").fetchall()
            try:  # the editions kept because their producer stopped delivering (a warehouse since issue 22)
                kept = dict(con.sql("SELECT source_id, stale_since FROM cfg_sources WHERE stale_since IS NOT NULL"
                                    ).fetchall())
            except Exception:  # noqa: BLE001 (an older warehouse: none recorded)
                kept = {}
        finally:
            con.close()
    except Exception:  # noqa: BLE001 (an unreadable warehouse: rebuild everything)
        return {}
    return {source_id: sha for source_id, sha in rows} | {"_pipeline": "unknown (rebuilt state)", "_stale": kept}


def write_run_state(settings: Settings, **state) -> None:
    """store/last_run.json: the last run's status (running | ok | quarantined | failed | busy…), for `status`."""
    path = settings.store_dir / "last_run.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        previous = {}
    if state.get("status") == "running":
        previous = {}
    write_json_atomic(path, previous | state | {"pid": os.getpid(), "at": datetime.now(UTC).isoformat()})


def code_fingerprint() -> str:
    """Hash of everything that shapes the warehouse besides the data: models, configuration, catalogue, methods."""
    root = PROJECT_ROOT
    files = sorted(
        [
            *root.glob("transforms/sql/*/*.sql"),
            *root.glob("transforms/*.yml"),
            *root.glob("transforms/*.py"),  # the runner writes indicator_values' SQL; levels.py feeds the audit
            *root.glob("transforms/methods/*.py"),
            root / "warehouse/columns.yml",
            root / "warehouse/tables.yml",
            root / "warehouse/build.py",
            *root.glob("reports/*.py"),
            root / "reports/figure_map.yml",
            *root.glob("expectations/*.py"),
            *root.glob("sources/**/*.py"),  # parsers and each source's rules: what the validated store holds
            *root.glob("sources/*.yml"),
        ]
    )
    # a run over another extent (OBSERVATOIRE_SCOPE) is another warehouse: the published one is stale for it
    return scope.tagged(code_digest(files))


SKIP_REASON = "no source and no model changed since the last successful run"


def stale_sources(settings: Settings) -> list[str]:
    """Sources whose last good content differs from the one in the published warehouse (and `pipeline` when the
    models, configuration or methods changed since that warehouse was built)."""
    published = read_published(settings) or {}
    stale = [] if published.get("_pipeline") == code_fingerprint() else ["pipeline"]
    for source_id in SOURCES:
        meta = last_good(settings, source_id)
        if meta and published.get(source_id) != meta["sha256"]:
            stale.append(source_id)
    if published.get("_stale", {}) != producers_stale(settings):  # the publication says which editions are kept
        stale.append(STALE_EDITIONS)
    return stale


STALE_EDITIONS = "editions_kept"  # a producer stopped (or resumed) delivering: the publication must say so


def producers_stale(settings: Settings) -> dict[str, str]:
    """Source → since when its producer has not delivered (online runs; its previous edition is kept)."""
    return {source_id: kept[0] for source_id in SOURCES if (kept := producer_stale(settings, source_id))}


def preflight(settings: Settings, ids: list[str] | None, accept_shrink: list[str] | None, probe_lock=False) -> None:
    """What must hold before a run starts: known source ids, every configuration file valid (ConfigError), and
    with `probe_lock` no other run on this warehouse (BusyError) — checked by the CLI before the Prefect engine
    starts, so that a mistake or a busy warehouse is one clear line, not a failed flow run with a traceback."""
    for option, given in (("--source", ids or []), ("--accept-shrink", accept_shrink or [])):
        unknown = sorted(set(given) - set(SOURCES))
        if unknown:
            raise ConfigError(f"{option}: unknown source id(s) {unknown}; valid ids: {', '.join(sorted(SOURCES))}")
    check_configuration(settings)  # a configuration mistake stops the run before anything is touched
    if probe_lock:
        with single_run(settings):
            pass
