"""The gate between a producer's file and the warehouse: fetch → parse → validate → keep or quarantine.

- store/validated/<source>.parquet + .json: the last good parse of each source and its metadata (the
  warehouse is always built from these files, so a failing source keeps its last good data published);
- store/quarantine/<source>/<sha256>/report.md|json: why a content was refused (file, rule, failing rows);
- store/validated/previous/<source>.parquet + .json: the content it replaced (restored when the build's geography
  audit traces a violation back to the new content: `restore_previous`, `quarantine_after_audit`);
- store/attempts/<source>.json: the last attempt, whatever its end (validated, unchanged, quarantined, crashed);
- the content hash of the last good version tells whether a source changed since the last successful run.

Every error while fetching, reading, parsing or validating a source ends as that source's quarantine; only a
failure of the pipeline's own storage (InfrastructureError, naming the path) escapes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from expectations import completeness, degradation
from expectations.runner import RuleResult, ValidationReport, validate, write_report
from sources.errors import FetchError, InfrastructureError, SourceError
from sources.ingestion import online, scope
from sources.ingestion.fetch import combined_sha256, fetch, file_sha256, is_url, storage
from sources.ingestion.origins import configured_origins
from sources.ingestion.registry import SOURCES, SourceSpec, reader_fingerprint
from sources.ingestion.settings import PROJECT_ROOT, Origin, Settings


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
    partitions: dict[str, int] = field(default_factory=dict)  # rows per partition of the content seen
    online: str | None = None  # online mode: the edition fetched, or why the previous one is kept (stale)


def last_good(settings: Settings, source_id: str) -> dict | None:
    """Metadata of the last good content (None when there is none, or when its metadata is unreadable: the
    source is then validated again from its landed files)."""
    meta = settings.validated_dir / f"{source_id}.json"
    if not meta.exists() or not (settings.validated_dir / f"{source_id}.parquet").exists():
        return None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data if isinstance(data, dict) and "sha256" in data else None


def store_problem(settings: Settings, source_id: str, meta: dict | None = None) -> str | None:
    """Why the validated store of a source cannot be trusted (its Parquet file differs from the sha256 recorded
    when it was validated), or None."""
    meta = meta or last_good(settings, source_id)
    if meta is None:
        return None
    parquet = settings.validated_dir / f"{source_id}.parquet"
    recorded = meta.get("parquet_sha256")
    if recorded is None:
        return f"{parquet}: no recorded sha256 (validated by an older version)"
    actual = file_sha256(parquet)
    if actual != recorded:
        return f"{parquet}: sha256 {actual[:12]}… differs from the recorded {recorded[:12]}… (modified since validated)"
    return None


def _atomic_write_bytes(path: Path, writer) -> None:
    with storage(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        writer(tmp)
        os.replace(tmp, path)


def write_json_atomic(path: Path, data) -> None:
    _atomic_write_bytes(
        path, lambda p: p.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    )


def _quarantine(settings: Settings, report: ValidationReport) -> SourceOutcome:
    folder = settings.quarantine_dir / report.source_id / (report.sha256 or "unreadable")
    with storage(folder):
        path = write_report(report, folder)
    _atomic_write_bytes(settings.quarantine_dir / report.source_id / "latest", lambda p: p.write_text(str(folder)))
    return SourceOutcome(report.source_id, "quarantined", report.sha256, messages=report.messages(), report=str(path))


def _file_in_traceback(exc: BaseException, paths: list[Path]) -> str | None:
    """The landed file a parser was reading when it raised (a local `path` in the innermost parser frame)."""
    names = {str(p): p.name for p in paths}
    found = None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        for value in frame.f_locals.values():
            if isinstance(value, Path | str) and str(value) in names:
                found = names[str(value)]
    return found


def _project_line(exc: BaseException) -> str:
    """The innermost line of the project's own code in the traceback (file:line), else the innermost line."""
    frames = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(exc.__traceback__)]
    ours = [(f, n) for f, n in frames if f.startswith(str(PROJECT_ROOT)) and "/.venv/" not in f]
    filename, line = (ours or frames or [("?", 0)])[-1]
    shown = Path(filename).relative_to(PROJECT_ROOT) if filename.startswith(str(PROJECT_ROOT)) else Path(filename).name
    return f"{shown}:{line}"


