"""Reading a survey delivery as it comes: layout tables, fixed-width record files, `;` CSV files, manifests.

- Layout tables (« dessin d'enregistrement »): one table per record file with the columns `Position`, `Taille`,
  `Nom variable CEREMA`, `Libellés des variables` (accents, case and extra columns ignored; banner lines above the
  header skipped), as tab-separated text (latin-1 or UTF-8) or as one workbook sheet per record file (.xlsx, .xls,
  .ods, read with python-calamine). The record kind of a table is read from its variables: T1 → legs, NDEP →
  trips, PER → persons, ECH → households.
- Fixed-width record files, any name: each line starts with its file code (1 household, 2 person, 3 trip,
  4 leg), so one file may even hold several kinds; a line shorter than its layout (which ends with the
  end-of-record marker field) is a truncated record.
- `;` CSV files with a header of standard names (kind read from the header as for layout tables).
- Encodings: UTF-8, else latin-1 (said in the run summary).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sources.emd.standards import FILE_CODES
from sources.errors import SourceError

SOURCE_ID = "emd"
WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}
MANIFESTS = {".yml", ".yaml"}


@dataclass
class Layout:
    kind: str
    origin: str  # file (and sheet) it was read from
    fields: dict[str, tuple[int, int, str]]  # name → (0-based start, width, label)

    @property
    def width(self) -> int:
        return max(start + width for start, width, _ in self.fields.values())


@dataclass
class Records:
    """Raw records of one kind from one file: text columns named as delivered, plus the file's line numbers."""

    kind: str
    file: str
    lines: list[int]
    columns: dict[str, list[str]] | None = None  # CSV: every column; fixed width: filled on demand
    texts: list[str] = field(default_factory=list)  # fixed width: the record lines

    def names(self, layout: Layout | None) -> set[str]:
        return set(self.columns) if self.columns is not None else set(layout.fields if layout else ())

    def column(self, name: str, layout: Layout | None) -> pd.Series:
        if self.columns is not None:
            return pd.Series(self.columns[name], dtype="str")
        start, width, _ = layout.fields[name]
        return pd.Series(self.texts, dtype="str").str.slice(start, start + width).str.strip()


def _plain(text: object) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


def kind_of(names: set[str]) -> str | None:
    for name, kind in (("T1", "leg"), ("NDEP", "trip"), ("PER", "person"), ("ECH", "household")):
        if name in names:
            return kind
    return None


