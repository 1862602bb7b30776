"""INSEE « Taux de chômage localisés par zone d'emploi » workbook (quarterly, seasonally adjusted).

Official layout (edition T3 2023, file chomage-zone-t1-2003-t3-2023.xlsx): sheets `Documentation`,
`txcho_ze` and `txcho_parties reg`. Each data sheet: banner rows (title, « Source : Insee … », notes), then a
two-row header: French labels (« Code de la zone d'emploi 2020 », « 1er trimestre 2003 » …) and variable codes
(`ZE2020`, `LIBZE2020`, `REG`, `LIBREG`, `2003-T1` … for txcho_ze; `ZER2020`, `LIBZER2020`, quarters for the
regional parts of the interregional zones). One row per zone, one column per quarter, rates in %.
The zoning is read from the code header (`ZE2020`, `ZE2010`, `ZER2020`; `REG` and `FRANCE` sheets in extracts),
the edition from the file name (`…-t3-2023` → 2023-T3): editions are kept side by side, never merged.
Codes stay text (`0051`, `2A01`); a cell that is not a number is kept as NULL with its marker in `flag`
(« s » or « secret » → suppressed, « nd » or an empty cell → not_available).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness, Partition, each_workbook_has
from expectations.degradation import Degradation
from sources.errors import SourceError
from sources.parsing import Parsed, stacked
from sources.spec import Release, SourceSpec

SOURCE_ID = "insee_chomage"
QUARTER = re.compile(r"^(\d{4})-T([1-4])$")
EDITION = re.compile(r"t([1-4])-(\d{4})", re.I)
ZONINGS = {"ZE2020": "ze2020", "ZE2010": "ze2010", "ZER2020": "zer2020", "REG": "region", "FRANCE": "france_metro"}
MARKERS = {"s": "suppressed", "secret": "suppressed", "nd": "not_available", "n.d.": "not_available"}


def edition_of(path: Path) -> str:
    matches = EDITION.findall(path.stem)
    if not matches:
        raise SourceError(SOURCE_ID, path.name, "file_name_edition", "no edition (…-tQ-YYYY) in the file name")
    quarter, year = matches[-1]
    return f"{year}-T{quarter}"


def cell(column: int, row: int) -> str:
    """Excel address of a 0-based column and 1-based row: (0, 7) → A7, (27, 3) → AB3."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def parse_sheet(path: Path, sheet: str, raw: pd.DataFrame, edition: str) -> pd.DataFrame:
    header_rows = raw.index[raw.iloc[:, 0].isin(list(ZONINGS))]
    if not len(header_rows):
        raise SourceError(
            SOURCE_ID,
            path.name,
            "two_row_header",
            f"no code header row starting with one of {sorted(ZONINGS)} in column A",
            sheet=sheet,
            column="A",
        )
    h = header_rows[0]
    codes = [str(c).strip() if pd.notna(c) else "" for c in raw.iloc[h]]
    zoning = codes[0]
    quarters = [i for i, c in enumerate(codes) if QUARTER.match(c)]
    if not quarters:
        raise SourceError(
            SOURCE_ID, path.name, "quarter_columns", "no YYYY-Tq column in the code header", [h + 1], sheet=sheet
        )
    body = raw.iloc[h + 1 :]
    body = body[body.iloc[:, 0].notna() & body.iloc[:, 0].astype(str).str.strip().ne("")]
    label_col = codes.index(f"LIB{zoning}") if f"LIB{zoning}" in codes else 1
    region_col = codes.index("REG") if "REG" in codes[1:] else None
    rows = []
    for i in quarters:
        text = body.iloc[:, i].astype("string").str.strip()
        number = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        # an empty cell is a quarter the zone has no estimate for (e.g. DOM zones before 2014): flagged, not zero
        marker = text.str.lower().map(MARKERS).where(text.notna() & text.ne(""), "not_available")
        bad = number.isna() & text.notna() & text.ne("") & marker.isna()
        if bad.any():
            lines = [int(r) + 1 for r in body.index[bad]]
            raise SourceError(
                SOURCE_ID,
                path.name,
                "rate_is_number",
                f"cell {cell(i, lines[0])}: {text[bad].iloc[0]!r} is not a rate",
                rows=lines,
                sheet=sheet,
                column=f"{codes[i]} ({cell(i, h + 1)[: -len(str(h + 1))]})",
                values=text[bad].head(10).tolist(),
            )
        rows.append(
            pd.DataFrame(
                {
                    "zoning": ZONINGS[zoning],
                    "code": body.iloc[:, 0].astype(str).str.strip().values,
                    "label": body.iloc[:, label_col].astype(str).values,
                    "region": body.iloc[:, region_col].astype(str).values if region_col is not None else None,
                    "quarter": codes[i],
                    "rate": number.values,
                    "flag": marker.values,
                    "edition": edition,
                    "sheet": sheet,
                    "source_file": path.name,
                    "source_line": [int(r) + 1 for r in body.index],
                    "source_cell": [cell(i, int(r) + 1) for r in body.index],  # where a failing rate is
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in sorted(paths, key=lambda p: p.name):
        edition = edition_of(path)
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="calamine")
        except Exception as exc:  # calamine raises its own error types for damaged workbooks
            raise SourceError(SOURCE_ID, path.name, "readable_file", f"cannot read the workbook: {exc}") from exc
        data = {name: raw for name, raw in sheets.items() if name.lower().startswith("txcho")}
        if not data:
            raise SourceError(SOURCE_ID, path.name, "required_sheets", f"no txcho_* sheet among {list(sheets)}")
        for name, raw in data.items():
            frame = parse_sheet(path, name, raw, edition)
            frames.append(frame)
            notes.append(
                f"{path.name} [{name}]: {frame.code.nunique()} zones × {frame.quarter.nunique()} quarters, "
                f"edition {edition}"
            )
    return stacked(frames, notes)


def _zones_per_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["zoning"] == "ze2020"].groupby("edition")["code"].nunique().rename("n_zones").reset_index()


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, producer="INSEE",
        expectations=(
            r.rows(
                r.matches("code", r"^(?:\d{4}|\d{2}|[0-9AB]{4}|FM)$", "zone_code_is_text"),
                r.matches("quarter", r"^\d{4}-T[1-4]$", "quarter_format"),
                r.between("rate", "rate_in_0_60", min_value=0, max_value=60),
                r.unique(["zoning", "code", "quarter", "edition"], "one_rate_per_zone_quarter_edition"),
                r.in_set("zoning", list(ZONINGS.values()), "known_zoning"),
                *r.label_rules("label"),
            ),
            r.Batch("missing_rates", lambda f: f[f["rate"].isna()], [r.not_null("flag", "missing_rate_is_flagged")]),
            r.Batch(
                "zones_per_sheet",
                _zones_per_sheet,
                [r.between("n_zones", "ze2020_zone_count", min_value=280, max_value=320, france_wide=True)],
            ),
        ),
        completeness=Completeness(
            [Partition(("source_file", "sheet"), each_workbook_has("txcho_ze"), min_rows=1)],
            shrink_keys=("zoning", "sheet"),
        ),
        degradation=Degradation(
            period="quarter", series=("zoning",), keys=("code", "edition"), values=("rate",),
            why="A quarter column gone from the workbook loses 1 of 83 columns, under the shrinkage threshold; "
            "INSEE's editions only add quarters.",
        ),
        product="Taux de chômage localisés par zone d'emploi (trimestriels, CVS): edition 2023-T3 on the 2020 "
        "zoning, and the Q1 2013 rates of the 2010 zoning as printed in the diagnostic (extract)",
        product_page="https://www.insee.fr/fr/statistiques/1893230",
        official_urls=(
            "https://github.com/pwisniewski-econ/interestnpy/raw/e9ce012b7324904a506a063501624226aa52d9d5/"
            "data/external/unemployment/chomage-zone-t1-2003-t3-2023.xlsx",
            "(extract of the diagnostic partagé, no official URL)",
        ),
        bundled=(
            "insee_chomage/chomage-zone-t1-2003-t3-2023.xlsx",
            "insee_chomage/chomage-zone-2010-extrait-diagnostic-t1-2013.xlsx",
        ),
        extract_files=("insee_chomage/chomage-zone-2010-extrait-diagnostic-t1-2013.xlsx",),
        licence="Licence Ouverte (INSEE)", attribution="Insee, estimations de taux de chômage localisés",
        layout="INSEE workbook: banner rows, label row, code row (ZE2020/ZE2010/ZER2020/REG/FRANCE), quarters",
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/1893230",
            files="https://www.insee.fr/fr/statistiques/fichier/1893230/chomage-zone-t1-2003-t{quarter}-{year}.xlsx",
            format="xlsx, one sheet per zoning (txcho_ze, txcho_reg …), one column per quarter",
            rhythm="quarterly", lag_days=100,
            verified_on="file names of the editions t2-2022 and t4-2025 under /fr/statistiques/fichier/1893230/ seen "
            "in public reuses (code corpus); INSEE's release rhythm on the « Taux de chômage par zone d'emploi » "
            "pages (http://www.insee.fr/fr/themes/detail.asp?ref_id=chomage-zone: « évalué quatre fois par an »)",
        ),
    ),
]
