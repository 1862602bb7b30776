"""Completeness and shrinkage: what a complete delivery of a source holds, and how much it may lose.

A rule over rows checks nothing when the rows are missing (a group-by over an empty partition passes), so
completeness is its own rule: every delivered file must give rows, every declared partition (year file, sheet,
zoning, vintage) must be present with its minimum number of rows. Shrinkage compares the new content with the
last good one, partition by partition: losing more than the declared share (default 5 %) quarantines the source
unless the operator accepts it (`observatoire run --accept-shrink SOURCE`).
Each source declares its own (`completeness=` of its `SourceSpec`, in its module under `sources/`); a source
that declares none is checked for empty files and for shrinkage of its whole content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from expectations.runner import RuleResult
from expectations.scope import FRANCE, Scope

DEFAULT_MAX_SHRINK = 0.05


@dataclass(frozen=True)
class Partition:
    """A declared partition of a source: its key columns, the values a complete delivery holds, min rows."""

    keys: tuple[str, ...]
    # expected partition values (tuples of key values), given the delivered file names
    expected: Callable[[list[str]], list[tuple]] = lambda files: []
    min_rows: int = 1
    one_file_each: bool = False  # a partition comes from one file only (a year delivered twice is refused)
    france_wide: bool = False  # min_rows is France's: scaled to a narrower scope (expectations/scope.py)

    def minimum(self, scope: Scope = FRANCE) -> int:
        """min_rows for the scope of this run (OBSERVATOIRE_SCOPE)."""
        if not self.france_wide:
            return self.min_rows
        return max(1, int(scope.bounds(self.min_rows, None)[0]))  # a partition is never allowed to be empty


@dataclass(frozen=True)
class Completeness:
    partitions: list[Partition] = field(default_factory=list)
    shrink_keys: tuple[str, ...] = ()  # partitions compared with the last good content; () = the whole content
    max_shrink: float = DEFAULT_MAX_SHRINK
    files_give_rows: bool = True  # every delivered data file contributes at least one row


def fixed(*values) -> Callable[[list[str]], list[tuple]]:
    """Expected partitions that do not depend on the delivered files (every vintage 2008–2024 …)."""
    return lambda files: [v if isinstance(v, tuple) else (v,) for v in values]


def each_workbook_has(sheet: str) -> Callable[[list[str]], list[tuple]]:
    """Expected (source_file, sheet) partitions: every delivered workbook has this sheet."""
    return lambda files: [(f, sheet) for f in files if f.lower().endswith((".xlsx", ".xls"))]


def _label(keys: tuple[str, ...], values: tuple) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True)) if keys else "all rows"


def _counts(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[tuple, int]:
    if not keys:
        return {(): len(frame)}
    grouped = frame.groupby(list(keys), dropna=False).size()
    return {(k if isinstance(k, tuple) else (k,)): int(n) for k, n in grouped.items()}


def _result(
    rule: str, batch: str, failing: list[str], total: int, why: str, files: list[str] | None = None
) -> RuleResult:
    where = [f"file {f}" for f in sorted(set(files or []))]
    return RuleResult.of_failing(batch, rule, "completeness", failing, total, why, where)


def _data_files(files: list[str]) -> list[str]:
    return [f for f in files if not f.endswith((".yml", ".yaml"))]  # layouts and dictionaries carry no rows


def check(spec: Completeness, frame: pd.DataFrame, files: list[str], scope: Scope = FRANCE) -> list[RuleResult]:
    results = []
    if spec.files_give_rows and "source_file" in frame.columns:
        rows = frame["source_file"].str.split("!").str[0].value_counts()  # an archive's members count for it
        names = [f for f in _data_files(files) if int(rows.get(f, 0)) == 0]
        empty = [f"file {f}: 0 rows" for f in names]
        results.append(
            _result("every_file_gives_rows", "completeness", empty, len(files), "an empty or header-only file", names)
        )
    elif spec.files_give_rows:
        results.append(
            _result("content_not_empty", "completeness", ["0 rows"] if frame.empty else [], 1, "an empty content")
        )
    for part in spec.partitions:
        name = "_".join(part.keys)
        missing_keys = [k for k in part.keys if k not in frame.columns]
        if missing_keys:
            results.append(
                _result(f"complete_{name}", "completeness", [f"no column {missing_keys}"], 0, "partition keys absent")
            )
            continue
        counts, minimum = _counts(frame, part.keys), part.minimum(scope)
        expected = [tuple(v) for v in part.expected(files)]
        short_keys = [v for v in dict.fromkeys([*expected, *counts]) if counts.get(v, 0) < minimum]
        short = [f"{_label(part.keys, v)}: {counts.get(v, 0)} rows (minimum {minimum})" for v in short_keys]
        results.append(
            _result(
                f"complete_{name}",
                "completeness",
                short,
                len(set(expected) | set(counts)),
                f"every expected {'/'.join(part.keys)} present with at least {minimum} row(s)",
                _files_of(frame, part.keys, short_keys),
            )
        )
        if part.one_file_each and "source_file" in frame.columns:
            files_per = frame.groupby(list(part.keys))["source_file"].unique()
            twice = [
                f"{_label(part.keys, k if isinstance(k, tuple) else (k,))}: files {sorted(v)}"
                for k, v in files_per.items()
                if len(v) > 1
            ]
            twice_files = [f for v in files_per.values if len(v) > 1 for f in v]
            results.append(
                _result(
                    f"one_file_per_{name}",
                    "completeness",
                    twice,
                    len(files_per),
                    "a partition delivered twice",
                    twice_files,
                )
            )
    return results


def _files_of(frame: pd.DataFrame, keys: tuple[str, ...], values: list[tuple]) -> list[str]:
    """The delivered files holding (some rows of) these partitions, or named by them."""
    if "source_file" in keys:
        return [v[keys.index("source_file")] for v in values]
    if "source_file" not in frame.columns or not values:
        return []
    index = frame.set_index(list(keys)).index
    mask = index.isin(values if len(keys) > 1 else [v[0] for v in values])
    return sorted(set(frame.loc[mask, "source_file"]))


def partition_counts(spec: Completeness, frame: pd.DataFrame) -> dict[str, int]:
    """Rows per shrink partition, as stored with the last good content ({"year=2012": 35305})."""
    keys = tuple(k for k in spec.shrink_keys if k in frame.columns)
    return {_label(keys, k): n for k, n in _counts(frame, keys).items()}


def last_good_counts(spec: Completeness, meta: dict | None, parquet: Path) -> dict[str, int] | None:
    """Partition counts of the last good content: from its metadata, else recomputed from its Parquet file."""
    if meta is None or str(meta.get("sha256", "")).startswith("not_configured"):
        return None
    if isinstance(meta.get("partitions"), dict):
        return meta["partitions"]
    try:
        names = set(pq.read_schema(parquet).names)
        keys = [k for k in spec.shrink_keys if k in names]
        frame = pq.read_table(parquet, columns=keys or None).to_pandas() if keys else None
        return partition_counts(spec, frame) if frame is not None else {"all rows": pq.read_metadata(parquet).num_rows}
    except OSError:
        return None


def shrinkage(spec: Completeness, new: dict[str, int], old: dict[str, int] | None, accepted: bool) -> RuleResult:
    """Partitions of the last good content that lost more than `max_shrink` of their rows (or vanished)."""
    shrunk = []
    for label, before in sorted((old or {}).items()):
        after = new.get(label, 0)
        if before and (before - after) / before > spec.max_shrink:
            shrunk.append(f"{label}: {before} → {after} rows ({(after - before) / before:+.1%})")
    why = f"a partition lost more than {spec.max_shrink:.0%} of the last good content's rows" + (
        "; accepted by the operator (--accept-shrink)" if accepted and shrunk else ""
    )
    result = _result("no_shrink_vs_last_good", "shrinkage", shrunk, len(old or {}), why)
    if accepted:
        result.severity = "warning"
    return result
