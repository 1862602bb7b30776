"""INSEE Code officiel géographique (COG): commune memberships, supra-communal labels, passage tables.

Bundled as the COGugaison compilation (Parquet) of INSEE's « tables d'appartenance géographique des communes »
and the commune change history; the official layout is kept (codgeo, libgeo, reg, dep, arr, epci, ze2010 …).
"""

from __future__ import annotations

from pathlib import Path

from sources.parsing import Parsed, drop_blank_rows, read_parquet

APPARTENANCE_COLUMNS = [
    "cog_year",
    "codgeo",
    "libgeo",
    "reg",
    "dep",
    "arr",
    "epci",
    "nature_epci",
    "ze2010",
    "ze2020",
]
LIBELLES_COLUMNS = ["cog_year", "nivgeo", "codgeo", "libgeo"]
# Known defects of the bundled delivery, removed by key (any other duplicate still fails validation):
# COG 2020 lists Nanchez (39130) four times, identical but for the canton (cv 3914 / 3981), which this
# pipeline does not use; the first row is kept.
KNOWN_DUPLICATES = {(2020, "39130")}
PASSAGE_COLUMNS = ["from_year", "to_year", "cod_from", "cod_to", "annee", "typemodif", "ratio"]


def _with_row_numbers(frame):
    # 1-based row number in the file, so validation failures point at rows a user can find.
    frame = frame.reset_index(drop=True)
    frame.index = frame.index + 1
    return frame


def parse_appartenance(paths: list[Path]) -> Parsed:
    frame = read_parquet("insee_cog_appartenance", paths[0], APPARTENANCE_COLUMNS)
    frame = _with_row_numbers(frame)
    frame, notes = drop_blank_rows(frame, paths[0].name)
    keys = list(zip(frame["cog_year"], frame["codgeo"], strict=True))
    known = frame[[k in KNOWN_DUPLICATES for k in keys]]
    extra = known.index[known.duplicated(subset=["cog_year", "codgeo"], keep="first")]
    if len(extra):
        frame = frame.drop(index=extra)
        notes.append(
            f"{paths[0].name}: dropped {len(extra)} known duplicate row(s) of {sorted(KNOWN_DUPLICATES)}"
            f" (rows {list(extra)})"
        )
    return Parsed(frame, notes)


def parse_libelles(paths: list[Path]) -> Parsed:
    frame = _with_row_numbers(read_parquet("insee_cog_libelles", paths[0], LIBELLES_COLUMNS))
    frame, notes = drop_blank_rows(frame, paths[0].name)
    return Parsed(frame, notes)


def parse_passage(paths: list[Path]) -> Parsed:
    return Parsed(_with_row_numbers(read_parquet("insee_cog_passage", paths[0], PASSAGE_COLUMNS)))
