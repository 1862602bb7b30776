"""SYNTHETIC household travel surveys, generated in the Cerema delivery formats (for tests only).

A survey is given in plain Python records (below); `write_delivery` writes it as a producer delivers it:
fixed-width record files in latin-1 whose lines start with their file code and end with an end-of-record marker,
described by layout tables (tab-separated latin-1 text with a banner line, or one workbook sheet per record file),
or `;` CSV files with the standard names (EMC² open-data style), plus a survey manifest. Field names and
positions follow each standard's layout (EDGT: D4A/D4B, D8A/D8B, D8C, D9 = legs, COEM, COEP + COEQ; EMD
« standard Certu »: HHMM times D4/D8, D9 duration, COE0, COEP; EMC²: STM/STP/STD/STT sectors, survey method,
COE1 + COEP, TYPD). No value here comes from a real survey.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml


@dataclass
class Person:
    sector: str
    ech: int
    per: int
    sex: int
    age: int
    interviewed: bool
    coep: float  # weight of all persons
    coeq: float | None  # weight of the interviewed persons (None when not interviewed)


@dataclass
class Trip:
    sector: str
    ech: int
    per: int
    ndep: int
    origin_purpose: int
    origin_zone: str
    departure: tuple[int, int]  # hour, minutes
    destination_purpose: int
    destination_zone: str
    arrival: tuple[int, int]
    duration: int  # minutes, as delivered
    mode: int
    crow_m: int
    distance_m: int
    legs: int = 0


@dataclass
class Leg:
    sector: str
    ech: int
    per: int
    ndep: int
    t1: int
    mode: int
    occupants: int
    distance_m: int


@dataclass
class Survey:
    households: list[tuple[str, int, str, float, str]]  # sector, ECH, residence zone, weight, commune label
    persons: list[Person]
    trips: list[Trip]
    legs: list[Leg] = field(default_factory=list)


def base_survey() -> Survey:
    """Two sampling sectors that both use ECH 1 and 2; a non-interviewed adult; a child of 8; an unknown mode
    (99) and purpose (77); a 700 km, 420 min trip leaving the perimeter (zone 9…); swapped times."""
    households = [
        ("001", 1, "001001", 10.0, "Béthune"),
        ("001", 2, "001002", 12.0, "Bruay-la-Buissière"),
        ("002", 1, "002001", 20.0, "Lièvin"),
        ("002", 2, "002003", 15.0, "Hénin-Beaumont"),
    ]
    persons = [
        Person("001", 1, 1, 1, 30, True, 10.0, 20.0),
        Person("001", 1, 2, 2, 28, False, 10.0, None),
        Person("001", 1, 3, 2, 8, True, 10.0, 10.0),
        Person("001", 2, 1, 2, 45, True, 12.0, 12.0),
        Person("002", 1, 1, 1, 70, True, 20.0, 20.0),
        Person("002", 1, 2, 2, 15, True, 20.0, 20.0),
        Person("002", 2, 1, 1, 52, True, 15.0, 30.0),
        Person("002", 2, 2, 2, 50, False, 15.0, None),
    ]
    trips = [
        Trip("001", 1, 1, 1, 1, "001001", (8, 0), 11, "002001", (8, 30), 30, 21, 8000, 10000, 1),
        Trip("001", 1, 1, 2, 11, "002001", (17, 30), 1, "001001", (18, 0), 30, 21, 8000, 10000, 1),
        Trip("001", 1, 3, 1, 1, "001001", (8, 30), 22, "001002", (8, 45), 15, 22, 1500, 2000, 1),  # aged 8
        Trip("001", 2, 1, 1, 1, "001002", (9, 0), 32, "001002", (9, 10), 10, 1, 500, 600),
        Trip("001", 2, 1, 2, 32, "001002", (10, 0), 1, "001002", (10, 10), 10, 1, 500, 600),
        Trip("001", 2, 1, 3, 1, "001002", (14, 0), 61, "002003", (14, 20), 20, 22, 3000, 4000, 1),
        Trip("002", 1, 1, 1, 1, "002001", (7, 0), 54, "901000", (14, 0), 420, 51, 700000, 710000, 1),  # long
        Trip("002", 1, 2, 1, 1, "002001", (7, 45), 24, "001001", (8, 15), 30, 41, 9000, 12000, 1),
        Trip("002", 1, 2, 2, 24, "001001", (17, 0), 1, "002001", (16, 25), 35, 99, 9000, 12000),  # swapped, code 99
        Trip("002", 2, 1, 1, 1, "002003", (8, 0), 77, "002001", (8, 25), 25, 21, 6000, 7000, 1),  # purpose 77
    ]
    legs = [
        Leg("001", 1, 1, 1, 1, 21, 1, 10000),
        Leg("001", 1, 1, 2, 1, 21, 2, 10000),
        Leg("001", 1, 3, 1, 1, 22, 2, 2000),
        Leg("001", 2, 1, 3, 1, 22, 3, 4000),
        Leg("002", 1, 1, 1, 1, 51, 0, 710000),
        Leg("002", 1, 2, 1, 1, 41, 0, 12000),
        Leg("002", 2, 1, 1, 1, 21, 3, 7000),
    ]
    return Survey(households, persons, trips, legs)


def fully_interviewed(survey: Survey) -> Survey:
    """The same survey where everybody was interviewed (face-to-face): COEQ = COEP; no new trips."""
    return replace(survey, persons=[replace(p, interviewed=True, coeq=p.coep) for p in survey.persons])


# Layouts: (name, width, label, value getter). The first field is the file code, the last the end marker.
def _hm(t: tuple[int, int]) -> int:
    return t[0] * 100 + t[1]


def _weight(value: float | None) -> str:
    return "" if value is None else f"{value:.5f}"


def _layouts(standard: str) -> dict[str, list[tuple[str, int, str, object]]]:
    sector = "TIR"  # MTIR, PTIR, DTIR, TTIR
    head = {
        "household": [("MP1", 1, "Code fichier = 1 (ménage)", lambda r: "1"), (f"M{sector}", 3, "Secteur de tirage",
                      lambda r: r[0]), ("ECH", 4, "Numéro d'échantillon", lambda r: f"{r[1]:04d}")],
        "person": [("PP1", 1, "Code fichier = 2 (personne)", lambda r: "2"), (f"P{sector}", 3, "Secteur de tirage",
                   lambda r: r.sector), ("ECH", 4, "Numéro d'échantillon", lambda r: f"{r.ech:04d}"),
                   ("PER", 2, "Numéro de personne", lambda r: f"{r.per:02d}")],
        "trip": [("DP1", 1, "Code fichier = 3 (déplacement)", lambda r: "3"), (f"D{sector}", 3, "Secteur de tirage",
                 lambda r: r.sector), ("ECH", 4, "Numéro d'échantillon", lambda r: f"{r.ech:04d}"),
                 ("PER", 2, "Numéro de personne", lambda r: f"{r.per:02d}"),
                 ("NDEP", 2, "Numéro de déplacement", lambda r: f"{r.ndep:02d}")],
        "leg": [("TP1", 1, "Code fichier = 4 (trajet)", lambda r: "4"), (f"T{sector}", 3, "Secteur de tirage",
                lambda r: r.sector), ("ECH", 4, "Numéro d'échantillon", lambda r: f"{r.ech:04d}"),
                ("PER", 2, "Numéro de personne", lambda r: f"{r.per:02d}"),
                ("NDEP", 2, "Numéro de déplacement", lambda r: f"{r.ndep:02d}"),
                ("T1", 1, "Numéro de trajet", lambda r: str(r.t1))],
    }
    end = [("FIN", 1, "Fin de fichier (marqueur)", lambda r: "F")]
    household = [("ZFM", 6, "Zone fine de résidence", lambda r: r[2]), ("LIBCOM", 24, "Libellé de la commune",
                  lambda r: r[4]), ("COEM" if standard == "edgt" else "COE0", 10,
                  "Coefficient de redressement ménage", lambda r: f"{r[3]:.4f}")]
    person = [("PENQ", 1, "Personne enquêtée (1 oui, 2 non)", lambda r: "1" if r.interviewed else "2"),
              ("P2", 1, "Sexe", lambda r: str(r.sex)), ("P4", 3, "Âge", lambda r: str(r.age)),
              ("COEP", 10, "Coefficient de redressement toutes personnes" if standard == "edgt"
               else "Coefficient de redressement personne", lambda r: _weight(r.coep))]
    if standard == "edgt":
        person.append(("COEQ", 10, "Coefficient de redressement personnes enquêtées", lambda r: _weight(r.coeq)))
    if standard == "edgt":
        times = [("D4A", 2, "Heure de départ (heures)", lambda r: f"{r.departure[0]:02d}"),
                 ("D4B", 2, "Heure de départ (minutes)", lambda r: f"{r.departure[1]:02d}")]
        arrival = [("D8A", 2, "Heure d'arrivée (heures)", lambda r: f"{r.arrival[0]:02d}"),
                   ("D8B", 2, "Heure d'arrivée (minutes)", lambda r: f"{r.arrival[1]:02d}"),
                   ("D8C", 4, "Durée du déplacement (minutes)", lambda r: str(r.duration)),
                   ("D9", 2, "Nombre de trajets", lambda r: str(r.legs))]
        distances = [("DOIB", 7, "Distance à vol d'oiseau (m)", lambda r: str(r.crow_m)),
                     ("DIST", 7, "Distance parcourue (m)", lambda r: str(r.distance_m))]
    else:
        times = [("D4", 4, "Heure de départ (HHMM)", lambda r: f"{_hm(r.departure):04d}")]
        arrival = [("D8", 4, "Heure d'arrivée (HHMM)", lambda r: f"{_hm(r.arrival):04d}"),
                   ("D9", 4, "Durée du déplacement", lambda r: str(r.duration)),
                   ("D10", 2, "Nombre de trajets", lambda r: str(r.legs))]
        distances = [("D11", 7, "Longueur à vol d'oiseau", lambda r: str(r.crow_m)),
                     ("D12", 7, "Distance parcourue", lambda r: str(r.distance_m))]
    trip = [("D2A", 2, "Motif origine", lambda r: str(r.origin_purpose)),
            ("D3", 6, "Zone fine origine", lambda r: r.origin_zone), *times,
            ("D5A", 2, "Motif destination", lambda r: str(r.destination_purpose)),
            ("D7", 6, "Zone fine destination", lambda r: r.destination_zone), *arrival,
            ("MODP", 2, "Mode principal", lambda r: str(r.mode)), *distances]
    leg = [("T3", 2, "Mode utilisé", lambda r: str(r.mode)),
           ("T8", 2, "Nombre de personnes total (véhicule)", lambda r: str(r.occupants)),
           ("T13", 7, "Distance parcourue (m)", lambda r: str(r.distance_m))]
    return {
        "household": head["household"] + household + end,
        "person": head["person"] + person + end,
        "trip": head["trip"] + trip + end,
        "leg": head["leg"] + leg + end,
    }


FILE_NAMES = {"household": "MENAGE", "person": "PERSO", "trip": "DEPLA", "leg": "TRAJET"}


def _rows(survey: Survey) -> dict[str, list]:
    return {"household": survey.households, "person": survey.persons, "trip": survey.trips, "leg": survey.legs}


def write_delivery(
    folder: Path, survey: Survey, name: str, standard: str, layout_as: str = "text", min_age: int = 5, year: int = 2012
) -> list[Path]:
    """Write a fixed-width delivery (latin-1) with its layout tables and a manifest; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    layouts = _layouts(standard)
    paths = []
    for kind, rows in _rows(survey).items():
        if not rows:
            continue
        fields = layouts[kind]
        lines = []
        for row in rows:
            cells = []
            for field_name, width, _, get in fields:
                value = str(get(row))
                if len(value) > width:
                    raise ValueError(f"{field_name}={value!r} wider than {width}")
                cells.append(value.ljust(width) if field_name in {"LIBCOM", "ZFM", "D3", "D7"} else value.rjust(width))
            lines.append("".join(cells))
        path = folder / f"{name.upper()}_{FILE_NAMES[kind]}_{standard.upper()}.txt"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
        paths.append(path)
    paths += _write_layout(folder, name, layouts, layout_as)
    manifest = folder / f"{name}.survey.yml"
    manifest.write_text(
        yaml.safe_dump(
            {"survey": name, "year": year, "standard": standard, "min_age": min_age, "files": [p.name for p in paths]},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return [manifest, *paths]


def _layout_rows(fields: list) -> list[list]:
    rows, position = [], 1
    for name, width, label, _ in fields:
        rows.append([position, width, name, label])
        position += width
    return rows


def _write_layout(folder: Path, name: str, layouts: dict, layout_as: str) -> list[Path]:
    header = ["Position", "Taille", "Nom variable CEREMA", "Libellés des variables"]
    if layout_as == "workbook":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for kind, fields in layouts.items():
            sheet = book.create_sheet(f"Fichier {FILE_NAMES[kind]}")
            sheet.append([f"Dessin d'enregistrement - fichier {FILE_NAMES[kind]} (données SYNTHÉTIQUES)"])
            sheet.append(header)
            for row in _layout_rows(fields):
                sheet.append(row)
        path = folder / f"{name}_dessin_enregistrement.xlsx"
        book.save(path)
        return [path]
    paths = []
    for kind, fields in layouts.items():
        lines = [f"Dessin d'enregistrement du fichier {FILE_NAMES[kind]} - données SYNTHÉTIQUES", "\t".join(header)]
        lines += ["\t".join(str(c) for c in row) for row in _layout_rows(fields)]
        path = folder / f"{name}_dessin_{FILE_NAMES[kind].lower()}.txt"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
        paths.append(path)
    return paths


def write_emc2_csv(folder: Path, survey: Survey, name: str, year: int = 2019) -> list[Path]:
    """EMC²-style `;` CSV files (UTF-8) with the standard names: STM/STP/STD/STT, survey method, COE1 (all
    persons) + COEP (interviewed persons), HHMM times, TYPD (1 internal, 3 external to the perimeter)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "household": (["MP1", "METH", "STM", "ZFM", "ECH", "COE0"],
                      [[1, 2, h[0], h[2], h[1], h[3]] for h in survey.households]),
        "person": (["PP1", "PMET", "STP", "ECH", "PER", "PENQ", "P2", "P4", "COE1", "COEP"],
                   [[2, 2, p.sector, p.ech, p.per, 1 if p.interviewed else 2, p.sex, p.age, p.coep,
                     _weight(p.coeq).replace(".", ",")] for p in survey.persons]),
        "trip": (["DP1", "DMET", "STD", "ECH", "PER", "NDEP", "D2A", "D3", "D4", "D5A", "D7", "D8", "D9", "D10",
                  "D11", "D12", "MODP", "TYPD"],
                 [[3, 2, t.sector, t.ech, t.per, t.ndep, t.origin_purpose, t.origin_zone, _hm(t.departure),
                   t.destination_purpose, t.destination_zone, _hm(t.arrival), t.duration, t.legs, t.crow_m,
                   t.distance_m, t.mode, 3 if t.destination_zone.startswith("9") else 1] for t in survey.trips]),
        "leg": (["TP1", "TMET", "STT", "ECH", "PER", "NDEP", "T1", "T3", "T8", "T13"],
                [[4, 2, g.sector, g.ech, g.per, g.ndep, g.t1, g.mode, g.occupants, g.distance_m] for g in survey.legs]),
    }
    paths = []
    for kind, (header, rows) in tables.items():
        path = folder / f"{name}_std_{FILE_NAMES[kind].lower()}.csv"
        path.write_text("\n".join(";".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="utf-8")
        paths.append(path)
    manifest = folder / f"{name}.survey.yml"
    manifest.write_text(
        yaml.safe_dump({"survey": name, "year": year, "standard": "emc2", "min_age": 5,
                        "files": [p.name for p in paths]}),
        encoding="utf-8",
    )
    return [manifest, *paths]
