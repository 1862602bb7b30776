"""The nightly refresh: fetch → validate (per source, in parallel) → build → cross-source checks → publish.

The build is skipped when no source changed since the last successful run and a warehouse is published.
Tasks receive and return paths, ids and small records — never DataFrames or connections.

At start (under the run lock) the state heals: temp files of a killed run are removed, a corrupt
published.json / landing manifest / quarantine pointer is named and rebuilt from what is on disk. The Prefect
flow run ends Failed when a source is quarantined, with the quarantine reports and the summary as artifacts.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.logging import get_logger
from prefect.task_runners import ThreadPoolTaskRunner

from expectations import cross_source
from expectations.gate import last_good, refresh_source, store_problem, write_json_atomic
from flows.state import (  # noqa: F401  (re-exported: callers and tests import them from here)
    code_fingerprint,
    heal_state,
    preflight,
    published_from_warehouse,
    read_published,
    single_run,
    stale_sources,
    write_json_lines,
    write_run_state,
)
from reports import reproduction
from sources.registry import SOURCES
from sources.settings import Settings, get_settings
from warehouse import build as wh


def _logger():
    return get_run_logger() if FlowRunContext.get() else get_logger("observatoire")


@task(name="refresh-source", retries=0)
def refresh_source_task(source_id: str, force: bool = False, accept_shrink: bool = False) -> dict:
    return asdict(refresh_source(get_settings(), source_id, force=force, accept_shrink=accept_shrink))


def sources_frame(settings: Settings) -> pd.DataFrame:
    """The last good content of every source, each checked against the sha256 recorded when it was validated
    (a store file modified since is never built from)."""
    rows = []
    for source_id in SOURCES:
        meta = last_good(settings, source_id)
        if meta is None:
            raise RuntimeError(
                f"source {source_id} has never passed validation: nothing to build it from "
                f"(see {settings.quarantine_dir / source_id})"
            )
        if problem := store_problem(settings, source_id, meta):
            raise RuntimeError(f"validated store of {source_id} refused: {problem}")
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
    write_json_atomic(settings.store_dir / "published.json", published)
    return {
        "models": result.models,
        "seconds": round(result.seconds, 2),
        "checks": [
            {"check": r.source_id, "warnings": [w.describe(r.files[0]) for w in r.warnings]}
            for r in result.steps["checks"]
        ],
        "reproduction": result.steps["reproduction"],
    }


def run_refresh(
    source_ids: list[str] | None = None, force: bool = False, accept_shrink: list[str] | None = None
) -> dict:
    """Flow body, also callable without the Prefect engine (`nightly_refresh.fn`).

    Raises ConfigError (bad configuration or source id), BusyError (another run holds the lock),
    InfrastructureError (the pipeline's own storage failed); a bad source only quarantines that source."""
    started = time.perf_counter()
    settings = get_settings()
    ids = source_ids or list(SOURCES)
    preflight(settings, ids, accept_shrink)
    with single_run(settings):
        write_run_state(settings, status="running", sources=ids)
        try:
            summary = _refresh_all(settings, ids, force, set(accept_shrink or []))
        except BaseException as exc:
            write_run_state(settings, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        summary["seconds"] = round(time.perf_counter() - started, 2)
        write_run_state(
            settings,
            status="quarantined" if summary["quarantined"] else "ok",
            quarantined=summary["quarantined"],
            built=summary["built"],
            seconds=summary["seconds"],
        )
    return summary


def _refresh_all(settings: Settings, ids: list[str], force: bool, accept: set[str]) -> dict:
    healed = heal_state(settings)
    for source_id in ids:  # a store file modified since validation is validated again from its landed files
        if last_good(settings, source_id) and (problem := store_problem(settings, source_id)):
            healed.append(f"{problem}; {source_id} is validated again")
    if FlowRunContext.get():  # inside the Prefect flow: sources refresh in parallel task runs
        futures = [refresh_source_task.submit(i, force, i in accept) for i in ids]
        outcomes = [f.result() for f in futures]
    else:  # plain call (tests, `nightly_refresh.fn`): no engine
        outcomes = [refresh_source_task.fn(i, force, i in accept) for i in ids]
    changed = stale_sources(settings)
    summary = {"sources": outcomes, "built": False, "build": None, "changed": changed, "healed": healed}
    if changed or force or not settings.warehouse_path.exists():
        summary["build"] = build_task() if FlowRunContext.get() else build_task.fn()
        summary["built"] = True
        summary["skip_reason"] = None
    else:
        summary["skip_reason"] = "no source and no model changed since the last successful run"
    summary["warehouse"] = str(settings.warehouse_path)
    summary["quarantined"] = [o["source_id"] for o in outcomes if o["status"] == "quarantined"]
    return summary


def quarantine_markdown(summary: dict) -> str:
    """The quarantine reports of this run, one after the other (the Prefect markdown artifact)."""
    parts = [f"# Quarantined: {', '.join(summary['quarantined'])}", ""]
    for o in summary["sources"]:
        if o["status"] != "quarantined":
            continue
        parts += [f"## {o['source_id']}", "", *[f"- {m}" for m in o["messages"]], ""]
        if o.get("report") and Path(o["report"]).exists():
            parts += [Path(o["report"]).read_text(encoding="utf-8"), ""]
    return "\n".join(parts)


def summary_rows(summary: dict) -> list[dict]:
    return [
        {
            "source": o["source_id"],
            "status": o["status"],
            "sha256": (o["sha256"] or "")[:12],
            "rows": o["rows"] or 0,
            "seconds": round(o["seconds"], 1),
            "details": " | ".join(o["messages"] + o["warnings"])[:500],
        }
        for o in summary["sources"]
    ]


@flow(name="nightly-refresh", task_runner=ThreadPoolTaskRunner(max_workers=2), log_prints=True)
def nightly_refresh(
    source_ids: list[str] | None = None, force: bool = False, accept_shrink: list[str] | None = None
):
    """The nightly job. Ends Failed (with the reports as artifacts) when a source is quarantined; the summary
    is the state's data either way (`state.result(raise_on_failure=False)`)."""
    summary = run_refresh(source_ids, force, accept_shrink)
    logger = _logger()
    for o in summary["sources"]:
        (logger.warning if o["status"] == "quarantined" else logger.info)(
            f"{o['source_id']}: {o['status']} ({o['rows']} rows, {o['seconds']:.1f}s) {' | '.join(o['messages'])}"
        )
    logger.info(f"build: {'done' if summary['built'] else 'skipped: ' + summary['skip_reason']}; {summary['seconds']}s")
    if FlowRunContext.get() is None:
        return summary
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    from prefect.states import Completed, Failed

    create_table_artifact(summary_rows(summary), key="nightly-summary", description="Sources of this run")
    if summary["quarantined"]:
        create_markdown_artifact(
            quarantine_markdown(summary), key="quarantine-report", description="Why sources were quarantined"
        )
        return Failed(
            message=f"quarantined: {', '.join(summary['quarantined'])} (last good data kept in the warehouse)",
            data=summary,
        )
    return Completed(message="all sources refreshed", data=summary)