def _error_report(
    spec: SourceSpec,
    files: list[str],
    sha: str,
    exc: BaseException,
    paths: list[Path] | None = None,
    parsed: bool = False,
) -> ValidationReport:
    """The quarantine report of an error raised while reading (`parsed` False) or, once parsed, while checking or
    storing the content (a column the rules expect is missing, a column mixing types Arrow cannot store …)."""
    if isinstance(exc, SourceError):
        rule, detail, where, file = exc.rule, exc.detail, [exc.where()], exc.file
    elif isinstance(exc, FetchError):
        rule, detail, where, file = "fetch", str(exc), [], None
    elif parsed:  # the frame the rules or the store could not take (or a fault of our own checking code: the
        # detail names the project line that raised, for a developer)
        rule, detail, where, file = (
            "checkable_content",
            f"the parsed content could not be checked or stored: {type(exc).__name__}: {exc} "
            f"(raised at {_project_line(exc)})",
            [],
            None,
        )
    else:  # an error no parser foresaw: still this source's alone, named with the file being read
        file = _file_in_traceback(exc, paths or [])
        rule, detail = "readable_file", f"cannot read the file: {type(exc).__name__}: {exc}"
        where = [f"file {file}"] if file else []
    result = RuleResult(
        batch="fetch" if isinstance(exc, FetchError) else "check" if parsed else "read",
        rule=rule,
        expectation="parse",
        column=getattr(exc, "column", None),
        severity="critical",
        success=False,
        sample_rows=getattr(exc, "rows", [])[:10],
        sample_values=[str(v) for v in getattr(exc, "values", [])[:10]],
        error=detail,
        locations=where,
    )
    return ValidationReport(spec.id, [file] if file else files, sha, [result], 0.0)


def not_configured_marker(table: pa.Table) -> str:
    """The content hash of a source with no file: its empty schema's, so that a parser whose schema changed
    republishes its empty frame."""
    return "not_configured:" + hashlib.sha256(str(table.schema).encode()).hexdigest()[:16]


def _not_configured(settings: Settings, spec: SourceSpec, started: float) -> SourceOutcome:
    """No file bundled or configured: publish the empty schema so that the models run, and say so."""
    message = (
        f"{spec.id}: no file bundled or configured (add it to origins.yml); indicators that need it are "
        "reported as not computable"
    )
    previous = last_good(settings, spec.id)
    table = pa.Table.from_pandas(spec.empty(), preserve_index=False)
    marker = not_configured_marker(table)
    if (
        previous is None
        or previous["sha256"] != marker
        or previous.get("reader") != reader_fingerprint(spec.id)
        or store_problem(settings, spec.id, previous)
    ):
        _publish_validated(settings, spec.id, table, marker, [], [message], [], {})
        changed = True  # e.g. a file was removed from the configuration
    else:
        changed = False
    return SourceOutcome(
        spec.id, "not_configured", "not_configured", 0, time.perf_counter() - started, notes=[message], changed=changed
    )


def _publish_validated(
    settings: Settings,
    source_id: str,
    table: pa.Table,
    sha: str,
    files: list[dict],
    notes: list[str],
    warnings: list[str],
    partitions: dict[str, int],
) -> None:
    parquet = settings.validated_dir / f"{source_id}.parquet"
    _keep_previous(settings, source_id)
    _atomic_write_bytes(parquet, lambda p: pq.write_table(table, p))
    meta = {
        "source_id": source_id,
        "sha256": sha,
        "rows": table.num_rows,
        "files": files,
        "validated_at": datetime.now(UTC).isoformat(),
        "notes": notes,
        "warnings": warnings,
        "partitions": partitions,
        "parquet_sha256": file_sha256(parquet),  # checked before every build reads the store
        "reader": reader_fingerprint(source_id),  # the parser and rules that validated it
        "scope": scope.current().name,  # the extent whose bounds it passed (ingestion/scope.py): france in real runs
    }
    write_json_atomic(settings.validated_dir / f"{source_id}.json", meta)


def _previous_paths(settings: Settings, source_id: str) -> tuple[Path, Path]:
    folder = settings.validated_dir / "previous"
    return folder / f"{source_id}.parquet", folder / f"{source_id}.json"


