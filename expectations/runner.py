"""Run a source's declared rules on its parsed frame; turn failures into a readable quarantine report.

Great Expectations validates pandas frames: its SQL datasource does not work on DuckDB (through duckdb-engine,
GX 1.24 closes the pooled connection before fetching and every metric fails; regex is not supported for the
duckdb dialect; fivetran/great_expectations#11579, #10738).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from expectations.rules import Batch, Expect
from expectations.scope import FRANCE, Scope

SAMPLE = 10  # failing rows shown per rule
_FILE_IN_LOCATION = re.compile(r"^file (.+?)(?:, | sheet | line | row |$)")
_lock = threading.Lock()  # one GX context per process, used by one validation at a time
_context = None
_definitions: dict[str, object] = {}


@dataclass
class RuleResult:
    batch: str
    rule: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None = None
    element_count: int | None = None
    sample_rows: list = field(default_factory=list)
    sample_values: list = field(default_factory=list)
    observed: str | None = None
    why: str | None = None
    error: str | None = None
    # where the failing rows are in the delivered files: "epci_composition_2012.csv.gz line 6",
    # "chomage….xlsx sheet txcho_ze row 12" (line/row in THAT file, not in the concatenated frame)
    locations: list[str] = field(default_factory=list)

    @classmethod
    def of_failing(
        cls, batch: str, rule: str, expectation: str, failing: list[str], total: int, why: str,
        locations: list[str], column: str | None = None,
    ) -> RuleResult:
        """A critical rule checked outside Great Expectations (completeness, comparison with the last good
        content): `failing` says what fails, in words (the first SAMPLE shown); where, only when something fails."""
        return cls(
            batch=batch, rule=rule, expectation=expectation, column=column, severity="critical", success=not failing,
            observed=f"{len(failing)} of {total} failing" if failing else None, sample_values=failing[:SAMPLE],
            why=why, locations=locations if failing else [],
        )

    def describe(self, file: str) -> str:
        what = f"{self.unexpected_count} of {self.element_count} row(s) " if self.unexpected_count else ""
        where = f"in {compact(self.locations)}" if self.locations else f"in file {file}"
        rows = f", rows {self.sample_rows}" if self.sample_rows and not self.locations else ""
        values = f", values {self.sample_values}" if self.sample_values else ""
        observed = f", observed {self.observed}" if self.observed else ""
        error = f", error: {self.error}" if self.error else ""
        column = f", column {self.column}" if self.column else ""
        verdict = "failed" if self.severity == "critical" else "did not hold (warning)"
        return f"rule {self.rule} {verdict} ({self.batch}{column}): {what}{where}{rows}{values}{observed}{error}"

    def files(self) -> list[str]:
        """The delivered files this result points at (empty when it is about the whole content)."""
        return sorted({m.group(1) for loc in self.locations if (m := _FILE_IN_LOCATION.match(loc))})


@dataclass
class ValidationReport:
    source_id: str
    files: list[str]
    sha256: str
    results: list[RuleResult]
    seconds: float

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success and r.severity == "critical"]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success and r.severity != "critical"]

    @property
    def success(self) -> bool:
        return not self.failures

    def messages(self) -> list[str]:
        files = ", ".join(self.files)
        return [f"{self.source_id}: {r.describe(files)}" for r in self.failures]

    def failing_files(self) -> list[str]:
        """Files named by the failing rules' locations (all files when a rule is about the whole content)."""
        named = sorted({f for r in self.failures for f in r.files()})
        return named or self.files

    def to_markdown(self) -> str:
        lines = [
            f"# Validation of `{self.source_id}`",
            "",
            f"- files: {', '.join(self.files)}",
            *([f"- failing file(s): {', '.join(self.failing_files())}"] if self.failures else []),
            f"- content sha256: `{self.sha256}`",
            f"- result: **{'passed' if self.success else 'QUARANTINED'}** "
            f"({len(self.results)} rules, {len(self.failures)} failed, {len(self.warnings)} warnings)",
            "",
            "| batch | rule | column | severity | status | failing rows | where (file, sheet, line) | sample values |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in self.results:
            status = "ok" if r.success else "FAILED"
            where = "; ".join(r.locations[:SAMPLE]) or (str(r.sample_rows[:SAMPLE]) if r.sample_rows else "")
            values = [_cell_text(v) for v in r.sample_values[:SAMPLE]]
            lines.append(
                f"| {r.batch} | {r.rule} | {r.column or ''} | {r.severity} | {status} | "
                f"{r.unexpected_count if r.unexpected_count is not None else _cell_text(r.observed or '')} | "
                f"{_cell_text(where)} | {values if values else ''} |"
            )
        notes = [r for r in self.results if r.why or r.error]
        if notes:
            lines += ["", "Notes:"] + [f"- {r.rule}: {r.error or r.why}" for r in notes]
        return "\n".join(lines) + "\n"


def _cell_text(value) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def compact(locations: list[str]) -> str:
    """["file a line 3", "file a line 9", "file b line 2"] → "file a lines 3, 9; file b line 2"."""
    groups: dict[str, list[str]] = {}
    for loc in locations:
        head, _, number = loc.rpartition(" ")
        groups.setdefault(head, []).append(number)
    parts = []
    for head, numbers in groups.items():
        prefix, _, noun = head.rpartition(" ")
        if noun in ("line", "row", "cell") and prefix:
            parts.append(f"{prefix} {noun}{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}")
        else:
            parts += [f"{head} {n}" for n in numbers]
    return "; ".join(parts)


def locate(frame: pd.DataFrame, index: list) -> list[str]:
    """Row labels of a parsed frame → "file F line N" (or "file F sheet S row N"), for frames that carry the
    parser's `source_file`/`source_line` (and `sheet`) columns; [] otherwise."""
    if "source_file" not in frame.columns or "source_line" not in frame.columns:
        return []
    # pair and multi-column expectations give each failing row as a dict of its values with its label at "index"
    labels = [i.get("index") if isinstance(i, dict) else i for i in index]
    rows = frame.loc[[i for i in labels if i in frame.index]]
    files, lines = rows["source_file"].tolist(), rows["source_line"].tolist()
    if "sheet" in rows.columns and "source_cell" in rows.columns:
        cells = rows["source_cell"].tolist()
        return [f"file {f} sheet {s} cell {c}" for f, s, c in zip(files, rows["sheet"].tolist(), cells, strict=True)]
    if "sheet" in rows.columns:
        return [f"file {f} sheet {s} row {n}" for f, s, n in zip(files, rows["sheet"].tolist(), lines, strict=True)]
    return [f"file {f} line {n}" for f, n in zip(files, lines, strict=True)]


def _gx():
    global _context
    if _context is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # that module sets its own logger to INFO and announces a temporary folder for a docs site we never build:
        # the first line a reader of `observatoire run` saw under Prefect's console logging (warnings still show)
        logging.getLogger(ProgressBarsConfig.__module__).setLevel(logging.WARNING)
        _context = gx.get_context(mode="ephemeral")
        _context.variables.progress_bars = ProgressBarsConfig(globally=False)
        _context.data_sources.add_pandas("frames")
    return _context


def _forget_batches() -> None:
    """Drop the frames GX keeps after a run. Its pandas engine caches every batch's data for the life of the
    process (BatchManager.batch_data_cache, never cleared: 300 MB after a France-wide validation, held through
    the build and every night of `serve`); a validation never reuses them (each run loads its frame again)."""
    engine = _gx().data_sources.get("frames").get_execution_engine()
    engine.batch_manager.batch_data_cache.clear()
    engine.batch_manager.reset_batch_cache()


def _definition(source_id: str, batch: str, expectations: list[Expect], scope: Scope):
    """Register the suite (GX expectations built from the declared rules) and its validation definition once per
    process."""
    import great_expectations as gx

    name = f"{source_id}.{batch}.{scope.name}"  # France-wide bounds are scaled to the scope (expectations/scope.py)
    if name not in _definitions:
        ctx = _gx()
        asset = ctx.data_sources.get("frames").add_dataframe_asset(name)
        rules = [g for e in expectations for g in e.to_gx_all(scope)]
        suite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=rules))
        _definitions[name] = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=asset.add_batch_definition_whole_dataframe("all"), suite=suite)
        )
    return _definitions[name]


