"""Household travel surveys: SYNTHETIC deliveries generated in each Cerema standard's layout (tests/emd_synthetic.py)
read into one model, validated, and turned into mart_mobilite; every expected indicator is recomputed here in
plain Python from the same records, with the code groups written out by hand."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd
import pytest
import yaml
from emd_synthetic import Leg, Person, Survey, Trip, base_survey, fully_interviewed, write_delivery, write_emc2_csv

from sources.emd import parse
from sources.emd.codes import code_table
from sources.errors import SourceError
from sources.ingestion.registry import SOURCES
from transforms.runner import discover, load_config, order, run_model

MODES = {1: "walking", 21: "car_driver", 22: "car_passenger", 41: "interurban_public_transport", 51: "train"}
PURPOSES = {1: "home", 11: "work", 22: "study", 24: "study", 32: "shopping", 54: "leisure", 61: "accompanying"}


def mart(tmp_path, paths, min_age=11) -> pd.DataFrame:
    """Parse a delivery and run the EMD models on it (no Prefect, no other source)."""
    (tmp_path / "validated").mkdir(exist_ok=True)
    parse(paths).frame.to_parquet(tmp_path / "validated" / "emd.parquet", index=False)
    con = duckdb.connect()
    load_config(
        con,
        pd.DataFrame({"source_id": ["emd"], "sha256": ["synthetic"], "files": ["synthetic"]}),
        {"cfg_emd_codes": code_table()},
    )
    con.execute(f"UPDATE cfg_emd SET min_age = {min_age}")
    for model in order(discover()):
        if model.name.startswith("stg_emd_") or model.name == "mart_mobilite":
            run_model(con, model, tmp_path / "validated")
    return con.sql("SELECT * FROM mart_mobilite").df()


def values(frame: pd.DataFrame, survey: str, breakdown="ensemble", category="ensemble") -> dict[str, float]:
    cell = frame[(frame.enquete == survey) & (frame.ventilation == breakdown) & (frame.categorie == category)]
    return dict(zip(cell.indicateur, cell.valeur, strict=True))


def expected(survey: Survey, min_age=11, interviewed_only=True, keep=lambda p: True) -> dict[str, float]:
    """Indicators by hand: persons aged min_age+ (only the interviewed ones, weighted by COEQ, when the survey says
    who was interviewed; else everyone by COEP); a trip or leg carries its person's weight."""
    people = {
        (p.sector, p.ech, p.per): (p.coeq if interviewed_only else p.coep)
        for p in survey.persons
        if p.age >= min_age and (p.interviewed or not interviewed_only) and keep(p)
    }
    trips = [t for t in survey.trips if (t.sector, t.ech, t.per) in people]
    weight = lambda r: people[(r.sector, r.ech, r.per)]  # noqa: E731
    total, trip_total = sum(people.values()), sum(weight(t) for t in trips)
    out = {
        "deplacements_par_personne": trip_total / total,
        "part_personnes_sans_deplacement": 100
        * sum(wp for k, wp in people.items() if not any((t.sector, t.ech, t.per) == k for t in trips))
        / total,
        "population_ponderee": total,
    }
    for prefix, group_of in (("part_modale_", lambda t: MODES.get(t.mode, "autre")), ("part_motif_", purpose)):
        for t in trips:
            key = prefix + group_of(t)
            out[key] = out.get(key, 0) + 100 * weight(t) / trip_total
    outside = [t for t in trips if t.origin_zone.startswith("9") or t.destination_zone.startswith("9")]
    inside = [t for t in trips if t not in outside]
    out["part_deplacements_hors_perimetre"] = 100 * sum(weight(t) for t in outside) / trip_total
    if inside:  # a cell without internal trips has no local means
        inside_total = sum(weight(t) for t in inside)
        out["duree_moyenne_min"] = sum(weight(t) * t.duration for t in inside) / inside_total
        out["distance_moyenne_km"] = sum(weight(t) * t.distance_m / 1000 for t in inside) / inside_total
    drivers = [g for g in survey.legs if (g.sector, g.ech, g.per) in people and g.mode == 21 and g.occupants >= 1]
    if drivers:
        out["taux_occupation_voiture"] = sum(weight(g) * g.occupants for g in drivers) / sum(weight(g) for g in drivers)
    return out


