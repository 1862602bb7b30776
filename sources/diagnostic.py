"""The diagnostic partagé (Conférence Permanente du Bassin Minier, December 2013): its published figures.

Reference data only: transforms never read them; the reproduction step compares the warehouse against them.
Layout: one CSV per printed table (`tN_*.csv`: one row per printed row, one column per printed column, the unit
in the column name, `seed_lines` pointing into the document's text) and `prose_figures.csv` (one row per figure
quoted in the text). Values are read as text so that the printed precision (decimals) is kept.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.errors import SourceError
from sources.parsing import Parsed, read_delimited, require_columns
from sources.spec import Release, SourceSpec

SOURCE_ID = "diagnostic"
TABLE_FILE = re.compile(r"^(t\d+)_.*\.csv$")
ROW_COLUMNS = {
    "territory",
    "territory_type",
    "seed_lines",
    "natalite_printed_with_decimal",
    "bloc_imprime",
    "groupe_imprime",
}
PERIOD = re.compile(r"_(\d{4})_(\d{4})(?:_pct|_pts|_pour_mille)?$|_(\d{4})(?:_pct|_pts|_pour_mille)?$")
PROSE_REQUIRED = ["figure_id", "seed_lines", "territory", "territory_type", "indicator", "value", "unit", "period"]

# The territory levels a printed figure may be attached to: the warehouse's level vocabulary (transforms/levels.py),
# which a producer's module may not import (one floor per stage); tests/test_interfaces.py checks the two agree.
LEVELS = ("commune", "epci", "ze2010", "ze2020", "arrondissement", "departement", "region", "france_metro", "grouping")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def decimals(text: str) -> int:
    """Decimals as printed: '0.17' → 2, '14' → 0, '-5.3' → 1."""
    return len(text.split(".")[1]) if "." in text else 0


def period_of(column: str) -> str | None:
    match = PERIOD.search(column)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}" if match.group(1) else match.group(3)


def _table(path: Path) -> pd.DataFrame:
    table_id = TABLE_FILE.match(path.name).group(1)
    frame = read_delimited(SOURCE_ID, path, sep=",")
    require_columns(SOURCE_ID, path.name, list(frame.columns), ["territory", "seed_lines"])
    rows = []
    for line, record in enumerate(frame.to_dict("records"), start=2):
        for column, text in record.items():
            if column in ROW_COLUMNS or text == "":
                continue
            try:
                value = float(text)
            except ValueError as exc:
                raise SourceError(
                    SOURCE_ID,
                    path.name,
                    "numeric_value",
                    f"{text!r} is not a number",
                    [line],
                    column=column,
                    values=[text],
                ) from exc
            precision = decimals(text)
            if column.startswith("taux_natalite") and record.get("natalite_printed_with_decimal") == "False":
                precision = 0  # printed « 14 » where the other rows print « 13,4 »
            rows.append(
                {
                    "figure_id": f"{table_id}.{slug(record['territory'])}.{column}",
                    "table_id": table_id,
                    "seed_lines": record["seed_lines"],
                    "territory": record["territory"],
                    "territory_type": record.get("territory_type"),
                    "indicator": column,
                    "period": period_of(column),
                    "value": value,
                    "value_max": None,
                    "value_text": text,
                    "precision": precision,
                    "unit": "%"
                    if column.endswith("_pct")
                    else "pts"
                    if column.endswith("_pts")
                    else "‰"
                    if column.endswith("_pour_mille")
                    else None,
                    "note": None,
                    "theme": None,
                    "source_file": path.name,
                    "source_line": line,
                }
            )
    return pd.DataFrame(rows)


def _prose(path: Path) -> pd.DataFrame:
    frame = read_delimited(SOURCE_ID, path, sep=",")
    require_columns(SOURCE_ID, path.name, list(frame.columns), PROSE_REQUIRED)
    frame = frame.assign(source_line=range(2, len(frame) + 2))
    text = frame["value"].str.replace(r"\.0$", "", regex=True)  # the CSV writes 1200000 as 1200000.0
    return pd.DataFrame(
        {
            "figure_id": frame["figure_id"],
            "table_id": "prose",
            "seed_lines": frame["seed_lines"],
            "territory": frame["territory"],
            "territory_type": frame["territory_type"],
            "indicator": frame["indicator"],
            "period": frame["period"],
            "value": pd.to_numeric(frame["value"].replace("", None)),
            "value_max": pd.to_numeric(frame["value_max"].replace("", None)),
            "value_text": frame["value"],
            "precision": text.map(lambda t: decimals(t) if t else None),
            "unit": frame["unit"],
            "note": frame["note"],
            "theme": frame["theme"],
            "source_file": path.name,
            "source_line": frame["source_line"],
        }
    )


def parse(paths: list[Path]) -> Parsed:
    frames = []
    for path in sorted(paths, key=lambda p: p.name):
        if path.name == "prose_figures.csv":
            frames.append(_prose(path))
        elif TABLE_FILE.match(path.name):
            frames.append(_table(path))
    frame = pd.concat(frames, ignore_index=True)
    frame["precision"] = frame["precision"].astype("Int64")
    frame.index = frame.index + 1
    return Parsed(frame, [f"{len(frame)} published figures from {len(frames)} file(s)"])


def parse_crosswalk(paths: list[Path]) -> Parsed:
    frame = read_delimited("diagnostic_crosswalk", paths[0], sep=",")
    require_columns(
        "diagnostic_crosswalk", paths[0].name, list(frame.columns), ["territory", "level", "code", "geo_year", "note"]
    )
    frame["geo_year"] = frame["geo_year"].astype(int)
    frame.index = frame.index + 1
    return Parsed(frame)


TABLES = (
    "t1_jeunesse_epci_2009.csv",
    "t2_population_arrondissements_1999_2009.csv",
    "t3_demographie_epci_1990_2009.csv",
    "t4_emploi_salarie_prive_ze_2008_2012.csv",
    "t5_diplomes_ze_1999_2009.csv",
    "t6_navettes_ze_1999_2006.csv",
    "t7_mortalite_evitable_soins_1982_2007.csv",
    "t9_demence_65plus_2000_2030.csv",
    "prose_figures.csv",
)

SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, role="reference",
        expectations=(
            r.rows(
                r.unique("figure_id", "figure_id_unique"),
                r.not_null("seed_lines", "seed_lines_present"),
                r.matches("seed_lines", r"^\d+(?:-\d+)?(?:[,;] ?\d+(?:-\d+)?)*$", "seed_lines_format", mostly=0.95),
                r.between("precision", "precision_range", min_value=0, max_value=6),
                r.row_count_between("row_count_bounds", min_value=300, max_value=2000),
                *r.label_rules("territory"),
            ),
        ),
        completeness=Completeness(shrink_keys=("table_id",)),
        producer="Conférence Permanente du Bassin Minier Nord-Pas-de-Calais",
        product="Livre Blanc Acte II, diagnostic partagé (décembre 2013): tables and prose figures",
        product_page="(printed document; its text extraction is named by sha256 in sources/data/diagnostic/README.md)",
        official_urls=(), bundled=tuple(f"diagnostic/{name}" for name in TABLES),
        licence="published document, figures quoted as reference",
        attribution="CPBM, diagnostic partagé du Bassin minier (2013)",
        releases=Release(
            page="(printed document)",
            files="none: a fixed document, no new edition",
            format="csv (tables extracted from the printed document)", rhythm="none",
            verified_on="not applicable: the 2013 diagnostic itself",
        ),
        layout="one CSV per printed table + prose_figures.csv (sources/data/diagnostic/README.md)",
    ),
    SourceSpec(
        id="diagnostic_crosswalk", parser=parse_crosswalk, role="reference",
        expectations=(
            r.rows(
                r.unique(["table_id", "territory"], "one_mapping_per_printed_name"),
                r.in_set("level", list(LEVELS), "known_level"),
                r.not_null("code", "code_present"),
                r.between("geo_year", "known_vintage", min_value=2008, max_value=2024),
                *r.label_rules("territory"),
            ),
        ),
        completeness=Completeness(shrink_keys=("table_id",)),
        producer="observatoire (hand-made mapping)",
        product="Printed territory names of the diagnostic → (level, code, geo_year)",
        product_page="sources/data/diagnostic/crosswalk_territories.csv",
        official_urls=(), bundled=("diagnostic/crosswalk_territories.csv",), licence="MIT (project)", attribution="",
        releases=Release(page="(this repository)", files="none: maintained with the project", format="csv",
                         rhythm="none", verified_on="not applicable: hand-made mapping"),
        layout="table_id, territory, level, code, geo_year, note",
    ),
]
