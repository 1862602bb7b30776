"""A new edition never degrades what is published: the new content of a source compared with its last good one.

Completeness (expectations/completeness.py) counts rows; a delivery can keep every row and still lose a period:
a census column copied from the previous one, a year file identical to the year before, a quarter column gone
from a workbook whose other quarters still fill the sheet, or one commune's population × 1000. Each source
declares the comparisons that make sense for it (`degradation=` of its `SourceSpec`, in its module under
`sources/`): the period column, the series it is split into, the key of an entity within a period, the values
compared, and the jump a value may not make from one period to the next. Each failing comparison is a critical
rule of the source's validation report, with the file and line (or sheet cell) of sample failing rows and the
comparison with the last good content; the gate then quarantines the source and keeps its last good content.

This module is a leaf: frames in, RuleResults out (the gate reads the last good Parquet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectations.runner import SAMPLE, RuleResult, locate


@dataclass(frozen=True)
class Jump:
    """A value may not jump by more than `max_ratio` (or fall below 1/max_ratio) between two consecutive periods
    of the same entity, when either value is at least `floor`; a jump the last good content already shows for
    the same entity and periods (a real merger of communes) is not one."""

    column: str
    max_ratio: float
    floor: float
    why: str


@dataclass(frozen=True)
class Degradation:
    period: str  # the column naming the period (census vintage, year, quarter)
    keys: tuple[str, ...]  # an entity within one period (commune code …)
    values: tuple[str, ...]  # what a copied period repeats
    series: tuple[str, ...] = ()  # independent series of periods (zoning …)
    # a period whose values equal the previous period's for at least this share of its entities is a copy
    max_identical_share: float = 0.95
    min_entities: int = 20  # fewer entities in common: no conclusion on a copy
    jump: Jump | None = None
    why: str = ""


def _result(rule: str, failing: list[str], total: int, why: str, locations: list[str], column=None) -> RuleResult:
    return RuleResult.of_failing("degradation", rule, "comparison_with_last_good", failing, total, why,
                                 locations[:SAMPLE], column)


def _label(keys: tuple[str, ...], values) -> str:
    values = values if isinstance(values, tuple) else (values,)
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


def _periods(frame: pd.DataFrame, spec: Degradation) -> set[tuple]:
    cols = [*spec.series, spec.period]
    return {tuple(r) for r in frame[cols].drop_duplicates().itertuples(index=False, name=None)}


def _where(frame: pd.DataFrame, files: list[str]) -> Callable[[list], list[str]]:
    """Row labels → "file F line N" / "file F sheet S cell C", or "file F data row N" for a single-file frame."""

    def where(index: list) -> list[str]:
        found = locate(frame, index)
        if not found and len(files) == 1:
            found = [f"file {files[0]} data row {i}" for i in index]
        return found

    return where


def lost_periods(spec: Degradation, new: pd.DataFrame, old: pd.DataFrame | None) -> RuleResult:
    """Every period of the last good content is still delivered (a quarter column gone from a workbook)."""
    before = _periods(old, spec) if old is not None else set()
    after = _periods(new, spec)
    cols = (*spec.series, spec.period)
    missing = sorted(before - after, key=str)
    failing = [f"{_label(cols, m)}: in the last good content, absent from the new one" for m in missing]
    return _result(
        "no_lost_period_vs_last_good",
        failing,
        len(before),
        f"every {'/'.join(cols)} of the last good content is delivered again. {spec.why}".strip(),
        [],
        spec.period,
    )


def _pairs(frame: pd.DataFrame, spec: Degradation):
    """(series value, previous period, period, joined frame of the entities present in both)."""
    groups = frame.groupby(list(spec.series), dropna=False, sort=True) if spec.series else [((), frame)]
    for series, part in groups:
        periods = sorted(part[spec.period].dropna().unique())
        indexed = {
            p: part[part[spec.period] == p].drop_duplicates(list(spec.keys)).set_index(list(spec.keys)) for p in periods
        }
        for a, b in zip(periods, periods[1:], strict=False):
            joined = indexed[a].merge(
                indexed[b], how="inner", left_index=True, right_index=True, suffixes=("_before", "")
            )
            yield series, a, b, joined


def _identical(joined: pd.DataFrame, values: tuple[str, ...]) -> pd.Series:
    same = pd.Series(True, index=joined.index)
    for v in values:
        a, b = joined[f"{v}_before"], joined[v]
        same &= (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
    return same


def copied_periods(spec: Degradation, new: pd.DataFrame, old: pd.DataFrame | None, files: list[str]) -> RuleResult:
    """A period whose values repeat the previous period's for nearly every entity (a census column copied from the
    previous one, a year file identical to the year before), unless the last good content shows the same."""
    shares_before = {}
    if old is not None:
        for series, a, b, joined in _pairs(old, spec):
            if len(joined) >= spec.min_entities:
                shares_before[(series, a, b)] = float(_identical(joined, spec.values).mean())
    where = _where(new, files)
    failing, locations, total = [], [], 0
    for series, a, b, joined in _pairs(new, spec):
        if len(joined) < spec.min_entities:
            continue
        total += 1
        same = _identical(joined, spec.values)
        share = float(same.mean())
        before = shares_before.get((series, a, b))
        # only against the last good content: real editions repeat a period too (the compilation's COG 2022 and
        # 2024 carry the censuses of COG 2021 and 2023; the warehouse's check violations_copied_census
        # leaves them unpublished)
        if share < spec.max_identical_share or before is None or before >= spec.max_identical_share:
            continue
        head = f"{_label(spec.series, series)}, " if spec.series else ""
        failing.append(
            f"{head}{spec.period}={b} repeats {spec.period}={a}: {int(same.sum())} of {len(joined)} entities with "
            f"identical {'/'.join(spec.values)} ({share:.1%}; last good content: {before:.1%})"
        )
        # the rows of the copied period (their "index" column: the parsed frame's row labels)
        locations += where(list(joined.loc[same, "_row"].head(3)))
    return _result(
        "no_copied_period",
        failing,
        total,
        f"a period may not repeat the previous one for {spec.max_identical_share:.0%} or more of its entities "
        f"when the last good content did not (compared only with a last good content). {spec.why}".strip(),
        locations,
        spec.period,
    )


def _jumps(spec: Degradation, frame: pd.DataFrame) -> pd.DataFrame:
    jump = spec.jump
    rows = []
    for series, a, b, joined in _pairs(frame, spec):
        before = pd.to_numeric(joined[f"{jump.column}_before"], errors="coerce").astype(float)
        after = pd.to_numeric(joined[jump.column], errors="coerce").astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = after / before
        big = np.fmax(before, after) >= jump.floor
        out = big & ((ratio > jump.max_ratio) | (ratio < 1 / jump.max_ratio))
        if out.any():
            found = joined.loc[out].reset_index()[[*spec.keys, "_row"]]
            found["series"], found["before_period"], found["period"] = [series] * len(found), a, b
            found["before"], found["after"] = before[out].values, after[out].values
            rows.append(found)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def implausible_jumps(
    spec: Degradation, new: pd.DataFrame, old: pd.DataFrame | None, files: list[str]
) -> RuleResult | None:
    """Values that jump between two consecutive periods of the same entity beyond the declared ratio, and that the
    last good content does not show (same entity, same periods)."""
    if spec.jump is None:
        return None
    jump = spec.jump
    found = _jumps(spec, new) if old is not None else pd.DataFrame()
    if len(found):
        # only pairs of periods the last good content has (a new vintage's communes nouvelles jump for real), and
        # only jumps it does not show
        pairs = {(str(series), str(a), str(b)) for series, a, b, _ in _pairs(old, spec)}
        in_old = [
            (str(s), str(a), str(b)) in pairs
            for s, a, b in found[["series", "before_period", "period"]].itertuples(index=False, name=None)
        ]
        found = found[in_old]
        known = _jumps(spec, old)
        if len(found) and len(known):
            ids = [*spec.keys, "before_period", "period"]
            seen = set(known[ids].astype(str).itertuples(index=False, name=None))
            found = found[[t not in seen for t in found[ids].astype(str).itertuples(index=False, name=None)]]
    failing = [
        f"{_label(spec.keys, tuple(r[k] for k in spec.keys))}: {jump.column} {r['before']:g} "
        f"({spec.period}={r['before_period']}) → {r['after']:g} ({spec.period}={r['period']}), "
        f"×{r['after'] / r['before'] if r['before'] else float('inf'):.3g}"
        for _, r in found.head(SAMPLE).iterrows()
    ]
    if len(found) > SAMPLE:
        failing.append(f"… {len(found) - SAMPLE} more")
    locations = _where(new, files)(list(found["_row"].head(SAMPLE))) if len(found) else []
    return _result(
        "no_implausible_jump",
        failing,
        len(new),
        f"{jump.column} may not change by more than ×{jump.max_ratio:g} (or ÷{jump.max_ratio:g}) between two "
        f"consecutive {spec.period}s when either value is ≥ {jump.floor:g}, unless the last good content shows "
        f"the same jump (pairs of periods the last good content has). {jump.why}",
        locations,
        jump.column,
    )


def compare(spec: Degradation, new: pd.DataFrame, old: pd.DataFrame | None, files: list[str]) -> list[RuleResult]:
    """The comparisons of a new content with the last good one (None: there is none, only the absolute parts of
    the rules apply)."""
    columns = [*spec.series, spec.period, *spec.keys, *spec.values]
    if spec.jump and spec.jump.column not in columns:
        columns.append(spec.jump.column)
    missing = [c for c in dict.fromkeys(columns) if c not in new.columns]
    if missing:  # the source's own rules name a missing column; nothing to compare
        return []
    new = new.assign(_row=new.index)
    if old is not None:
        if any(c not in old.columns for c in columns):
            old = None
        else:
            old = old.assign(_row=old.index)
    results = [lost_periods(spec, new, old), copied_periods(spec, new, old, files)]
    if (jumps := implausible_jumps(spec, new, old, files)) is not None:
        results.append(jumps)
    return results


def columns_needed(spec: Degradation) -> list[str]:
    """The columns of the last good Parquet the comparisons read."""
    cols = [*spec.series, spec.period, *spec.keys, *spec.values]
    if spec.jump:
        cols.append(spec.jump.column)
    return list(dict.fromkeys(cols))
