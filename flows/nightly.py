"""The nightly refresh: fetch → validate (per source, in parallel) → build → cross-source checks → publish.

The build is skipped when no source changed since the last successful run and a warehouse is published.
Tasks receive and return paths, ids and small records — never DataFrames or connections.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import asdict

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.logging import get_logger
from prefect.task_runners import ThreadPoolTaskRunner

from expectations import cross_source
from expectations.gate import last_good, refresh_source
from reports import reproduction
from sources.registry import SOURCES
from sources.settings import PROJECT_ROOT, Settings, get_settings
from warehouse import build as wh


@contextmanager
def single_run(settings: Settings):
    """One refresh at a time per warehouse (a second one fails fast instead of racing on the files)."""
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.store_dir / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another refresh holds {settings.store_dir / '.lock'}") from exc
        yield


def _logger():
    return get_run_logger() if FlowRunContext.get() else get_logger("observatoire")


@task(name="refresh-source", retries=0)
def refresh_source_task(source_id: str, force: bool = False) -> dict:
    return asdict(refresh_source(get_settings(), source_id, force=force))


def sources_frame(settings: Settings) -> pd.DataFrame:
    rows = []
    for source_id in SOURCES:
        meta = last_good(settings, source_id)
        if meta is None:
            raise RuntimeError(
                f"source {source_id} has never passed validation: nothing to build it from "
                f"(see {settings.quarantine_dir / source_id})"
            )
        rows.append(
            {
                "source_id": source_id,
                "sha256": meta["sha256"],
                "rows": meta["rows"],
                "n_files": len(meta["files"]),
                "files": ", ".join(f["filename"] for f in meta["files"]),
                "validated_at": meta["validated_at"],
            }
        )
    return pd.DataFrame(rows)


@task(name="build-and-publish")
def build_task() -> dict:
    settings = get_settings()
    logger = _logger()
    sources = sources_frame(settings)
    steps = {
        "checks": lambda con: cross_source.run(con, settings.store_dir / "checks"),
        "reproduction": lambda con: reproduction.run(con, settings.validated_dir),
    }
    result = wh.build(settings.warehouse_path, settings.validated_dir, sources, log=logger.info, steps=steps)
    wh.publish(result.tmp_path, settings.warehouse_path)
    published = {s["source_id"]: s["sha256"] for s in sources.to_dict("records")} | {"_pipeline": code_fingerprint()}
    (settings.store_dir / "published.json").write_text(json.dumps(published, indent=1), encoding="utf-8")
    return {
        "models": result.models,
        "seconds": round(result.seconds, 2),
        "checks": [
            {"check": r.source_id, "warnings": [w.describe(r.files[0]) for w in r.warnings]}
            for r in result.steps["checks"]
        ],
        "reproduction": result.steps["reproduction"],
    }


def code_fingerprint() -> str:
    """Hash of everything that shapes the warehouse besides the data: models, configuration, catalogue, methods."""
    root = PROJECT_ROOT
    files = sorted(
        [
            *root.glob("transforms/sql/*/*.sql"),
            *root.glob("transforms/*.yml"),
            *root.glob("transforms/methods/*.py"),
            root / "warehouse/columns.yml",
            root / "warehouse/build.py",
            *root.glob("reports/*.py"),
            root / "reports/figure_map.yml",
            *root.glob("expectations/*.py"),
        ]
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def stale_sources(settings: Settings) -> list[str]:
    """Sources whose last good content differs from the one in the published warehouse (and `pipeline` when the
    models, configuration or methods changed since that warehouse was built)."""
    path = settings.store_dir / "published.json"
    published = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    stale = [] if published.get("_pipeline") == code_fingerprint() else ["pipeline"]
    for source_id in SOURCES:
        meta = last_good(settings, source_id)
        if meta and published.get(source_id) != meta["sha256"]:
            stale.append(source_id)
    return stale


def run_refresh(source_ids: list[str] | None = None, force: bool = False) -> dict:
    """Flow body, also callable without the Prefect engine (`nightly_refresh.fn`)."""
    started = time.perf_counter()
    settings = get_settings()
    with single_run(settings):
        ids = source_ids or list(SOURCES)
        unknown = sorted(set(ids) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown source id(s) {unknown}; known: {sorted(SOURCES)}")
        if FlowRunContext.get():  # inside the Prefect flow: sources refresh in parallel task runs
            outcomes = [f.result() for f in [refresh_source_task.submit(i, force) for i in ids]]
        else:  # plain call (tests, `nightly_refresh.fn`): no engine
            outcomes = [refresh_source_task.fn(i, force) for i in ids]
        changed = stale_sources(settings)
        summary = {"sources": outcomes, "built": False, "build": None, "changed": changed}
        if changed or force or not settings.warehouse_path.exists():
            summary["build"] = build_task() if FlowRunContext.get() else build_task.fn()
            summary["built"] = True
            summary["skip_reason"] = None
        else:
            summary["skip_reason"] = "no source and no model changed since the last successful run"
        summary["seconds"] = round(time.perf_counter() - started, 2)
        summary["warehouse"] = str(settings.warehouse_path)
        summary["quarantined"] = [o["source_id"] for o in outcomes if o["status"] == "quarantined"]
    return summary


@flow(name="nightly-refresh", task_runner=ThreadPoolTaskRunner(max_workers=2), log_prints=True)
def nightly_refresh(source_ids: list[str] | None = None, force: bool = False) -> dict:
    summary = run_refresh(source_ids, force)
    logger = _logger()
    for o in summary["sources"]:
        (logger.warning if o["status"] == "quarantined" else logger.info)(
            f"{o['source_id']}: {o['status']} ({o['rows']} rows, {o['seconds']:.1f}s) {' | '.join(o['messages'])}"
        )
    logger.info(f"build: {'done' if summary['built'] else 'skipped: ' + summary['skip_reason']}; {summary['seconds']}s")
    return summary
