"""Household travel surveys: a generated survey (synthetic) in both Cerema layouts, through validation into
mart_mobilite; expected results computed here with plain Python from the same records."""

import pandas as pd
import pytest
import yaml

from sources.emd import parse

HOUSEHOLDS = [("H1", "101", 10.0), ("H2", "102", 20.0), ("H3", "205", 15.0)]
PERSONS = [  # ECH, PER, sex, age, COEP
    ("H1", "1", 1, 30, 12.0),
    ("H1", "2", 2, 8, 12.0),
    ("H2", "1", 2, 45, 25.0),
    ("H2", "2", 1, 70, 20.0),
    ("H3", "1", 1, 15, 18.0),
]
TRIPS = [  # ECH, PER, NDEP, D2A, D3, D4, D5A, D7, D8, D9, MODP, DOIB, DIST
    ("H1", "1", "1", 1, "101", 800, 11, "205", 830, 30, 21, 8000, 10000),
    ("H1", "1", "2", 11, "205", 1730, 1, "101", 1800, 30, 21, 8000, 10000),
    ("H1", "2", "1", 1, "101", 830, 23, "102", 845, 15, 22, 1500, 2000),  # aged 8: outside the 11+ scope
    ("H2", "1", "1", 1, "102", 900, 31, "102", 910, 10, 10, 500, 600),
    ("H2", "1", "2", 31, "102", 1000, 1, "102", 1010, 10, 10, 500, 600),
    ("H2", "1", "3", 1, "102", 1400, 61, "901", 1420, 20, 21, 3000, 4000),  # to the rest of the département
    ("H3", "1", "1", 1, "205", 745, 25, "101", 815, 30, 31, 9000, 12000),
    ("H3", "1", "2", 25, "101", 1700, 1, "205", 1640, 35, 22, 9000, 12000),  # times swapped: D9 used
]
H_COLS, P_COLS = ["ECH", "ZONE", "COE0"], ["ECH", "PER", "P2", "P4", "COEP"]
T_COLS = ["ECH", "PER", "NDEP", "D2A", "D3", "D4", "D5A", "D7", "D8", "D9", "MODP", "DOIB", "DIST"]


def write_csv(folder, name, trips=TRIPS):
    for kind, rows, cols in (
        ("menages", HOUSEHOLDS, H_COLS),
        ("personnes", PERSONS, P_COLS),
        ("deplacements", trips, T_COLS),
    ):
        pd.DataFrame(rows, columns=cols).to_csv(folder / f"{name}_{kind}.csv", sep=";", index=False)
    return [folder / f"{name}_{k}.csv" for k in ("menages", "personnes", "deplacements")]


def write_fixed(folder, name):
    widths = {
        "ECH": 4,
        "ZONE": 5,
        "COE0": 8,
        "PER": 3,
        "P2": 2,
        "P4": 4,
        "COEP": 8,
        "NDEP": 3,
        "D2A": 3,
        "D3": 5,
        "D4": 5,
        "D5A": 3,
        "D7": 5,
        "D8": 5,
        "D9": 4,
        "MODP": 3,
        "DOIB": 7,
        "DIST": 7,
    }
    layout = {"min_age": 5}
    paths = []
    for kind, rows, cols in (
        ("menages", HOUSEHOLDS, H_COLS),
        ("personnes", PERSONS, P_COLS),
        ("deplacements", TRIPS, T_COLS),
    ):
        start, spec, lines = 1, {}, []
        for col in cols:
            spec[col] = [start, widths[col]]
            start += widths[col]
        for row in rows:
            lines.append("".join(str(v).rjust(widths[c]) for v, c in zip(row, cols, strict=True)))
        layout[{"menages": "household", "personnes": "person", "deplacements": "trip"}[kind]] = spec
        (folder / f"{name}_{kind}.txt").write_text("\n".join(lines) + "\n")
        paths.append(folder / f"{name}_{kind}.txt")
    (folder / f"{name}_layout.yml").write_text(yaml.safe_dump(layout))
    return [*paths, folder / f"{name}_layout.yml"]