def _plain(value):
    """numpy scalars (also inside tuples and dicts) → Python values, for readable reports and JSON."""
    if isinstance(value, tuple | list):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.item() if hasattr(value, "item") else value


def _result(batch: str, r) -> RuleResult:
    cfg, res = r.expectation_config, r.result or {}
    error = None
    if r.exception_info and r.exception_info.get("raised_exception", True) is not False:
        infos = [r.exception_info] if "exception_message" in r.exception_info else r.exception_info.values()
        error = "; ".join(str(i.get("exception_message")) for i in infos if i.get("exception_message"))
    observed = res.get("observed_value")
    return RuleResult(
        batch=batch,
        rule=(cfg.meta or {}).get("rule", cfg.type),
        expectation=cfg.type,
        column=cfg.kwargs.get("column")
        or (",".join(cfg.kwargs["column_list"]) if "column_list" in cfg.kwargs else None),
        severity=str(getattr(cfg.severity, "value", cfg.severity or "critical")).lower(),
        success=bool(r.success),
        unexpected_count=res.get("unexpected_count"),
        element_count=res.get("element_count"),
        sample_rows=[_plain(i) for i in res.get("partial_unexpected_index_list") or []][:SAMPLE],
        sample_values=[str(_plain(v)) for v in res.get("partial_unexpected_list") or []][:SAMPLE],
        observed=None if observed is None else str(_plain(observed)),
        why=(cfg.meta or {}).get("why"),
        error=error,
    )


def validate(
    source_id: str,
    frame: pd.DataFrame,
    files: list[str],
    sha256: str,
    batches: Sequence[Batch],
    extra: list[RuleResult] | None = None,
    scope: Scope = FRANCE,
) -> ValidationReport:
    """Run declared rules (`batches`: a source's `expectations`) on a frame under a scope; `extra` adds results
    computed elsewhere (completeness)."""
    started, results = time.perf_counter(), list(extra or [])
    with _lock:
        for batch, build, expectations in batches:
            vd = _definition(source_id, batch, expectations, scope)
            data = build(frame)
            try:
                out = vd.run(batch_parameters={"dataframe": data}, result_format={"result_format": "SUMMARY"})
            finally:
                _forget_batches()
            for r in out.results:
                result = _result(batch, r)
                result.locations = locate(data, result.sample_rows)
                same_rows = data is frame or data.attrs.get("rows_of") == "parsed"
                if not result.locations and same_rows and len(files) == 1 and result.sample_rows:
                    # single-file parsers without source_line number their rows 1, 2 … (header excluded)
                    result.locations = [f"file {files[0]} data row {i}" for i in result.sample_rows]
                results.append(result)
    results.sort(key=lambda r: (r.success, r.batch, r.rule))
    return ValidationReport(source_id, files, sha256, results, time.perf_counter() - started)


def write_report(report: ValidationReport, folder: Path) -> Path:
    """Write report.md and report.json into `folder` (replaced atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("report.md", report.to_markdown()),
        ("report.json", json.dumps(asdict(report), ensure_ascii=False, indent=1, default=str)),
    ):
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)
    return folder / "report.md"