def purpose(t: Trip) -> str:
    """Destination purpose, or the origin purpose when the trip goes home (« motif hors domicile »)."""
    code = t.origin_purpose if PURPOSES.get(t.destination_purpose) == "home" else t.destination_purpose
    return PURPOSES.get(code, "autre")


def assert_indicators(got: dict, want: dict) -> None:
    assert set(got) == set(want), set(got) ^ set(want)
    for indicator, value in want.items():
        assert got[indicator] == pytest.approx(value, rel=1e-12), indicator


def test_every_standard_and_layout_reads_to_the_same_records(tmp_path):
    survey = base_survey()
    frames = {
        "edgt text layout": parse(write_delivery(tmp_path / "a", survey, "a_2012", "edgt", "text")).frame,
        "edgt workbook layout": parse(write_delivery(tmp_path / "b", survey, "b_2012", "edgt", "workbook")).frame,
        "emc2 csv": parse(write_emc2_csv(tmp_path / "c", survey, "c_2019")).frame,
        "emd certu": parse(write_delivery(tmp_path / "d", fully_interviewed(survey), "d_2005", "emd_certu")).frame,
    }
    cols = ["sector", "household", "person", "trip", "leg", "sex", "age", "mode_code", "destination_purpose",
            "departure_min", "arrival_min", "duration_min", "distance_m", "crow_distance_m", "occupants",
            "outside_perimeter", "long_trip"]  # fmt: skip
    reference = frames["edgt text layout"][cols].reset_index(drop=True)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame[cols].reset_index(drop=True), reference, obj=name)
    trips = reference.dropna(subset=["trip"]).query("leg.isna()")
    # 07:45 → 08:15 as D4A/D4B + D8A/D8B (EDGT) or HHMM (EMD, EMC²): minutes from midnight
    assert trips.iloc[7][["departure_min", "arrival_min", "duration_min"]].tolist() == [465, 495, 30]
    households = frames["edgt text layout"].query("record == 'household'")
    assert len(households) == 4 and households.household.nunique() == 2  # ECH repeats across sampling sectors
    edgt, certu = frames["edgt text layout"], frames["emd certu"]
    assert set(edgt.weighting) == {"COEQ"} and set(edgt.weight_scope) == {"interviewed"}
    assert set(certu.weighting) == {"COEP"} and set(certu.weight_scope) == {"all"}
    assert set(frames["emc2 csv"].weighting) == {"COEP"}  # beside COE1, COEP weighs the interviewed persons
    assert (edgt.query("record == 'person'").interviewed == [p.interviewed for p in survey.persons]).all()


def test_indicators_by_survey_sector_sex_and_age(tmp_path):
    survey = base_survey()
    survey.persons.append(Person("002", 2, 3, 1, 80, True, 15.0, 15.0))  # interviewed, no trip
    got = mart(tmp_path, write_delivery(tmp_path / "d", survey, "lens_2012", "edgt"))
    assert_indicators(values(got, "lens_2012"), expected(survey))
    assert_indicators(values(got, "lens_2012", "secteur", "002"), expected(survey, keep=lambda p: p.sector == "002"))
    assert_indicators(values(got, "lens_2012", "sexe", "femme"), expected(survey, keep=lambda p: p.sex == 2))
    assert_indicators(values(got, "lens_2012", "classe_age", "65+"), expected(survey, keep=lambda p: p.age >= 65))
    row = got.iloc[0]
    assert row.ponderation.startswith("COEQ") and row.norme == "edgt" and row.annee == 2012
    local = got[(got.indicateur == "duree_moyenne_min") & (got.ventilation == "ensemble")].iloc[0]
    assert "internes au périmètre" in local.champ and local.effectif == 8  # the 700 km trip is left out
    # 11+/5+: with everybody from 5, the 8-year-old and her trip count
    young = mart(tmp_path, write_delivery(tmp_path / "e", survey, "lens_2012", "edgt"), min_age=5)
    assert_indicators(values(young, "lens_2012"), expected(survey, min_age=5))


