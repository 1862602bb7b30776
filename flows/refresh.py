"""The refresh without an engine: fetch → validate (per source) → build → cross-source checks → publish.

`observatoire run --no-prefect` calls it directly, and so does the Prefect flow (flows/nightly.py), which passes
its own task runs for the per-source refresh and the build: this module imports no Prefect (1 s of imports a
run without the engine does not need).

The build is skipped when no source changed since the last successful run and a warehouse is published.
Steps receive and return paths, ids and small records — never DataFrames or connections.

At start (under the run lock) the state heals: temp files of a killed run are removed, a corrupt
published.json / landing manifest / quarantine pointer is named and rebuilt from what is on disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from expectations import cross_source
from flows.state import (
    SKIP_REASON,
    code_fingerprint,
    heal_state,
    preflight,
    producers_stale,
    single_run,
    stale_sources,
    write_run_state,
)
from reports import reproduction
from sources.emd.codes import code_table as emd_code_table
from sources.ingestion import scope
from sources.ingestion.editions import NO_EDITION, edition_of
from sources.ingestion.gate import (
    last_good,
    previous_content,
    producer_stale,
    quarantine_after_audit,
    refresh_source,
    restore_previous,
    store_problem,
    write_json_atomic,
)
from sources.ingestion.registry import SOURCES, document_extract_sources
from sources.ingestion.settings import Settings, get_settings
from warehouse import build as wh
from warehouse.build import AuditError

# (source ids, force, sources whose shrinkage is accepted) → one outcome record per source, in order
RefreshSources = Callable[[list[str], bool, set[str]], list[dict]]


def refresh_one(source_id: str, force: bool = False, accept_shrink: bool = False) -> dict:
    return asdict(refresh_source(get_settings(), source_id, force=force, accept_shrink=accept_shrink))


def refresh_side_by_side(ids: list[str], force: bool, accept: set[str]) -> list[dict]:
    """Two sources at a time in threads, as the Prefect flow's task runner does: a source's reading and parsing
    (Arrow, calamine, gzip: outside the GIL) overlaps another's validation (one at a time: expectations/runner.py)
    and the first import of Great Expectations (≈ 2 s). Outcomes in the order of `ids`."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="refresh-source") as pool:
        return list(pool.map(lambda i: refresh_one(i, force, i in accept), ids))


def sources_frame(settings: Settings) -> pd.DataFrame:
    """The last good content of every source, each checked against the sha256 recorded when it was validated
    (a store file modified since is never built from) and validated under this run's scope."""
    rows, elsewhere, run_scope = [], [], scope.current().name
    metas = {source_id: last_good(settings, source_id) for source_id in SOURCES}
    extracts = document_extract_sources({k: v for k, v in metas.items() if v}, settings.data_dir)
    for source_id, spec in SOURCES.items():
        meta = metas[source_id]
        if meta is None:
            raise RuntimeError(
                f"source {source_id} has never passed validation: nothing to build it from "
                f"(see {settings.quarantine_dir / source_id})"
            )
        if problem := store_problem(settings, source_id, meta):
            raise RuntimeError(f"validated store of {source_id} refused: {problem}")
        validated_under = scope.of_meta(meta)
        if validated_under != run_scope:  # bounds of one extent never publish as another's (a cut as France)
            elsewhere.append(f"{source_id} ({validated_under})")
        rows.append(
            {
                "source_id": source_id,
                "sha256": meta["sha256"],
                "parquet_sha256": meta.get("parquet_sha256"),
                "rows": meta["rows"],
                "n_files": len(meta["files"]),
                "files": ", ".join(f["filename"] for f in meta["files"]),
                "validated_at": meta["validated_at"],
                # which edition the content holds and when it was received; whether its producer stopped delivering
                **(edition_of(settings.validated_dir / f"{source_id}.parquet", [f["filename"] for f in meta["files"]])
                   if spec.role == "input" else NO_EDITION),  # the 2013 document's own tables have no edition
                "landed_at": max((f.get("fetched_at") or "" for f in meta["files"]), default="") or None,
                # files shipped in sources/data: « received » would be the day of this clone, not the producer's
                "bundled": bool(meta["files"]) and all(_bundled(settings, f.get("origin")) for f in meta["files"]),
                "stale_since": (kept := producer_stale(settings, source_id)) and kept[0],
                "stale_reason": kept and kept[1],
                "scope": validated_under,
                # what the reports need to credit and qualify a source, as data (they never import sources/)
                "producer": spec.producer,
                "product": spec.product,
                "product_page": spec.product_page,
                "licence": spec.licence,
                "attribution": spec.attribution,
                "role": spec.role,
                "source_kind": "document_extract" if source_id in extracts else "independent",
            }
        )
    if elsewhere:
        raise RuntimeError(
            f"nothing built: the last good content of {', '.join(elsewhere)} passed the bounds of another scope than "
            f"this run's, {run_scope!r} ({scope.SCOPE_ENV}); run `observatoire run` (every source) under "
            f"{run_scope!r} until they validate, or set {scope.SCOPE_ENV} back"
        )
    text = ["edition", "edition_kind", "landed_at", "stale_since", "stale_reason"]  # typed even when all empty
    return pd.DataFrame(rows).astype({**dict.fromkeys(text, "string"), "edition_geo_year": "Int64"})


