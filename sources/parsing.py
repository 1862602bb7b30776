"""Shared reading helpers: every parser returns the product as published plus the normalisations it applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sources.errors import SourceError


@dataclass
class Parsed:
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)  # documented normalisations, with counts, for the run summary


def read_parquet(source_id: str, path: Path, required: list[str]) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise SourceError(source_id, path.name, "readable_file", f"cannot read Parquet: {exc}") from exc
    require_columns(source_id, path.name, list(table.column_names), required)
    return table.to_pandas()


def require_columns(source_id: str, file: str, present: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in present]
    if missing:
        raise SourceError(
            source_id, file, "required_columns", f"missing column(s) {missing}; columns present: {present}"
        )


def drop_blank_rows(
    frame: pd.DataFrame, what: str, keys: tuple[str, ...] = ("cog_year",)
) -> tuple[pd.DataFrame, list[str]]:
    """Drop rows empty but for their vintage (the COGugaison extracts carry one per vintage from 2022)."""
    blank = frame.drop(columns=list(keys)).isna().all(axis=1)
    notes = (
        [f"{what}: dropped {int(blank.sum())} blank row(s) (rows {list(frame.index[blank])})"] if blank.any() else []
    )
    return frame.loc[~blank], notes