def test_older_survey_from_age_11_is_marked_not_comparable_at_5(tmp_path):
    paths = write_delivery(tmp_path, fully_interviewed(base_survey()), "bethune_2005", "emd_certu", min_age=11)
    assert set(mart(tmp_path, paths, min_age=11).comparable) == {True}
    assert set(mart(tmp_path, paths, min_age=5).comparable) == {False}


def half_interviewed(interviewed_half: bool) -> Survey:
    """Households of two adults with identical days; in the half version the second adult was not interviewed
    (telephone survey): no trips, no COEQ, and the first adult's COEQ stands for both (2 × COEP)."""
    households, persons, trips = [], [], []
    days = [[(21, 30), (21, 30)], [(1, 10)], [], [(31, 20), (31, 25), (22, 15)]]  # (mode, minutes) per trip
    for ech, day in enumerate(days, start=1):
        households.append(("010", ech, "010001", 10.0 * ech, "Douai"))
        for per in (1, 2):
            interviewed = per == 1 or not interviewed_half
            coeq = (2 if interviewed_half else 1) * 10.0 * ech if interviewed else None
            persons.append(Person("010", ech, per, per, 40, interviewed, 10.0 * ech, coeq))
            if interviewed:
                for n, (mode, minutes) in enumerate(day, start=1):
                    trips.append(Trip("010", ech, per, n, 1, "010001", (8, 0), 11, "010002", (8, minutes),
                                      minutes, mode, 1000, 1500))  # fmt: skip
    return Survey(households, persons, trips)


def test_half_interviewed_survey_gives_the_same_trips_per_person_with_coeq(tmp_path):
    full, half = half_interviewed(False), half_interviewed(True)
    paths = write_delivery(tmp_path / "full", full, "douai_full", "edgt") + write_delivery(
        tmp_path / "half", half, "douai_half", "edgt"
    )
    got = mart(tmp_path, paths)
    full_values, half_values = values(got, "douai_full"), values(got, "douai_half")
    # by hand: weights 10, 20, 30, 40 per adult; trips 2, 1, 0, 3 → (20 + 20 + 0 + 120) / 100 = 1.6
    assert full_values["deplacements_par_personne"] == pytest.approx(1.6, rel=1e-12)
    assert half_values["deplacements_par_personne"] == pytest.approx(1.6, rel=1e-12)
    assert half_values["part_modale_car_driver"] == pytest.approx(full_values["part_modale_car_driver"], rel=1e-12)
    # COEP over everyone counts the non-interviewed as people who never move: half the trips per person
    everyone = {(p.ech, p.per): p.coep for p in half.persons}
    coep_rate = sum(everyone[(t.ech, t.per)] for t in half.trips) / sum(everyone.values())
    assert coep_rate == pytest.approx(0.8, rel=1e-12) and coep_rate != pytest.approx(1.6)
    assert got[got.enquete == "douai_half"].ponderation.iloc[0].startswith("COEQ (personnes enquêtées")


def test_unknown_codes_long_and_outside_trips_are_warnings_with_counts(tmp_path):
    from expectations.runner import validate

    survey = base_survey()
    survey.trips.append(replace(survey.trips[0], per=2))  # a trip of the non-interviewed adult: kept, not counted
    paths = write_delivery(tmp_path, survey, "lens_2012", "edgt", "workbook")
    report = validate("emd", parse(paths).frame, [p.name for p in paths], "synthetic", SOURCES["emd"].expectations)
    assert report.success, report.messages()
    warnings = {w.rule: w for w in report.warnings}
    assert "lens_2012 mode_code 99: 1 trip(s), counted as 'autre'" in warnings["code_in_dictionary"].sample_values
    assert "lens_2012 destination_purpose 77: 1 trip(s), counted as 'autre'" in (
        warnings["code_in_dictionary"].sample_values
    )
    assert warnings["trip_length_plausible"].observed == "1"  # 710 km
    assert warnings["trips_within_survey_area"].observed == "1"
    assert warnings["arrival_after_departure"].observed == "1"
    assert warnings["trips_only_of_interviewed_persons"].observed == "1"
    assert_indicators(values(mart(tmp_path, paths), "lens_2012"), expected(survey))  # its trip is not counted