def _bundled(settings: Settings, origin: str | None) -> bool:
    try:
        return Path(str(origin)).resolve().is_relative_to(settings.data_dir.resolve())
    except (OSError, ValueError):
        return False


def build_models(log: Callable[[str], object] = lambda _message: None, incremental: bool = True) -> dict:
    """Stage 1: the models, from the validated store, into the unpublished `<warehouse>.tmp`, audited; only those
    downstream of what changed unless `incremental` is False (`observatoire run --force`)."""
    settings = get_settings()
    sources = sources_frame(settings)
    result = wh.build(
        settings.warehouse_path, settings.validated_dir, sources, log=log,
        code_lists={"cfg_emd_codes": emd_code_table()},  # code lists reach the transforms as data
        incremental=incremental,
    )
    return {"tmp_path": str(result.tmp_path), "models": result.models, "seconds": round(result.seconds, 2),
            "rebuilt": sum(1 for m in result.models if m.get("rebuilt")),
            "sources": {s["source_id"]: s["sha256"] for s in sources.to_dict("records")}}


def check_sources_together(tmp_path: str) -> list[dict]:
    """Stage 2: the cross-source checks (GX warnings on the built check_* tables)."""
    settings = get_settings()
    con = wh.open_built(Path(tmp_path))
    try:
        reports = cross_source.run(con, settings.store_dir / "checks")
    finally:
        con.close()
    return [{"check": r.source_id, "warnings": [w.describe(r.files[0]) for w in r.warnings]} for r in reports]


def reproduce_diagnostic(tmp_path: str) -> dict:
    """Stage 3: the reproduction of the 2013 diagnostic, read from the built warehouse only (its reference tables
    and indicator values); it adds the `reproduction` table."""
    con = wh.open_built(Path(tmp_path))
    try:
        return reproduction.run(con)
    finally:
        con.close()


def publish(tmp_path: str, sources: dict[str, str]) -> None:
    """Stage 4: document every table, publish atomically, record what was published."""
    settings = get_settings()
    wh.finish(Path(tmp_path), settings.warehouse_path)
    write_json_atomic(settings.store_dir / "published.json",
                      sources | {"_pipeline": code_fingerprint(), "_stale": producers_stale(settings)})


def _call(function: Callable, *args):
    return function(*args)


def build_and_publish(
    log: Callable[[str], object] = lambda _message: None, stage: Callable = _call, incremental: bool = True
) -> dict:
    """The four stages after the sources, in order; `stage(function, *args)` runs one (the Prefect flow passes
    one that makes each a task run of its own)."""
    built = stage(build_models, log, incremental)
    try:
        checks = stage(check_sources_together, built["tmp_path"])
        reproduced = stage(reproduce_diagnostic, built["tmp_path"])
    except BaseException:
        wh.discard(Path(built["tmp_path"]))
        raise
    stage(publish, built["tmp_path"], built["sources"])
    return {"models": built["models"], "seconds": built["seconds"], "rebuilt": built["rebuilt"], "checks": checks,
            "reproduction": reproduced}


