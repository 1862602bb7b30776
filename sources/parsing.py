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


def to_numbers(source_id: str, file: str, text: pd.Series, column: str, lines: pd.Series) -> pd.Series:
    """French number text → float: decimal comma, spaces (also non-breaking) as thousands separators; an empty
    cell is NaN; anything else that is not a number fails with the file, column and line numbers."""
    clean = text.astype(str).str.replace(",", ".", regex=False).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    values = pd.to_numeric(clean.replace("", None), errors="coerce")
    bad = values.isna() & clean.ne("") & text.notna()
    if bad.any():
        raise SourceError(
            source_id, file, "numeric_value", f"column {column} is not numeric", rows=[int(v) for v in lines[bad]]
        )
    return values.astype("float64")


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    """A parser's output with no rows (a source with nothing bundled or configured), typed like a real parse."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in schema.items()})