@pytest.mark.parametrize(
    ("change", "rule", "where"),
    [
        ("trip", "trip_linked_to_person", "lens_2012 sector 002 ECH 1 PER 9 NDEP 1"),
        ("leg", "leg_linked_to_trip", "lens_2012 sector 001 ECH 2 PER 1 NDEP 7 T1 1"),
        ("person", "person_linked_to_household", "lens_2012 sector 003 ECH 1 PER 1"),
        ("duplicate", "person_key_unique", None),
    ],
)
def test_broken_links_and_keys_quarantine(tmp_path, change, rule, where):
    from expectations.runner import validate

    survey = base_survey()
    if change == "trip":
        survey.trips.append(replace(survey.trips[0], sector="002", ech=1, per=9))
    elif change == "leg":
        survey.legs.append(Leg("001", 2, 1, 7, 1, 21, 1, 1000))
    elif change == "person":  # ECH 1 exists, but not in sector 003
        survey.persons.append(Person("003", 1, 1, 1, 30, True, 1.0, 1.0))
    else:
        survey.persons.append(survey.persons[0])
    paths = write_delivery(tmp_path, survey, "lens_2012", "edgt")
    report = validate("emd", parse(paths).frame, [p.name for p in paths], "synthetic", SOURCES["emd"].expectations)
    failed = {r.rule: r for r in report.failures}
    assert set(failed) == {rule}
    if where:
        assert failed[rule].sample_values == [where]
    assert all(str(row).startswith("lens_2012/LENS_2012_") for row in failed[rule].sample_rows)  # file:line


def _rewrite(path, transform):
    lines = path.read_bytes().decode("latin-1").split("\r\n")
    path.write_bytes("\r\n".join(transform(lines)).encode("latin-1"))


@pytest.mark.parametrize(
    ("damage", "rule", "file_part"),
    [
        ("truncated", "record_length", "DEPLA"),
        ("file_code", "file_code", "DEPLA"),
        ("not_a_number", "numeric_value", "DEPLA"),
        ("no_layout", "layout_table", "TRAJET"),
        ("unknown_standard", "survey_manifest", "survey.yml"),
        ("file_missing", "survey_manifest", "survey.yml"),
    ],
)
def test_unreadable_deliveries_name_file_rule_and_line(tmp_path, damage, rule, file_part):
    paths = write_delivery(tmp_path, base_survey(), "lens_2012", "edgt")
    manifest, trips = paths[0], next(p for p in paths if "DEPLA" in p.name)
    if damage == "truncated":
        _rewrite(trips, lambda lines: [lines[0], lines[1][:-5], *lines[2:]])
    elif damage == "file_code":
        _rewrite(trips, lambda lines: [lines[0], "7" + lines[1][1:], *lines[2:]])
    elif damage == "not_a_number":  # D8C (duration) of the second trip
        _rewrite(trips, lambda lines: [lines[0], lines[1][:38] + "3O" + lines[1][40:], *lines[2:]])
    elif damage == "no_layout":
        paths = [p for p in paths if "dessin_trajet" not in p.name]
        spec = yaml.safe_load(manifest.read_text())
        manifest.write_text(yaml.safe_dump({**spec, "files": [p.name for p in paths[1:]]}))
    else:
        spec = yaml.safe_load(manifest.read_text())
        spec = {**spec, "standard": "edvm"} if damage == "unknown_standard" else {**spec, "files": ["ABSENT.txt"]}
        manifest.write_text(yaml.safe_dump(spec))
    with pytest.raises(SourceError) as error:
        parse(paths)
    assert error.value.rule == rule and file_part in error.value.file, error.value
    if damage in {"truncated", "file_code", "not_a_number"}:
        assert error.value.rows == [2]
    if damage == "not_a_number":
        assert "D8C" in error.value.detail