def run_refresh(
    source_ids: list[str] | None = None,
    force: bool = False,
    accept_shrink: list[str] | None = None,
    refresh: RefreshSources = refresh_side_by_side,
    build: Callable[..., dict] = build_and_publish,
) -> dict:
    """One refresh. `refresh` brings the sources up to date (two at a time in threads here; the Prefect flow
    passes its task runs), `build` builds, audits and publishes the warehouse when something changed.

    Raises ConfigError (bad configuration or source id), BusyError (another run holds the lock),
    InfrastructureError (the pipeline's own storage failed); a bad source only quarantines that source."""
    started = time.perf_counter()
    settings = get_settings()
    ids = list(dict.fromkeys(source_ids or SOURCES))  # `--source x --source x` refreshes x once
    preflight(settings, ids, accept_shrink)
    with single_run(settings):
        write_run_state(settings, status="running", sources=ids)
        try:
            summary = _refresh_all(settings, ids, force, set(accept_shrink or []), refresh, build)
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


def _refresh_all(
    settings: Settings, ids: list[str], force: bool, accept: set[str], refresh: RefreshSources, build: Callable
) -> dict:
    healed = heal_state(settings)
    for source_id in ids:  # a store file modified since validation is validated again from its landed files
        if last_good(settings, source_id) and (problem := store_problem(settings, source_id)):
            healed.append(f"{problem}; {source_id} is validated again")
    outcomes = refresh(ids, force, accept)
    changed = stale_sources(settings)
    summary = {"sources": outcomes, "built": False, "build": None, "changed": changed, "healed": healed}
    if changed or force or not settings.warehouse_path.exists():
        try:
            summary["build"] = build(incremental=not force)
        except AuditError as exc:
            # a geography violation caused by one source's new content: that source is quarantined (its last good
            # content restored), the others are published
            if not (blamed := _blame(settings, outcomes, exc.violations)):
                raise
            for source_id, (causes, locations) in blamed.items():
                meta = last_good(settings, source_id) or {}
                restore_previous(settings, source_id)
                quarantined = quarantine_after_audit(settings, source_id, meta, causes, locations)
                index = next(i for i, o in enumerate(outcomes) if o["source_id"] == source_id)
                outcomes[index] = asdict(quarantined) | {"seconds": outcomes[index]["seconds"]}
            summary["build"] = build(incremental=not force)
        summary["built"] = True
        summary["skip_reason"] = None
    else:
        summary["skip_reason"] = SKIP_REASON
    summary["warehouse"] = str(settings.warehouse_path)
    summary["quarantined"] = [o["source_id"] for o in outcomes if o["status"] == "quarantined"]
    return summary


def _changed_rows(settings: Settings, source_id: str) -> pd.DataFrame:
    """Rows of a source's new content that its previous content did not have (provenance columns aside)."""
    new = pd.read_parquet(settings.validated_dir / f"{source_id}.parquet")
    old = pd.read_parquet(previous_content(settings, source_id))
    compared = [c for c in new.columns if c in old.columns and c not in ("source_file", "source_line", "source_cell")]
    key = new[compared].astype(str)
    seen = pd.MultiIndex.from_frame(old[compared].astype(str)) if compared else pd.MultiIndex.from_tuples([])
    return new[~pd.MultiIndex.from_frame(key).isin(seen)] if compared else new


def _blame(settings: Settings, outcomes: list[dict], violations: list[dict]) -> dict[str, tuple[list, list[str]]]:
    """Sources validated in this run whose new rows name the codes of the critical violations: source id →
    (its violations, where its new rows are). With one freshly validated source only, it is the cause of them all."""
    fresh = [o["source_id"] for o in outcomes
             if o["status"] == "validated" and previous_content(settings, o["source_id"]) is not None]
    if not fresh or not violations:
        return {}
    codes = {str(v.get("code")) for v in violations if v.get("code") not in (None, "FR")}
    blamed = {}
    for source_id in fresh:
        changed = _changed_rows(settings, source_id)
        text = changed.select_dtypes(exclude="number").astype(str)
        hit = text.isin(codes).any(axis=1)
        if not hit.any():
            continue
        named = set(text[hit].stack().tolist())
        causes = [v for v in violations if str(v.get("code")) in named]
        rows = changed[hit].head(10)
        if {"source_file", "source_line"} <= set(rows.columns):
            where = [f"file {f} line {n}" for f, n in zip(rows["source_file"], rows["source_line"], strict=True)]
        else:
            files = [f["filename"] for f in (last_good(settings, source_id) or {}).get("files", [])]
            where = [f"file {', '.join(files)} row {r}" for r in rows.to_dict("records")][:10]
        blamed[source_id] = (causes, where)
    if not blamed and len(fresh) == 1:
        blamed[fresh[0]] = (violations, [])
    return blamed


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