def read_text(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8").lstrip("\ufeff"), "UTF-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def split_lines(text: str) -> list[str]:
    # not str.splitlines(): latin-1 text may hold \x85 or \x1c, which it would take for line breaks
    return [line.rstrip("\r") for line in text.split("\n")]


def _header_columns(row: list[str]) -> dict[str, int] | None:
    cells = [_plain(c) for c in row]
    position = next((i for i, c in enumerate(cells) if c.startswith(("position", "debut"))), None)
    width = next((i for i, c in enumerate(cells) if c.startswith(("taille", "longueur"))), None)
    names = [i for i, c in enumerate(cells) if "variable" in c and not c.startswith("libelle") or c == "nom"]
    if position is None or width is None or not names:
        return None
    name = next((i for i in names if "cerema" in cells[i]), names[0])
    label = next((i for i, c in enumerate(cells) if c.startswith("libelle")), None)
    return {"position": position, "width": width, "name": name, "label": label}


def layout_from_rows(rows: list[list[str]], origin: str) -> Layout | None:
    """A layout table from a sheet or text file's rows; None when no `Position` / `Taille` header is there."""
    found = next(((at, c) for at, row in enumerate(rows[:40]) if (c := _header_columns(row))), None)
    if found is None:
        return None
    at, columns = found

    def cell(row: list, key: str) -> str:
        index = columns[key]
        return str(row[index]).strip() if index is not None and index < len(row) else ""

    fields: dict[str, tuple[int, int, str]] = {}
    for number, row in enumerate(rows[at + 1 :], start=at + 2):
        name, position, width = cell(row, "name").upper(), cell(row, "position"), cell(row, "width")
        if not name or not position:
            continue  # blank or section rows
        try:
            start, size = int(float(position.replace(",", "."))), int(float(width.replace(",", ".")))
        except ValueError as exc:
            raise SourceError(
                SOURCE_ID, origin, "layout_table", f"row {number}: position {position!r} / size {width!r} not numbers"
            ) from exc
        if start < 1 or size < 1:
            raise SourceError(SOURCE_ID, origin, "layout_table", f"row {number}: field {name} at {start} size {size}")
        fields[name] = (start - 1, size, cell(row, "label"))
    kind = kind_of(set(fields))
    if kind is None:
        raise SourceError(SOURCE_ID, origin, "layout_table", "no ECH field: not a household/person/trip/leg layout")
    return Layout(kind, origin, fields)


def read_layouts(path: Path, text: str | None = None) -> list[Layout]:
    if path.suffix.lower() in WORKBOOKS:
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
            sheets = [(n, book.get_sheet_by_name(n).to_python()) for n in book.sheet_names]
        except Exception as exc:  # calamine raises several types for a damaged workbook
            raise SourceError(SOURCE_ID, path.name, "readable_file", f"cannot read the workbook: {exc}") from exc
        found = [layout_from_rows(rows, f"{path.name} [{name}]") for name, rows in sheets]
        layouts = [layout for layout in found if layout is not None]
        if not layouts:
            raise SourceError(SOURCE_ID, path.name, "layout_table", "no sheet with Position / Taille columns")
        return layouts
    layout = layout_from_rows([line.split("\t") for line in split_lines(text or "")], path.name)
    return [layout] if layout else []


def is_layout_text(text: str) -> bool:
    return any(_header_columns(line.split("\t")) for line in split_lines(text)[:40])


def read_csv_records(path: Path, text: str) -> Records:
    lines = split_lines(text)
    header = [h.strip().upper() for h in lines[0].split(";")]
    body = [(n, line) for n, line in enumerate(lines[1:], start=2) if line.strip()]
    kind = kind_of(set(header))
    if kind is None:
        raise SourceError(SOURCE_ID, path.name, "required_columns", f"no ECH column in the header {header[:12]}")
    cells = [line.split(";") for _, line in body]
    bad = [n for (n, _), row in zip(body, cells, strict=True) if len(row) != len(header)]
    if bad:
        raise SourceError(SOURCE_ID, path.name, "csv_row_length", f"rows without {len(header)} fields", rows=bad)
    columns = {name: [row[i].strip().strip('"') for row in cells] for i, name in enumerate(header)}
    return Records(kind, path.name, [n for n, _ in body], columns=columns)


def read_fixed_records(path: Path, text: str) -> list[Records]:
    """Split a fixed-width file by the file code in column 1 (one Records per kind present)."""
    by_kind: dict[str, Records] = {}
    unknown = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        kind = FILE_CODES.get(line[0])
        if kind is None:
            unknown.append(number)
            continue
        records = by_kind.setdefault(kind, Records(kind, path.name, []))
        records.lines.append(number)
        records.texts.append(line)
    if unknown:
        raise SourceError(
            SOURCE_ID,
            path.name,
            "file_code",
            "lines must start with their file code (1 household, 2 person, 3 trip, 4 leg)",
            rows=unknown,
        )
    return list(by_kind.values())


def check_lengths(records: Records, layout: Layout) -> None:
    short = [n for n, line in zip(records.lines, records.texts, strict=True) if len(line) < layout.width]
    if short:
        raise SourceError(
            SOURCE_ID,
            records.file,
            "record_length",
            f"{len(short)} {records.kind} record(s) shorter than the {layout.width} characters of the layout "
            f"({layout.origin}, which ends with the end-of-record marker): truncated lines",
            rows=short,
        )