def _keep_previous(settings: Settings, source_id: str) -> None:
    """The last good content about to be replaced, kept until the next build has audited its successor."""
    meta = last_good(settings, source_id)
    if meta is None or str(meta.get("sha256", "")).startswith("not_configured"):
        return
    parquet, meta_path = _previous_paths(settings, source_id)
    current = settings.validated_dir / f"{source_id}.parquet"
    _atomic_write_bytes(parquet, lambda p: p.write_bytes(current.read_bytes()))
    write_json_atomic(meta_path, meta)


def previous_content(settings: Settings, source_id: str) -> Path | None:
    """The Parquet file of the content the last validation replaced (None when there is none)."""
    parquet, meta = _previous_paths(settings, source_id)
    return parquet if parquet.exists() and meta.exists() else None


def restore_previous(settings: Settings, source_id: str) -> bool:
    """Put back the content the last validation replaced (its Parquet and metadata, as validated then)."""
    parquet, meta = _previous_paths(settings, source_id)
    if not (parquet.exists() and meta.exists()):
        return False
    _atomic_write_bytes(settings.validated_dir / f"{source_id}.parquet", lambda p: p.write_bytes(parquet.read_bytes()))
    _atomic_write_bytes(settings.validated_dir / f"{source_id}.json", lambda p: p.write_bytes(meta.read_bytes()))
    return True


def quarantine_after_audit(
    settings: Settings, source_id: str, meta: dict, violations: list[dict], locations: list[str]
) -> SourceOutcome:
    """The new content of a source that passed its own rules but breaks the geography once built with the others
    (an unknown commune, a passage pair read backwards …): quarantined with the violations it causes."""
    files = [f["filename"] for f in meta.get("files", [])]
    result = RuleResult(
        batch="geography_audit",
        rule="geography_consistent_with_other_sources",
        expectation="warehouse_audit",
        column=None,
        severity="critical",
        success=False,
        observed=f"{len(violations)} critical violation(s) naming codes of this content",
        sample_values=[f"{v.get('table_name')} {v.get('rule')}: {v.get('detail')}" for v in violations[:10]],
        why="the content passed its own rules, but the warehouse built from it and the last good content of the "
        "other sources fails the geography checks on codes this content introduced; the last good content stays",
        locations=locations[:10] or [f"file {f}" for f in files],
    )
    report = ValidationReport(source_id, files, meta.get("sha256", ""), [result], 0.0)
    outcome = _quarantine(settings, report)
    record_attempt(settings, outcome)
    return outcome


def record_attempt(settings: Settings, outcome: SourceOutcome | dict, error: str | None = None) -> None:
    """The last attempt of a source, whatever its end, for `observatoire status`."""
    o = asdict(outcome) if isinstance(outcome, SourceOutcome) else outcome
    at = datetime.now(UTC).isoformat(timespec="seconds")
    before = last_attempt(settings, o["source_id"]) or {}
    seen = o.get("online")
    if seen is None and not online.enabled() and o["status"] == "unchanged" and str(
            before.get("online") or "").startswith("stale"):
        seen = before["online"]  # not asked on this run (not online): what the producer last answered still holds
    stale = str(seen or "").startswith("stale")
    write_json_atomic(
        settings.store_dir / "attempts" / f"{o['source_id']}.json",
        {
            "source_id": o["source_id"],
            "status": o["status"],
            "at": at,
            "sha256": o.get("sha256"),
            "report": o.get("report"),
            "messages": o.get("messages", [])[:5],
            "online": seen,
            # since when the producer has not delivered (kept across the nights it stays stale)
            "stale_since": (before.get("stale_since") or at) if stale else None,
            "error": error,
        },
    )


def producer_stale(settings: Settings, source_id: str) -> tuple[str, str] | None:
    """(since when, why) the source's producer has not delivered on the online runs (its previous edition kept),
    or None."""
    attempt = last_attempt(settings, source_id) or {}
    seen = str(attempt.get("online") or "")
    if not seen.startswith("stale"):
        return None
    return str(attempt.get("stale_since") or attempt.get("at")), seen.removeprefix("stale: ")


