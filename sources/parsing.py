"""Shared reading helpers: every parser returns the product as published plus the normalisations it applied."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
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


LINE_IN_MESSAGE = re.compile(r"\b(line|row) (\d+)")


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    """1-based line of the first bytes that do not decode (pandas reports a position inside a buffer, not a line)."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as raw:
            for number, line in enumerate(raw, start=1):
                if not _decodes(line, encoding):
                    return number
    except (OSError, EOFError, zlib.error):
        return None
    return None


def read_delimited(source_id: str, path: Path, member: str | None = None, **options) -> pd.DataFrame:
    """pandas.read_csv (text columns, empty cells kept as '') whose every failure is a SourceError naming the
    file and, when the reader tells it, the line: an empty or truncated file, a wrong encoding, a broken quote
    or a row with too many fields is the delivery's fault, never a crash of the run. A zip is read in place: its
    one CSV member, or `member` when the archive holds several (INSEE's « ensemble » files)."""
    options = {"sep": ";", "dtype": str, "keep_default_na": False, "encoding": "utf-8", **options}
    if path.suffix.lower() == ".zip":  # INSEE ships its census tables zipped: read the member, never extract
        return _read_zip_member(source_id, path, options, member)
    try:
        return pd.read_csv(path, **options)
    except pd.errors.EmptyDataError as exc:
        raise SourceError(source_id, path.name, "non_empty_file", "the file is empty (no header line)", [1]) from exc
    except UnicodeDecodeError as exc:
        line = _first_undecodable_line(path, options["encoding"])
        raise SourceError(
            source_id,
            path.name,
            "file_encoding",
            f"not {options['encoding']}: byte {exc.object[exc.start : exc.start + 1]!r} cannot be decoded"
            + (f" (line {line})" if line else ""),
            [line] if line else [],
        ) from exc
    except pd.errors.ParserError as exc:
        match = LINE_IN_MESSAGE.search(str(exc))
        # pandas says "line N" (1-based, header included) or "row N" (0-based, header = row 0)
        line = None if not match else int(match.group(2)) + (1 if match.group(1) == "row" else 0)
        raise SourceError(
            source_id,
            path.name,
            "csv_structure",
            f"cannot split the file into fields: {str(exc).strip()}",
            [line] if line else [],
        ) from exc
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise SourceError(source_id, path.name, "readable_file", f"cannot read the file: {exc}") from exc


def zip_members(source_id: str, path: Path) -> list[str]:
    """The member names of a delivered zip (a SourceError when it cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise SourceError(source_id, path.name, "readable_file", f"cannot read the zip archive: {exc}") from exc


def _read_zip_member(source_id: str, path: Path, options: dict, member: str | None = None) -> pd.DataFrame:
    """The one CSV member of a zip archive. A member whose name climbs out of the archive (`../`, absolute path)
    is refused: nothing is extracted, but such an archive is not a producer's delivery."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if n.startswith(("/", "\\")) or ".." in Path(n).parts or ":" in n]
            if unsafe:
                raise SourceError(
                    source_id,
                    path.name,
                    "zip_member_path",
                    f"member(s) outside the archive: {unsafe[:5]}",
                    values=unsafe[:10],
                )
            members = [n for n in names if n.lower().endswith(".csv") and (member is None or n == member)]
            if len(members) != 1:
                raise SourceError(
                    source_id, path.name, "zip_one_csv_member", f"expected one .csv member, found {members or names}"
                )
            data = archive.read(members[0])
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise SourceError(source_id, path.name, "readable_file", f"cannot read the zip archive: {exc}") from exc
    name = f"{path.name}!{members[0]}"
    try:
        return pd.read_csv(io.BytesIO(data), **options)
    except UnicodeDecodeError as exc:
        line = next((i for i, raw in enumerate(data.split(b"\n"), 1) if not _decodes(raw, options["encoding"])), None)
        raise SourceError(
            source_id, name, "file_encoding", f"not {options['encoding']} (line {line})", [line] if line else []
        ) from exc
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as exc:
        raise SourceError(source_id, name, "readable_file", f"cannot read the member: {exc}") from exc


def require_columns(source_id: str, file: str, present: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in present]
    if missing:
        raise SourceError(
            source_id,
            file,
            "required_columns",
            f"missing column(s) {missing} in the header (line 1); columns present: {present}",
            [1],
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
            source_id,
            file,
            "numeric_value",
            f"column {column}: not a number: {text[bad].head(5).tolist()}",
            rows=[int(v) for v in lines[bad]],
            column=column,
            values=[str(v) for v in text[bad].head(10)],
        )
    return values.astype("float64")


def stacked(frames: list[pd.DataFrame], notes: list[str]) -> Parsed:
    """The rows of every file in one frame, labelled 1, 2 … (the labels validation reports name)."""
    out = pd.concat(frames, ignore_index=True)
    out.index = out.index + 1
    return Parsed(out, notes)


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    """A parser's output with no rows (a source with nothing bundled or configured), typed like a real parse."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in schema.items()})
