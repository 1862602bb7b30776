"""Household travel surveys (enquêtes ménages déplacements: EMD, EDGT, EMC²) as Cerema delivers them.

A delivery is a set of record files (households, persons, trips, and optionally legs), either fixed width with
the delivery's own layout tables (text or workbook) or `;` CSV with the standard names; see `delivery.py` for
what is read and `standards.py` for the field names of each standard generation. A small survey manifest
(YAML, listed among the `emd` origins) names the survey, its year, standard, youngest surveyed age and files:

    survey: douai_2012
    year: 2012
    standard: edgt                 # emd_certu | edgt | emc2
    min_age: 5
    files: [DOUAI_2012_MENAGE.txt, DOUAI_2012_PERSO.txt, DOUAI_2012_DEPLA.txt, DOUAI_2012_TRAJET.txt,
            DOUAI_2012_dessin.xlsx]
    fields: {}                     # optional: internal field → the delivery's name, where it differs
    outside_zone_prefixes: ["9"]   # optional: zones outside the perimeter when trips carry no TYPD

Without a manifest every `emd` file forms one survey (name = the files' common prefix, standard detected from the
field names, youngest age 5), and the run summary says so. Several surveys need one manifest each.

Output: one frame, one row per record (`record` = household | person | trip | leg), in the internal model:
keys as text including the sampling sector (and the survey method in EMC²), weights, times in minutes from
midnight, durations in minutes, distances in metres, the trip's `outside_perimeter` and `long_trip` flags
(bounds in sources/emd_codes.yml), and per survey the
weighting rule of the trip indicators (`weighting`, `weight_scope`). `source_file` / `source_line` point at the
delivered line of every record; the frame index (`survey/file:line`) is what validation reports name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import yaml

from sources.emd import checks
from sources.emd.codes import dictionary
from sources.emd.delivery import (
    MANIFESTS,
    SOURCE_ID,
    WORKBOOKS,
    Layout,
    Records,
    check_lengths,
    is_layout_text,
    kind_of,
    read_csv_records,
    read_fixed_records,
    read_layouts,
    read_text,
    split_lines,
)
from sources.emd.standards import REQUIRED, STANDARDS, TEXT_FIELDS, detect_standard
from sources.errors import SourceError
from sources.parsing import Parsed, empty_frame, to_numbers
from sources.spec import Release, SourceSpec

MANIFEST_KEYS = {"survey", "year", "standard", "min_age", "files", "fields", "outside_zone_prefixes"}
NUMBERED_KEYS = ("household", "person", "trip", "leg")  # ECH, PER, NDEP, T1: '0012' and '12' are one key


def parse(paths: list[Path]) -> Parsed:
    try:
        return _parse(paths)
    except SourceError:
        raise
    except Exception as exc:  # anything unexpected in a delivery is that survey's error, never a crash
        names = ", ".join(p.name for p in paths)
        raise SourceError(SOURCE_ID, names, "readable_delivery", f"{type(exc).__name__}: {exc}") from exc


def _parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for spec, files in _surveys(paths):
        frame, survey_notes = _read_survey(spec, files)
        frames.append(frame)
        notes += survey_notes
    if not frames:
        return Parsed(empty(), ["no survey files"])
    return Parsed(pd.concat(frames), notes)


def _load_manifest(path: Path) -> dict:
    text, _ = read_text(path)
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceError(SOURCE_ID, path.name, "survey_manifest", f"not valid YAML: {exc}") from exc
    if not isinstance(spec, dict) or not spec.get("survey"):
        raise SourceError(SOURCE_ID, path.name, "survey_manifest", "a manifest is a mapping with at least `survey`")
    unknown = set(spec) - MANIFEST_KEYS
    if unknown:
        raise SourceError(
            SOURCE_ID, path.name, "survey_manifest", f"unknown key(s) {sorted(unknown)}; known: {sorted(MANIFEST_KEYS)}"
        )
    if spec.get("standard", "emd_certu") not in STANDARDS:
        raise SourceError(
            SOURCE_ID, path.name, "survey_manifest", f"standard {spec['standard']!r} not one of {sorted(STANDARDS)}"
        )
    internal = {f for spec_ in STANDARDS.values() for kind in spec_["fields"].values() for f in kind}
    unknown_fields = set(spec.get("fields") or {}) - internal - {"departure", "arrival"}
    if unknown_fields:
        raise SourceError(
            SOURCE_ID,
            path.name,
            "survey_manifest",
            f"fields: unknown internal field(s) {sorted(unknown_fields)}; known: {sorted(internal)}",
        )
    for key in ("year", "min_age"):
        if key in spec and not isinstance(spec[key], int):
            raise SourceError(SOURCE_ID, path.name, "survey_manifest", f"{key} must be a whole number: {spec[key]!r}")
    return {**spec, "survey": str(spec["survey"]), "manifest": path.name}


def _surveys(paths: list[Path]) -> list[tuple[dict, list[Path]]]:
    """Group the delivered files into surveys, from their manifests (or one survey when there is none)."""
    manifests = [_load_manifest(p) for p in paths if p.suffix.lower() in MANIFESTS]
    data = {p.name: p for p in paths if p.suffix.lower() not in MANIFESTS}
    names = [p.name for p in paths]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # manifests name files by their name: two deliveries may not share one
        raise SourceError(SOURCE_ID, ", ".join(twice), "survey_manifest", "two emd origins share this file name")
    if not manifests:
        if not data:
            return []
        stem = os.path.commonprefix([Path(n).stem for n in data]).strip("_- .") or "enquete"
        return [({"survey": stem, "manifest": None}, list(data.values()))]
    surveys, claimed = [], set()
    for spec in manifests:
        names = spec.get("files")
        if names is None and len(manifests) == 1:
            names = list(data)
        if not names:
            raise SourceError(SOURCE_ID, spec["manifest"], "survey_manifest", "list the survey's `files`")
        missing = [n for n in names if n not in data]
        if missing:
            raise SourceError(
                SOURCE_ID, spec["manifest"], "survey_manifest", f"file(s) {missing} are not among the emd origins"
            )
        claimed |= set(names)
        surveys.append((spec, [data[n] for n in names]))
    orphans = sorted(set(data) - claimed)
    if orphans:
        raise SourceError(SOURCE_ID, ", ".join(orphans), "survey_manifest", "file(s) named by no survey manifest")
    return surveys


def _read_files(files: list[Path]) -> tuple[dict[str, Layout], list[Records], dict[str, str]]:
    layouts: dict[str, Layout] = {}
    records: list[Records] = []
    encodings: dict[str, str] = {}
    for path in files:
        if path.suffix.lower() in WORKBOOKS:
            found = read_layouts(path)
        else:
            text, encodings[path.name] = read_text(path)
            first = next((line for line in split_lines(text) if line.strip()), "")
            if is_layout_text(text):
                found = read_layouts(path, text)
            elif ";" in first and kind_of({h.strip().upper() for h in first.split(";")}):
                found, records = [], [*records, read_csv_records(path, text)]
            else:
                found, records = [], records + read_fixed_records(path, text)
        for layout in found:
            if layout.kind in layouts:
                raise SourceError(
                    SOURCE_ID,
                    layout.origin,
                    "layout_table",
                    f"a second {layout.kind} layout (the first is {layouts[layout.kind].origin})",
                )
            layouts[layout.kind] = layout
    return layouts, records, encodings


def _resolve(kind: str, names: set[str], standard: str, overrides: dict, file: str) -> dict:
    """Internal field → the delivery's field (or (form, fields) for times), by the standard's preferences."""
    spec = STANDARDS[standard]
    mapping: dict[str, object] = {}
    for internal, candidates in spec["fields"][kind].items():
        if internal in overrides:
            candidates = [str(overrides[internal]).upper()]  # layout names are read upper-case
            if candidates[0] not in names:
                raise SourceError(
                    SOURCE_ID, file, "required_columns", f"manifest field {internal}: {candidates[0]} not delivered"
                )
        found = next((c for c in candidates if c in names), None)
        if found:
            mapping[internal] = found
    if kind == "trip":
        for key, forms in spec["times"].items():
            override = overrides.get(key)
            if override:
                pair = isinstance(override, list)
                forms = {"hour_minutes": [tuple(map(str.upper, override))]} if pair else {"hhmm": [override.upper()]}
            for form, candidates in forms.items():
                for c in candidates:
                    fields = c if isinstance(c, tuple) else (c,)
                    if key not in mapping and all(f in names for f in fields):
                        mapping[key] = (form, fields)
    missing = [f for f in REQUIRED[kind] if f not in mapping]
    if kind == "trip" and not ({"departure", "arrival"} <= set(mapping) or "duration_min" in mapping):
        missing.append("departure/arrival times or duration")
    if missing:
        looked = {f: spec["fields"][kind].get(f, "see standards.py") for f in missing}
        raise SourceError(
            SOURCE_ID,
            file,
            "required_columns",
            f"{kind} records ({standard}): no field for {looked}; name them in the survey manifest's `fields`",
        )
    return mapping


def _minutes(form: str, values: list[pd.Series]) -> pd.Series:
    if form == "hhmm":
        return values[0] // 100 * 60 + values[0] % 100
    return values[0] * 60 + values[1]


def _convert(part: Records, layout: Layout | None, mapping: dict) -> pd.DataFrame:
    lines = pd.Series(part.lines)
    numbers = {}

    def number(raw: str) -> pd.Series:
        if raw not in numbers:
            numbers[raw] = to_numbers(SOURCE_ID, part.file, part.column(raw, layout), raw, lines)
        return numbers[raw]

    out = pd.DataFrame(index=range(len(part.lines)))
    for internal, raw in mapping.items():
        if isinstance(raw, tuple):
            form, fields = raw
            out[f"{internal}_min"] = _minutes(form, [number(f) for f in fields])
        elif internal in TEXT_FIELDS:
            text = part.column(raw, layout)
            if internal in NUMBERED_KEYS:
                text = text.str.replace(r"^0+(?=\d)", "", regex=True)
            out[internal] = text
        else:
            out[internal] = number(raw)
    out["source_file"] = part.file
    out["source_line"] = part.lines
    return out


def _label(raw: object, layout: Layout | None) -> str:
    if isinstance(raw, tuple):
        return " + ".join(_label(f, layout) for f in raw[1])
    text = layout.fields[raw][2] if layout and raw in layout.fields else ""
    return f"{raw} « {text} »" if text else str(raw)


def _outside(trips: pd.DataFrame, prefixes: tuple[str, ...]) -> pd.Series:
    """TYPD (1 internal, 2 exchange, 3 external) when delivered and known, else the zone codes' prefixes."""
    by_zone = pd.Series(False, index=trips.index)
    for column in ("origin_zone", "destination_zone"):
        if column in trips:
            by_zone |= trips[column].fillna("").str.startswith(prefixes)
    if "perimeter_code" not in trips:
        return by_zone
    return trips["perimeter_code"].isin([2, 3]).where(trips["perimeter_code"].isin([1, 2, 3]), by_zone)