def last_attempt(settings: Settings, source_id: str) -> dict | None:
    path = settings.store_dir / "attempts" / f"{source_id}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def refresh_source(
    settings: Settings,
    source_id: str,
    origins: list[str | Origin] | None = None,
    force: bool = False,
    accept_shrink: bool = False,
    probe_only: bool = False,
) -> SourceOutcome:
    """Bring one source up to date. Never raises for bad input: a bad content is quarantined and reported.
    Raises InfrastructureError only when the pipeline's own storage fails.

    `probe_only` (the no-change night): land the files (online: a conditional request) but parse nothing; a content
    that is not the last good one answers status `changed`, unrecorded, and the full run takes over."""
    started = time.perf_counter()
    try:
        outcome = _refresh(settings, SOURCES[source_id], origins, force, accept_shrink, probe_only)
    except InfrastructureError as exc:
        record_attempt(settings, {"source_id": source_id, "status": "crashed"}, error=str(exc))
        raise
    outcome.seconds = time.perf_counter() - started
    if outcome.status != "changed":
        record_attempt(settings, outcome)
    return outcome


def resolve_origins(settings: Settings, spec: SourceSpec, origins: list[str | Origin] | None) -> list[Origin]:
    chosen = origins or configured_origins(settings).get(spec.id)
    if not chosen:
        # bundled files must be the ones shipped: their sha256 in sources/data/SHA256SUMS is enforced by fetch
        sums = bundled_checksums(settings.data_dir)
        chosen = [Origin(str(settings.data_dir / p), sums.get(p)) for p in spec.bundled]
    return [o if isinstance(o, Origin) else Origin(str(o)) for o in chosen]


def bundled_checksums(data_dir: Path) -> dict[str, str]:
    """`SHA256SUMS` of the data directory: relative path → sha256 (empty when the file is absent)."""
    sums = data_dir / "SHA256SUMS"
    if not sums.exists():
        return {}
    pairs = (line.split(maxsplit=1) for line in sums.read_text(encoding="utf-8").splitlines() if line.strip())
    return {name.strip().lstrip("*"): sha for sha, name in pairs}


def _last_good_frame(settings: Settings, source_id: str, meta: dict | None, columns: list[str]):
    """The columns of the last good content that a comparison reads (None: no last good content, or unreadable,
    or without these columns: the comparison then only applies its absolute parts)."""
    if meta is None or str(meta.get("sha256", "")).startswith("not_configured"):
        return None
    parquet = settings.validated_dir / f"{source_id}.parquet"
    try:
        names = set(pq.read_schema(parquet).names)
        if not set(columns) <= names:
            return None
        return pq.read_table(parquet, columns=columns).to_pandas()
    except OSError:
        return None


def _online_origins(settings: Settings, spec: SourceSpec) -> tuple[list[Origin] | None, str | None]:
    """Online mode: the newest edition the producer serves (and the bundled extracts of the diagnostic beside
    it), or (None, why) when none could be fetched; (None, None) for a source the catalogue cannot fetch."""
    if not online.templated(spec.releases):
        return None, None
    today = online.today()
    urls = online.candidates(spec.releases, today) or [u for _, u, _ in spec.releases.editions]
    if (offline := online.probe(urls)) is not None:
        return None, f"offline ({offline})"
    if spec.releases.editions:  # editions side by side: every one the producer serves
        served, tried = online.served_editions(spec, today)
        if not served:
            return None, f"no edition reachable ({tried})"
        return [Origin(url, land_as=name) for url, name in served], None
    url, tried = online.newest(spec, today)
    if url is None:
        return None, f"no edition reachable ({tried})"
    sums = bundled_checksums(settings.data_dir)
    extracts = [Origin(str(settings.data_dir / p), sums.get(p)) for p in spec.extract_files]
    return [Origin(url), *extracts], None


def fetched_online(settings: Settings, spec: SourceSpec) -> bool:
    """This run fetches the source from its producer (online mode, a catalogued URL, no origins.yml override)."""
    return online.enabled() and online.templated(spec.releases) and spec.id not in configured_origins(settings)


def _stale(spec: SourceSpec, previous: dict, why: str) -> SourceOutcome:
    """The producer did not deliver a new edition: the last good content stays published, said stale."""
    return SourceOutcome(spec.id, "unchanged", previous["sha256"], previous["rows"],
                         notes=previous.get("notes", []), online=f"stale: {why}")


