"""Household travel surveys (enquêtes ménages déplacements, EMD / EDGT / EMC²) in the Cerema standard.

A survey is delivered as three record files, in one of two forms:
- `;`-separated CSV with a header naming the standard fields (`<survey>_menages.csv`, `<survey>_personnes.csv`,
  `<survey>_deplacements.csv`);
- fixed-width text (`<survey>_menages.txt` …) described by the delivery's « dessin d'enregistrement »: positions
  are read from a layout file `<survey>_layout.yml` (field → [start, length], 1-based) shipped beside the files.
Standard fields used: households `ECH` (household id), `ZONE` (residence zone), `COE0` (household weight);
persons `ECH`, `PER`, `P2` (sex), `P4` (age), `COEP` (person weight); trips `ECH`, `PER`, `NDEP`, `D2A` (purpose
at origin), `D3` (origin zone), `D4` (departure time HHMM), `D5A` (purpose at destination), `D7` (destination
zone), `D8` (arrival time HHMM), `D9` (duration, min), `MODP` (main mode), `DOIB` (crow-fly distance, m),
`DIST` (network distance, m). Legs (trajets) are optional and not read. The survey year comes from the file
name (`<agglomeration>_<year>_…`) and the minimum surveyed age from the layout/metadata (`min_age`, default 5).
Output: one frame with a `record` column (household | person | trip), keys as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from sources.errors import SourceError
from sources.parsing import Parsed, empty_frame, to_numbers

SOURCE_ID = "emd"
RECORDS = {"menages": "household", "personnes": "person", "deplacements": "trip"}
NAME = re.compile(r"^(?P<survey>.+?)_(?P<kind>menages|personnes|deplacements)\.(?P<ext>csv|txt)$", re.I)
FIELDS = {
    "household": ["ECH", "ZONE", "COE0"],
    "person": ["ECH", "PER", "P2", "P4", "COEP"],
    "trip": ["ECH", "PER", "NDEP", "D2A", "D3", "D4", "D5A", "D7", "D8", "D9", "MODP", "DOIB", "DIST"],
}
NUMERIC = {"COE0", "COEP", "P2", "P4", "D2A", "D4", "D5A", "D8", "D9", "MODP", "DOIB", "DIST"}


def _read(path: Path, kind: str, layout: dict | None) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    if layout is None or kind not in layout:
        raise SourceError(
            SOURCE_ID,
            path.name,
            "fixed_width_layout",
            f"no layout for {kind} in the survey's _layout.yml (dessin d'enregistrement)",
        )
    spec = layout[kind]
    names = list(spec)
    colspecs = [(spec[n][0] - 1, spec[n][0] - 1 + spec[n][1]) for n in names]
    return pd.read_fwf(path, colspecs=colspecs, names=names, dtype=str, keep_default_na=False, encoding="utf-8")


def parse(paths: list[Path]) -> Parsed:
    groups: dict[str, dict[str, Path]] = {}
    layouts: dict[str, dict] = {}
    for path in paths:
        if path.name.endswith("_layout.yml"):
            layouts[path.name[: -len("_layout.yml")]] = yaml.safe_load(path.read_text(encoding="utf-8"))
            continue
        match = NAME.match(path.name)
        if not match:
            raise SourceError(
                SOURCE_ID,
                path.name,
                "file_name",
                "expected <survey>_menages|personnes|deplacements.csv|txt or <survey>_layout.yml",
            )
        groups.setdefault(match["survey"], {})[RECORDS[match["kind"].lower()]] = path
    frames, notes = [], []
    for survey, files in sorted(groups.items()):
        missing = set(RECORDS.values()) - set(files)
        if missing:
            raise SourceError(SOURCE_ID, survey, "complete_survey", f"missing record file(s): {sorted(missing)}")
        layout = layouts.get(survey)
        year = re.search(r"(19|20)\d{2}", survey)
        min_age = int((layout or {}).get("min_age", 5))
        for record, path in files.items():
            frame = _read(path, record, layout).apply(lambda c: c.str.strip())
            absent = [f for f in FIELDS[record] if f not in frame.columns]
            if absent:
                raise SourceError(SOURCE_ID, path.name, "required_columns", f"missing field(s) {absent}")
            frame = frame[FIELDS[record]].copy()
            lines = pd.Series(frame.index + (2 if path.suffix.lower() == ".csv" else 1), index=frame.index)
            for column in NUMERIC & set(frame.columns):
                frame[column] = to_numbers(SOURCE_ID, path.name, frame[column], column, lines)
            frame.insert(0, "record", record)
            frame.insert(0, "survey", survey)
            frame["survey_year"] = int(year.group(0)) if year else None
            frame["min_age"] = min_age
            frame["source_file"] = path.name
            frame["source_line"] = lines
            frames.append(frame)
        counts = {f["record"].iloc[0]: len(f) for f in frames[-3:] if len(f)}
        notes.append(
            f"survey {survey} (min age {min_age}): "
            + ", ".join(f"{counts.get(r, 0)} {r}s" for r in ("household", "person", "trip"))
        )
    if not frames:
        return Parsed(empty(), ["no survey files"])
    out = pd.concat(frames, ignore_index=True)
    out.index = out.index + 1
    return Parsed(out, notes)


def empty() -> pd.DataFrame:
    columns = sorted({c for fields in FIELDS.values() for c in fields})
    return empty_frame(
        {
            "survey": "str",
            "record": "str",
            **{c: "float64" if c in NUMERIC else "str" for c in columns},
            "survey_year": "float64",
            "min_age": "int64",
            "source_file": "str",
            "source_line": "int64",
        }
    )
