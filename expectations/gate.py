"""The gate between a producer's file and the warehouse: fetch → parse → validate → keep or quarantine.

- store/validated/<source>.parquet + .json: the last good parse of each source and its metadata (the
  warehouse is always built from these files, so a failing source keeps its last good data published);
- store/quarantine/<source>/<sha256>/report.md|json: why a content was refused (file, rule, failing rows);
- the content hash of the last good version tells whether a source changed since the last successful run.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from expectations.runner import RuleResult, ValidationReport, validate, write_report
from sources.errors import FetchError, SourceError
from sources.fetch import combined_sha256, fetch
from sources.registry import SOURCES, SourceSpec
from sources.settings import Settings, configured_origins


@dataclass
class SourceOutcome:
    source_id: str
    status: str  # unchanged | validated | quarantined | not_configured
    sha256: str | None = None
    rows: int | None = None
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)  # why it was quarantined (file, rule, rows)
    notes: list[str] = field(default_factory=list)  # normalisations applied by the parser
    warnings: list[str] = field(default_factory=list)  # rules of severity warning that did not hold
    report: str | None = None
    changed: bool = False  # the published content of this source changes: the warehouse must be rebuilt


def last_good(settings: Settings, source_id: str) -> dict | None:
    meta = settings.validated_dir / f"{source_id}.json"
    if not meta.exists() or not (settings.validated_dir / f"{source_id}.parquet").exists():
        return None
    return json.loads(meta.read_text(encoding="utf-8"))


def _atomic_write_bytes(path: Path, writer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    os.replace(tmp, path)


def _quarantine(settings: Settings, report: ValidationReport) -> SourceOutcome:
    folder = settings.quarantine_dir / report.source_id / (report.sha256 or "unreadable")
    path = write_report(report, folder)
    (settings.quarantine_dir / report.source_id / "latest").write_text(str(folder), encoding="utf-8")
    return SourceOutcome(report.source_id, "quarantined", report.sha256, messages=report.messages(), report=str(path))


def _error_report(spec: SourceSpec, files: list[str], sha: str, exc: SourceError | FetchError) -> ValidationReport:
    rule = getattr(exc, "rule", "fetch")
    result = RuleResult(
        batch="read",
        rule=rule,
        expectation="parse",
        column=None,
        severity="critical",
        success=False,
        sample_rows=getattr(exc, "rows", [])[:10],
        error=getattr(exc, "detail", str(exc)),
    )
    failing = [getattr(exc, "file", None) or ", ".join(files)]
    return ValidationReport(spec.id, failing, sha, [result], 0.0)


def _not_configured(settings: Settings, spec: SourceSpec, started: float) -> SourceOutcome:
    """No file bundled or configured: publish the empty schema so that the models run, and say so."""
    message = (
        f"{spec.id}: no file bundled or configured (add it to origins.yml); indicators that need it are "
        "reported as not computable"
    )
    previous = last_good(settings, spec.id)
    table = pa.Table.from_pandas(spec.empty(), preserve_index=False)
    # the marker carries the schema, so that a parser whose schema changed republishes its empty frame
    marker = "not_configured:" + hashlib.sha256(str(table.schema).encode()).hexdigest()[:16]
    if previous is None or previous["sha256"] != marker:
        _atomic_write_bytes(settings.validated_dir / f"{spec.id}.parquet", lambda p: pq.write_table(table, p))
        meta = {
            "source_id": spec.id,
            "sha256": marker,
            "rows": 0,
            "files": [],
            "validated_at": datetime.now(UTC).isoformat(),
            "notes": [message],
            "warnings": [],
        }
        _atomic_write_bytes(
            settings.validated_dir / f"{spec.id}.json",
            lambda p: p.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"),
        )
        changed = True  # e.g. a file was removed from the configuration
    else:
        changed = False
    return SourceOutcome(
        spec.id, "not_configured", "not_configured", 0, time.perf_counter() - started, notes=[message], changed=changed
    )


def refresh_source(
    settings: Settings, source_id: str, origins: list[str] | None = None, force: bool = False
) -> SourceOutcome:
    """Bring one source up to date. Never raises for bad input: a bad content is quarantined and reported."""
    started = time.perf_counter()
    spec = SOURCES[source_id]
    origins = (
        origins
        or configured_origins(settings).get(source_id)
        or [str(p) for p in spec.bundled_paths(settings.data_dir)]
    )
    if not origins:
        return _not_configured(settings, spec, started)
    names = [Path(o).name for o in origins]
    try:
        landed = [fetch(spec.id, origin, settings.landing_dir) for origin in origins]
    except FetchError as exc:
        outcome = _quarantine(settings, _error_report(spec, names, "", exc))
        outcome.seconds = time.perf_counter() - started
        return outcome
    sha = combined_sha256(landed)
    previous = last_good(settings, source_id)
    if previous and previous["sha256"] == sha and not force:
        return SourceOutcome(
            source_id,
            "unchanged",
            sha,
            previous["rows"],
            time.perf_counter() - started,
            notes=previous.get("notes", []),
        )
    try:
        parsed = spec.parser([Path(f.path) for f in landed])
    except SourceError as exc:
        outcome = _quarantine(settings, _error_report(spec, names, sha, exc))
        outcome.seconds = time.perf_counter() - started
        return outcome
    report = validate(source_id, parsed.frame, names, sha)
    warnings = [w.describe(", ".join(names)) for w in report.warnings]
    if not report.success:
        outcome = _quarantine(settings, report)
        outcome.warnings, outcome.notes = warnings, parsed.notes
        outcome.seconds = time.perf_counter() - started
        return outcome
    table = pa.Table.from_pandas(parsed.frame, preserve_index=False)
    _atomic_write_bytes(settings.validated_dir / f"{source_id}.parquet", lambda p: pq.write_table(table, p))
    meta = {
        "source_id": source_id,
        "sha256": sha,
        "rows": table.num_rows,
        "files": [asdict(f) for f in landed],
        "validated_at": datetime.now(UTC).isoformat(),
        "notes": parsed.notes,
        "warnings": warnings,
    }
    write_report(report, settings.store_dir / "validation" / source_id)
    _atomic_write_bytes(
        settings.validated_dir / f"{source_id}.json",
        lambda p: p.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"),
    )
    return SourceOutcome(
        source_id,
        "validated",
        sha,
        table.num_rows,
        time.perf_counter() - started,
        notes=parsed.notes,
        warnings=warnings,
    )