def _refresh(
    settings: Settings, spec: SourceSpec, origins: list[str | Origin] | None, force: bool, accept_shrink: bool,
    probe_only: bool = False,
) -> SourceOutcome:
    started = time.perf_counter()
    online_origins = None
    if origins is None and fetched_online(settings, spec):
        online_origins, why = _online_origins(settings, spec)
        if online_origins is None and why is not None:
            if (previous := last_good(settings, spec.id)) is not None:
                return _stale(spec, previous, why)
    outcome = _refresh_from(settings, spec, online_origins or origins, force, accept_shrink, started, probe_only,
                            online=bool(online_origins))
    if online_origins and outcome.online is None:
        outcome.online = "fetched " + ", ".join(o.location for o in online_origins if is_url(o.location))
    return outcome


def _refresh_from(
    settings: Settings,
    spec: SourceSpec,
    origins: list[str | Origin] | None,
    force: bool,
    accept_shrink: bool,
    started: float,
    probe_only: bool = False,
    online: bool = False,
) -> SourceOutcome:
    resolved = resolve_origins(settings, spec, origins)
    if not resolved:
        return _not_configured(settings, spec, started)
    names = [o.name for o in resolved]
    previous = last_good(settings, spec.id)
    try:
        landed = [fetch(spec.id, o.location, settings.landing_dir, expected_sha256=o.sha256, filename=o.land_as)
                  for o in resolved]
    except FetchError as exc:
        if online and previous is not None:  # timeout, body cut short, 5xx after the retries: not the content's
            return _stale(spec, previous, str(exc))  # fault; the previous edition stays published
        return _quarantine(settings, _error_report(spec, names, "", exc))
    sha = combined_sha256(landed)
    notes_before: list[str] = []
    if previous and previous["sha256"] == sha and previous.get("reader") == reader_fingerprint(spec.id) and not force:
        problem = store_problem(settings, spec.id, previous)
        if problem is None:
            outcome = SourceOutcome(spec.id, "unchanged", sha, previous["rows"], notes=previous.get("notes", []))
            if online:
                web = [f for f in landed if is_url(f.origin)]
                outcome.online = ("checked " if all(f.not_modified for f in web) else "fetched ") + ", ".join(
                    f.origin + (" (304 not modified)" if f.not_modified else " (same content)") for f in web)
            return outcome
        notes_before.append(f"validated store rebuilt from the landed files: {problem}")
    if probe_only:
        return SourceOutcome(spec.id, "changed", sha)
    paths = [Path(f.path) for f in landed]
    try:
        parsed = spec.parser(paths)
    except Exception as exc:  # noqa: BLE001 (any reader error is this source's, reported with its file)
        return _quarantine(settings, _error_report(spec, names, sha, exc, paths))
    try:  # checked and converted: an error here is still this source's (its quarantine, not a crash of the run)
        rules = spec.completeness or completeness.Completeness()
        extra = completeness.check(rules, parsed.frame, names, scope.current())
        partitions = completeness.partition_counts(rules, parsed.frame)
        old = completeness.last_good_counts(rules, previous, settings.validated_dir / f"{spec.id}.parquet")
        extra.append(completeness.shrinkage(rules, partitions, old, accept_shrink))
        if spec.degradation is not None:
            good = _last_good_frame(settings, spec.id, previous, degradation.columns_needed(spec.degradation))
            extra += degradation.compare(spec.degradation, parsed.frame, good, names)
        report = validate(spec.id, parsed.frame, names, sha, spec.expectations, extra=extra, scope=scope.current())
        table = pa.Table.from_pandas(parsed.frame, preserve_index=False) if report.success else None
    except (InfrastructureError, MemoryError):  # the pipeline's own failure, not this source's content
        raise
    except Exception as exc:  # noqa: BLE001
        return _quarantine(settings, _error_report(spec, names, sha, exc, paths, parsed=True))
    warnings = [w.describe(", ".join(names)) for w in report.warnings]
    notes = notes_before + parsed.notes
    if not report.success:
        outcome = _quarantine(settings, report)
        outcome.warnings, outcome.notes, outcome.partitions = warnings, notes, partitions
        return outcome
    with storage(settings.store_dir / "validation" / spec.id):
        write_report(report, settings.store_dir / "validation" / spec.id)
    files = [{k: v for k, v in asdict(f).items() if k != "not_modified"} for f in landed]
    _publish_validated(settings, spec.id, table, sha, files, notes, warnings, partitions)
    return SourceOutcome(
        spec.id, "validated", sha, table.num_rows, notes=notes, warnings=warnings, partitions=partitions
    )