def expected(min_age=11):
    """Weighted indicators by hand: persons by COEP; a trip carries its person's weight."""
    people = {(e, p): (age, w) for e, p, _, age, w in PERSONS if age >= min_age}
    trips = [t for t in TRIPS if (t[0], t[1]) in people]
    weight = {k: w for k, (_, w) in people.items()}
    total_w = sum(weight.values())
    trip_w = sum(weight[(t[0], t[1])] for t in trips)
    by_mode = {}
    for t in trips:
        group = {21: "car_driver", 22: "car_passenger", 10: "walking", 31: "public_transport"}[t[10]]
        by_mode[group] = by_mode.get(group, 0) + weight[(t[0], t[1])]
    purposes = {}
    for t in trips:
        code = t[3] if t[6] == 1 else t[6]  # destination purpose, origin purpose when going home
        group = {11: "work", 23: "study", 25: "study", 31: "shopping", 61: "escort"}[code]
        purposes[group] = purposes.get(group, 0) + weight[(t[0], t[1])]
    no_trip = sum(w for k, w in weight.items() if not any((t[0], t[1]) == k for t in trips))
    return {
        "deplacements_par_personne": trip_w / total_w,
        "part_personnes_sans_deplacement": 100 * no_trip / total_w,
        "duree_moyenne_min": sum(weight[(t[0], t[1])] * t[9] for t in trips) / trip_w,
        "distance_moyenne_km": sum(weight[(t[0], t[1])] * t[12] / 1000 for t in trips) / trip_w,
        "taux_occupation_voiture": (by_mode["car_driver"] + by_mode["car_passenger"]) / by_mode["car_driver"],
        **{f"part_modale_{k}": 100 * v / trip_w for k, v in by_mode.items()},
        **{f"part_motif_{k}": 100 * v / trip_w for k, v in purposes.items()},
    }


def test_both_layouts_parse_to_the_same_records(tmp_path):
    csv = parse(write_csv(tmp_path, "bethune_2005")).frame
    fixed = parse(write_fixed(tmp_path, "douai_2012")).frame
    cols = ["record", "ECH", "PER", "NDEP", "MODP", "D4", "D9", "COEP", "DIST"]
    a = csv[cols].reset_index(drop=True)
    b = fixed[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))
    assert set(fixed.min_age) == {5} and set(fixed.survey_year) == {2012}


def test_configured_surveys_flow_into_mart_mobilite(private_home, tmp_path, monkeypatch):
    from flows.nightly import run_refresh
    from sources.settings import get_settings
    from warehouse.db import connect_readonly

    paths = write_csv(tmp_path, "bethune_2005_SYNTHETIC") + write_fixed(tmp_path, "douai_2012_SYNTHETIC")
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({"emd": [str(p) for p in paths]}))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))
    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary
    emd = next(o for o in summary["sources"] if o["source_id"] == "emd")
    assert any("arrival_after_departure" in w for w in emd["warnings"])  # the swapped trip is reported
    assert any("trips_within_survey_area" in w for w in emd["warnings"])  # and the trip leaving the area
    con = connect_readonly(get_settings().warehouse_path)
    mart = con.sql("SELECT enquete, indicateur, valeur FROM mart_mobilite WHERE ventilation = 'ensemble'").df()
    repro = dict(con.sql("SELECT figure_id, status FROM reproduction WHERE figure_id IN ('PA108', 'PA113')").fetchall())
    con.close()
    want = expected()
    for survey in ("bethune_2005_SYNTHETIC", "douai_2012_SYNTHETIC"):
        got = mart[mart.enquete == survey].set_index("indicateur")["valeur"]
        for indicator, value in want.items():
            assert got[indicator] == pytest.approx(value, rel=1e-12), (survey, indicator)
    assert set(repro.values()) <= {"reproduced", "differs"}  # checked against the printed ranges


def test_trip_without_person_quarantines_the_survey(private_home, tmp_path, monkeypatch):
    from flows.nightly import run_refresh

    broken = TRIPS + [("H2", "9", "1", 1, "102", 900, 31, "102", 910, 10, 10, 500, 600)]
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({"emd": [str(p) for p in write_csv(tmp_path, "lens_2006", broken)]}))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))
    summary = run_refresh()
    assert summary["quarantined"] == ["emd"]
    message = " ".join(next(o for o in summary["sources"] if o["source_id"] == "emd")["messages"])
    assert "trip_linked_to_person" in message and "lens_2006/H2/9/1" in message