def _read_survey(spec: dict, files: list[Path]) -> tuple[pd.DataFrame, list[str]]:
    survey = spec["survey"]
    layouts, records, encodings = _read_files(files)
    names = set().union(*(r.names(layouts.get(r.kind)) for r in records)) if records else set()
    standard = spec.get("standard") or detect_standard(names)
    overrides = {k: v for k, v in (spec.get("fields") or {}).items()}
    frames, mapped, counts, first = {}, [], {}, {}
    for kind in ("household", "person", "trip", "leg"):
        parts = [r for r in records if r.kind == kind]
        if not parts and kind != "leg":
            delivered = [p.name for p in files]
            raise SourceError(SOURCE_ID, survey, "complete_survey", f"no {kind} records among {delivered}")
        converted = []
        for part in parts:
            layout = layouts.get(kind) if part.columns is None else None
            if part.columns is None:
                if layout is None:
                    raise SourceError(
                        SOURCE_ID, part.file, "layout_table", f"no layout table for its {kind} records (file code)"
                    )
                check_lengths(part, layout)
            mapping = _resolve(kind, part.names(layout), standard, overrides, part.file)
            converted.append(_convert(part, layout, mapping))
            if part is parts[0]:
                mapped.append(f"{kind}: " + ", ".join(f"{k} ← {_label(v, layout)}" for k, v in mapping.items()))
                first[kind] = mapping
        if converted:
            frames[kind] = pd.concat(converted, ignore_index=True).assign(record=kind)
            counts[kind] = len(frames[kind])
    persons, trips = frames["person"], frames["trip"]
    # Weighting of the trip indicators: a distinct weight of the interviewed persons (COEQ, or COEP beside
    # COE1) means that only some persons reported their trips; else every person was interviewed (COEP).
    interviewed_field, all_field = first["person"].get("interviewed_weight"), first["person"]["person_weight"]
    distinct = interviewed_field is not None and interviewed_field != all_field
    if "interviewed" in persons:
        persons["interviewed"] = persons["interviewed"] == 1
    elif distinct:
        persons["interviewed"] = persons["interviewed_weight"].fillna(0) > 0
    else:
        persons["interviewed"] = True
    weighting, scope = (interviewed_field, "interviewed") if distinct else (all_field, "all")
    if "duration_min" not in trips:
        trips["duration_min"] = float("nan")
    if {"departure_min", "arrival_min"} <= set(trips):
        elapsed = trips["arrival_min"] - trips["departure_min"]
        trips["duration_min"] = trips["duration_min"].fillna(elapsed.where(elapsed >= 0))
    prefixes = tuple(str(p) for p in spec.get("outside_zone_prefixes") or dictionary()["outside_area_zone_prefixes"])
    trips["outside_perimeter"] = _outside(trips, prefixes)
    bounds = dictionary()["long_trip"]
    trips["long_trip"] = (trips.get("distance_m", pd.Series(0, index=trips.index)) > bounds["distance_m"]) | (
        trips["duration_min"] > bounds["duration_min"]
    )
    year = spec.get("year")
    if year is None:
        found = re.search(r"(?:19|20)\d{2}", survey)
        year = int(found.group(0)) if found else None
    min_age = int(spec.get("min_age", 5))
    out = pd.concat(frames.values(), ignore_index=True)
    out = out.assign(
        survey=survey, standard=standard, survey_year=year, min_age=min_age, weighting=weighting, weight_scope=scope
    )
    out.index = survey + "/" + out["source_file"] + ":" + out["source_line"].astype(str)
    out = _typed(out)
    not_interviewed = int((~persons["interviewed"]).sum())
    notes = [
        f"survey {survey} ({STANDARDS[standard]['label']}; "
        f"{'manifest ' + spec['manifest'] if spec.get('manifest') else 'no manifest: name, standard and age 5 assumed'}"
        f"; year {year}, surveyed from age {min_age}): "
        + ", ".join(f"{counts.get(k, 0)} {k}s" for k in ("household", "person", "trip", "leg"))
        + f"; {not_interviewed} person(s) not interviewed about their trips",
        f"survey {survey}: trip indicators weighted by {weighting} over "
        + ("the interviewed persons" if scope == "interviewed" else "all persons"),
        f"survey {survey}: encodings " + ", ".join(f"{n} {e}" for n, e in sorted(encodings.items())),
        *(f"survey {survey} fields, {m}" for m in mapped),
    ]
    return out, notes


