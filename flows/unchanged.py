"""A night with nothing to refresh, answered in about two seconds, without Prefect, Great Expectations or matplotlib.

`observatoire run` (without --force) asks `unchanged_run` first. It answers None — and the full run proceeds, with
the Prefect engine — unless every file of every source is a local file whose content (sha256) is the last good one,
the validated store is intact and was validated by the same parser and rules, no model, configuration or method
changed since the published warehouse was built and that warehouse exists. Then it does what the full run does when
nothing changed, minus the engine: under the run lock, heal the state, bring each source up to date through the same
gate (each is `unchanged`; the attempt is recorded), skip the build and record the run (store/last_run.json, shown
by `observatoire status`).
A source fetched from a URL configured in origins.yml takes the full run (a download decides whether it changed).
Online (`--online`), each catalogued source asks its producer (or mirror) under the lock — a HEAD per candidate
edition and a conditional GET of the newest (ETag / Last-Modified kept per origin): when every answer is a 304, the
same content hash or a producer that did not answer (the previous edition stays, said stale), the night is the
same no-change night; a new content hands over to the full run (its download is landed, so the full run's own
conditional request costs a 304).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa

from flows.state import SKIP_REASON, heal_state, preflight, single_run, stale_sources, write_run_state
from sources.ingestion.fetch import combined_sha256, is_url, local_sha256
from sources.ingestion.gate import (
    fetched_online,
    last_good,
    not_configured_marker,
    refresh_source,
    resolve_origins,
    store_problem,
)
from sources.ingestion.registry import SOURCES, SourceSpec, reader_fingerprint
from sources.ingestion.settings import Settings


def _content_unchanged(settings: Settings, spec: SourceSpec) -> bool:
    """The source's files hash to its last good content (read locally, nothing landed or parsed)."""
    previous = last_good(settings, spec.id)
    if previous is None or previous.get("reader") != reader_fingerprint(spec.id):
        return False  # never validated, or validated by another parser or other rules
    if fetched_online(settings, spec):  # its producer is asked under the run lock (`probe_only`)
        return store_problem(settings, spec.id, previous) is None
    origins = resolve_origins(settings, spec, None)
    if not origins:
        sha = not_configured_marker(pa.Table.from_pandas(spec.empty(), preserve_index=False))
    elif any(is_url(o.location) for o in origins):
        return False
    else:
        try:
            files = [
                SimpleNamespace(filename=o.name, sha256=local_sha256(settings.landing_dir, spec.id, Path(o.location)))
                for o in origins
            ]
        except OSError:  # missing or unreadable: the full run quarantines it, naming the file
            return False
        if any(o.sha256 and o.sha256.lower() != f.sha256 for o, f in zip(origins, files, strict=True)):
            return False
        sha = combined_sha256(files)
    return previous["sha256"] == sha and store_problem(settings, spec.id, previous) is None


def unchanged_run(
    settings: Settings, source_ids: list[str] | None = None, accept_shrink: list[str] | None = None
) -> dict | None:
    """The summary of a run with nothing to do (same shape as `run_refresh`'s), or None: run the full refresh.
    Raises ConfigError (bad configuration, unknown source id) and BusyError like the full run."""
    started = time.perf_counter()
    ids = source_ids or list(SOURCES)
    preflight(settings, ids, accept_shrink)
    if not settings.warehouse_path.exists() or stale_sources(settings):
        return None
    if not all(_content_unchanged(settings, SOURCES[i]) for i in ids):
        return None
    with single_run(settings):
        write_run_state(settings, status="running", sources=ids)
        try:
            healed = heal_state(settings)
            outcomes = [asdict(refresh_source(settings, i, probe_only=True)) for i in ids]
        except BaseException as exc:  # e.g. the landing area cannot be written: recorded as the full run does
            write_run_state(settings, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        if any(o["status"] not in ("unchanged", "not_configured") or o["changed"] for o in outcomes) or (
            stale_sources(settings)
        ):  # a file changed since the check above: the full run takes over (it records the run itself)
            return None
        seconds = round(time.perf_counter() - started, 2)
        write_run_state(settings, status="ok", quarantined=[], built=False, seconds=seconds, engine="none")
    return {
        "sources": outcomes,
        "built": False,
        "build": None,
        "changed": [],
        "healed": healed,
        "skip_reason": SKIP_REASON + " (decided before starting the Prefect engine)",
        "seconds": seconds,
        "warehouse": str(settings.warehouse_path),
        "quarantined": [],
    }