def test_damaged_workbook_layout_is_a_source_error(tmp_path):
    paths = write_delivery(tmp_path, base_survey(), "lens_2012", "edgt", "workbook")
    workbook = next(p for p in paths if p.suffix == ".xlsx")
    workbook.write_bytes(workbook.read_bytes()[:300])  # truncated download
    with pytest.raises(SourceError) as error:
        parse(paths)
    assert error.value.rule == "readable_file" and error.value.file == workbook.name


def test_two_deliveries_with_the_same_file_names_are_refused(tmp_path):
    first = write_delivery(tmp_path / "a", base_survey(), "lens_2012", "edgt")
    second = write_delivery(tmp_path / "b", base_survey(), "lens_2012", "edgt")
    with pytest.raises(SourceError, match="share this file name") as error:
        parse(first + second)
    assert "LENS_2012_MENAGE_EDGT.txt" in error.value.file


def test_manifest_names_fields_that_differ_from_the_standard(tmp_path):
    paths = write_delivery(tmp_path, base_survey(), "lens_2012", "edgt")
    layout = next(p for p in paths if "dessin_perso" in p.name)
    layout.write_bytes(layout.read_bytes().replace(b"\tCOEQ\t", b"\tPOIDS_ENQ\t"))
    without = parse(paths).frame
    assert set(without.weighting) == {"COEP"}  # no weight of the interviewed persons found: COEP over everyone
    spec = yaml.safe_load(paths[0].read_text())
    paths[0].write_text(yaml.safe_dump({**spec, "fields": {"interviewed_weight": "POIDS_ENQ"}}))
    parsed = parse(paths)
    assert set(parsed.frame.weighting) == {"POIDS_ENQ"}
    assert any("interviewed_weight ← POIDS_ENQ" in n for n in parsed.notes)


def test_configured_surveys_flow_into_mart_mobilite(small_private_home, tmp_path, monkeypatch):
    # On the small real geography (Nord, Pas-de-Calais): the surveys of Lens and Douai lie inside it.
    from flows.nightly import run_refresh
    from sources.ingestion.settings import get_settings
    from warehouse.db import connect_readonly

    survey = base_survey()
    paths = write_delivery(tmp_path / "lens", survey, "lens_2012_SYNTHETIC", "edgt") + write_emc2_csv(
        tmp_path / "douai", survey, "douai_2019_SYNTHETIC"
    )
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({"emd": [str(p) for p in paths]}))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))
    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary
    emd = next(o for o in summary["sources"] if o["source_id"] == "emd")
    for rule in ("code_in_dictionary", "trip_length_plausible", "trips_within_survey_area", "arrival_after_departure"):
        assert any(rule in w for w in emd["warnings"]), rule
    con = connect_readonly(get_settings().warehouse_path)
    got = con.sql("SELECT * FROM mart_mobilite").df()
    repro = con.sql("SELECT figure_id, status, explanation FROM reproduction WHERE figure_id = 'PA108'").fetchall()
    con.close()
    for name in ("lens_2012_SYNTHETIC", "douai_2019_SYNTHETIC"):
        assert_indicators(values(got, name), expected(survey))
    (_, status, explanation), = repro  # fmt: skip
    assert status in {"reproduced", "differs"} and "lens_2012_SYNTHETIC" in explanation


def test_default_run_names_the_missing_surveys(warehouse):
    rows = warehouse.sql(
        "SELECT status, explanation FROM reproduction r JOIN published_figures USING (figure_id) "
        "WHERE figure_id IN ('PA108', 'PA111', 'PA114')"
    ).fetchall()
    assert rows and all(s == "not_computable" and "EMD Béthune et Lens" in e for s, e in rows)
    assert warehouse.sql("SELECT count(*) FROM mart_mobilite").fetchall() == [(0,)]