SCHEMA = {
    "survey": "str",
    "standard": "str",
    "survey_year": "float64",
    "min_age": "int64",
    "weighting": "str",
    "weight_scope": "str",
    "record": "str",
    "source_file": "str",
    "source_line": "int64",
    **{k: "str" for k in sorted(TEXT_FIELDS)},
    "household_weight": "float64",
    "interviewed": "boolean",
    "sex": "float64",
    "age": "float64",
    "person_weight": "float64",
    "interviewed_weight": "float64",
    "origin_purpose": "float64",
    "destination_purpose": "float64",
    "mode_code": "float64",
    "perimeter_code": "float64",
    "departure_min": "float64",
    "arrival_min": "float64",
    "duration_min": "float64",
    "n_legs": "float64",
    "crow_distance_m": "float64",
    "distance_m": "float64",
    "outside_perimeter": "boolean",
    "long_trip": "boolean",
    "leg_mode_code": "float64",
    "occupants": "float64",
    "leg_distance_m": "float64",
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column of the internal model, typed (absent fields stay empty), so all surveys stack."""
    columns = {}
    for column, dtype in SCHEMA.items():
        values = frame[column] if column in frame else pd.Series(None, index=frame.index, dtype="object")
        if dtype == "float64":
            values = pd.to_numeric(values).astype("float64")
        elif dtype == "str":
            values = values.astype("str").where(values.notna())
        columns[column] = values.astype(dtype)
    return pd.DataFrame(columns, index=frame.index)


def empty() -> pd.DataFrame:
    return empty_frame(SCHEMA)


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, empty=empty,
        expectations=checks.EXPECTATIONS,
        completeness=checks.COMPLETENESS,
        producer="Cerema / autorités organisatrices de la mobilité",
        product="Enquêtes ménages déplacements (EMD, EDGT, EMC²), standard Cerema: ménages, personnes, trips",
        product_page="https://www.cerema.fr/fr/activites/mobilites/connaissance-modelisation-evaluation-mobilite",
        official_urls=("(microdata delivered by Cerema under agreement; not public)",), bundled=(),
        licence="delivery agreement of each survey",
        attribution="Cerema, enquêtes ménages déplacements (standard Cerema)",
        releases=Release(
            page="https://www.cerema.fr/fr/activites/mobilites/connaissance-modelisation-evaluation-mobilite",
            files="none public: microdata delivered by Cerema under agreement (origins.yml)",
            format="csv ; separated, one file per record type (standard Cerema)", rhythm="none",
            verified_on="not applicable: no public download",
        ),
        layout="per survey: a manifest (.yml) + record files (fixed width with layout tables, or ; CSV); "
        "see docs/emd-surveys.md",
    ),
]
