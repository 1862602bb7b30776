"""Maps: the commune outlines source, dissolves along the passage tables and zonings of a vintage, the rendered SVG.

Expected values are derived independently of reports/maps.py: areas with shapely from the raw GeoJSON features
(json, not the parser), memberships from the raw COG parquet files, the merger from the raw passage table.
The map tests run on the small real geography (Nord and Pas-de-Calais: the Bassin minier and its neighbours).
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from reports import maps
from reports.render import to_html
from sources.errors import SourceError
from sources.ign_admin_express import parse
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "sources" / "data"
GEOJSON = "geometry/communes-france-2018.geojson.gz"
GEO_YEAR = 2024  # the latest vintage of the bundled COG
ENGLISH = re.compile(r"\b(the|and|of|with|from|by|map|legend|source:|population change|growth|decline|not)\b", re.I)


@pytest.fixture(scope="module")
def con(small_home):
    from warehouse.db import connect_readonly

    connection = connect_readonly(small_home / "warehouse" / "observatoire.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def raw_areas(small_data) -> dict[str, float]:
    """Area (square degrees) of each raw 2018 feature of the small geography's file, with shapely."""
    with gzip.open(small_data / GEOJSON, "rt", encoding="utf-8") as f:
        features = json.load(f)["features"]
    return {f["properties"]["code"]: shape(f["geometry"]).area for f in features}


@pytest.fixture(scope="module")
def membership() -> pd.DataFrame:
    """The raw COG membership table of the map's vintage (Nord and Pas-de-Calais)."""
    frame = pd.read_parquet(DATA / "cog" / "appartenance_communes_cog2008_2024.parquet",
                            columns=["cog_year", "codgeo", "dep", "epci"])
    frame = frame[frame.cog_year.astype(int).isin([2018, GEO_YEAR])]
    return frame[frame.dep.isin(["59", "62"])]


def _merger() -> tuple[str, str]:
    """A real merger after 2018 in Nord or Pas-de-Calais, read from the bundled passage table: (absorbed, kept)."""
    passage = pd.read_parquet(DATA / "cog" / "passage_communes_1968_2024.parquet")
    start, end = passage.from_year.astype(int), passage.to_year.astype(int)
    rows = passage[(start >= 2018) & (end > start) & (passage.typemodif == "f") & (passage.cod_from != passage.cod_to)
                   & passage.cod_from.str[:2].isin(["59", "62"])]
    assert len(rows), "the bundled passage table has a merger after 2018 in Nord or Pas-de-Calais"
    row = rows.sort_values(["from_year", "cod_from"]).iloc[0]
    return row.cod_from, row.cod_to


def _outlines_2018(members_y: set[str], codes_2018: set[str]) -> set[str]:
    """The 2018 communes that make up the given communes of GEO_YEAR: the same code, or a merger's absorbed code
    (raw passage rows from 2018 on, read in both orientations: the delivery labels some steps backwards)."""
    passage = pd.read_parquet(DATA / "cog" / "passage_communes_1968_2024.parquet")
    passage = passage[passage.from_year.astype(int) >= 2018]
    out = members_y & codes_2018
    for a, b in zip(passage.cod_from, passage.cod_to, strict=True):
        for old, new in ((a, b), (b, a)):
            if old in codes_2018 and new in members_y and old not in members_y:
                out.add(old)
    return out


def test_the_parser_reads_every_commune_of_2018_as_valid_polygons():
    with gzip.open(DATA / GEOJSON, "rt", encoding="utf-8") as f:
        raw = re.findall(r'"properties":\{"code":"(\w+)"', f.read())  # the file's own order
    parsed = parse([DATA / GEOJSON])
    frame = parsed.frame
    assert len(frame) == len(raw) == 35_357
    assert frame.code.tolist() == raw and frame.code.is_unique
    geometries = shapely.from_wkb(frame.geometry.to_numpy())
    assert shapely.is_valid(geometries).all() and not shapely.is_empty(geometries).any()
    assert set(shapely.get_type_id(geometries)) <= {3, 6}
    assert any("repaired" in note and "14174" in note for note in parsed.notes), parsed.notes


def _collection(path: Path, features: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f)
    return path


def _square(code: str, x: float, nom: str = "synthétique") -> dict:
    ring = [[x, 50.0], [x + 0.01, 50.0], [x + 0.01, 50.01], [x, 50.01], [x, 50.0]]
    return {"type": "Feature", "properties": {"code": code, "nom": nom},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_rules_refuse_bad_outlines(tmp_path):
    """Synthetic features in the delivered layout: a bow-tie (self-intersecting, not repairable without changing
    its area), a truncated file, a duplicated code and a bad code format."""
    from expectations.runner import validate

    bowtie = _square("59001", 3.0)
    bowtie["geometry"]["coordinates"] = [[[3.0, 50.0], [3.01, 50.01], [3.01, 50.0], [3.0, 50.01], [3.0, 50.0]]]
    with pytest.raises(SourceError, match="repairable_geometry"):
        parse([_collection(tmp_path / "bowtie.geojson.gz", [bowtie])])
    truncated = tmp_path / "truncated.geojson.gz"
    with gzip.open(truncated, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"type": "FeatureCollection", "features": [_square("59001", 3.0)]})[:-40])
    with pytest.raises(SourceError, match="complete_json"):
        parse([truncated])
    path = _collection(tmp_path / "dup.geojson.gz", [_square("59001", 3.0), _square("59001", 3.1),
                                                       _square("5902", 3.2)])
    report = validate("ign_admin_express_communes", parse([path]).frame, [path.name], "synthetic",
                      SOURCES["ign_admin_express_communes"].expectations)
    failed = {f.rule for f in report.failures}
    assert {"one_outline_per_commune", "commune_code_format"} <= failed, failed


def test_epci_outlines_are_exactly_their_communes(con, raw_areas, membership):
    """Every EPCI of the Bassin minier in 2024 and the EPCI of a commune merged after 2018: its units are its
    communes of 2024 (count), its outline is the union of their 2018 outlines (area summed independently)."""
    absorbed, kept = _merger()
    y = membership[membership.cog_year.astype(int) == GEO_YEAR]
    codes_2018 = set(membership[membership.cog_year.astype(int) == 2018].codgeo)
    bassin = set(maps.communes_of(con, "grouping", "bassin_minier", GEO_YEAR).codgeo)
    epcis = set(y[y.codgeo.isin(bassin)].epci) | set(y[y.codgeo == kept].epci)
    assert len(epcis) >= 9
    for epci in sorted(epcis):
        members = set(y[y.epci == epci].codgeo)
        units = maps.territory_units(con, "epci", epci, GEO_YEAR)
        assert units.missing == []
        assert sorted(c for cs in units.frame.communes for c in cs) == sorted(members), epci
        assert len(units.frame) == len(members), epci  # one drawn unit per commune of 2024
        outlines = _outlines_2018(members, codes_2018)
        assert set(units.frame.outlines.explode()) == outlines, epci
        dissolved = maps.merge(units.frame.geometry.tolist())
        assert dissolved.is_valid
        assert dissolved.area == pytest.approx(sum(raw_areas[c] for c in outlines), rel=1e-9), epci


def test_a_commune_merged_after_2018_is_drawn_once(con, raw_areas):
    absorbed, kept = _merger()
    epci = maps.communes_of(con, "commune", kept, GEO_YEAR).epci.iloc[0]
    now = maps.territory_units(con, "epci", epci, GEO_YEAR).frame
    drawn = now[now.outlines.map(lambda o: absorbed in o)]
    assert len(drawn) == 1 and drawn.communes.iloc[0] == (kept,)
    assert drawn.outlines.iloc[0] == tuple(sorted((absorbed, kept)))
    assert drawn.geometry.iloc[0].area == pytest.approx(raw_areas[absorbed] + raw_areas[kept], rel=1e-9)
    assert not now.communes.map(lambda c: absorbed in c).any()  # the absorbed code is no commune of 2024
    before = maps.territory_units(con, "commune", absorbed, 2018).frame  # on the 2018 geography: its own outline
    assert before.communes.tolist() == [(absorbed,)] and before.outlines.tolist() == [(absorbed,)]


def test_bassin_minier_map_epci_parts_sum_their_communes(con, raw_areas, membership):
    """The EPCI outlines drawn on the Bassin minier map: the part of each EPCI inside it, dissolved from its
    communes of 2024; the parts together cover every commune once."""
    communes = maps.communes_of(con, "grouping", "bassin_minier", GEO_YEAR)
    units = maps.units_for(con, communes.codgeo.tolist(), GEO_YEAR)
    parts = maps.dissolve(units, communes, "epci")
    y = membership[membership.cog_year.astype(int) == GEO_YEAR]
    inside = y[y.codgeo.isin(set(communes.codgeo))]
    assert sorted(parts.code) == sorted(set(inside.epci)) and parts.exact.all()
    codes_2018 = set(membership[membership.cog_year.astype(int) == 2018].codgeo)
    for row in parts.itertuples():
        members = set(inside[inside.epci == row.code].codgeo)
        assert set(row.communes) == members
        expected = sum(raw_areas[c] for c in _outlines_2018(members, codes_2018))
        assert row.geometry.area == pytest.approx(expected, rel=1e-9), row.code
    assert sum(len(c) for c in parts.communes) == len(communes)


def _texts(svg: bytes) -> str:
    root = ET.fromstring(svg)
    return " ".join(t.strip() for e in root.iter() if e.tag.endswith("text") for t in e.itertext() if t.strip())


def test_population_map_svg_has_legend_source_and_only_french(con):
    figure = maps.population_change_map(con, GEO_YEAR)
    text = _texts(figure.svg)
    assert "Taux de variation annuel" in text and "% par an" in text  # legend title with its unit
    assert re.search(r"moins de −\d", text) and re.search(r"\d ou plus", text)  # classes
    assert "contour d'EPCI" in text
    assert "Source : Insee, recensements" in text and "© IGN — ADMIN EXPRESS COG 2018" in text
    assert f"Géographie au 1er janvier {GEO_YEAR}" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert not re.search(r"\d\.\d", text)  # decimal comma
    # one coloured shape per unit (communes of 2024): counts in the legend add up to the communes mapped
    counts = [int(n) for n in re.findall(r"\((\d+)\)", text)]
    assert sum(counts) == len(maps.communes_of(con, "grouping", "bassin_minier", GEO_YEAR))


def test_locator_map_and_its_place_in_a_portrait(con, small_home, tmp_path):
    from reports.portraits import write_portraits

    located = maps.locator_map(con, "epci", "246200364", GEO_YEAR)
    text = _texts(located.svg)
    assert "Situation" in text and "Pas-de-Calais" in text and "© IGN — ADMIN EXPRESS COG 2018" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert maps.locator_map(con, "region", "32", GEO_YEAR) is None
    html = to_html([maps.map_block(located, "situation")], "essai")
    assert 'src="data:image/svg+xml;base64,' in html
    paths = write_portraits(small_home / "warehouse" / "observatoire.duckdb", tmp_path, "epci", "246200364")
    page = paths[0].read_text(encoding="utf-8")
    assert page.count("data:image/svg+xml;base64,") == 1
    assert (tmp_path / "img" / "situation_epci_246200364.svg").exists()
    blocks = maps.report_blocks(con, GEO_YEAR)
    assert [b.kind for b in blocks][-1] == "figure" and blocks[-1].extra["ext"] == "svg"


def test_an_earlier_vintage_groups_communes_merged_before_2018_under_their_outline(con, raw_areas):
    """Geography 2013 (the diagnostic's): communes merged between 2013 and 2018 (communes nouvelles) share the
    outline of the 2018 commune they formed, one unit; every other commune is its own outline. Expected from the
    raw membership and passage tables."""
    membership = pd.read_parquet(DATA / "cog" / "appartenance_communes_cog2008_2024.parquet",
                                 columns=["cog_year", "codgeo", "dep"])
    membership = membership[membership.dep.isin(["59", "62"])]
    codes = {y: set(membership[membership.cog_year.astype(int) == y].codgeo) for y in (2013, 2018)}
    passage = pd.read_parquet(DATA / "cog" / "passage_communes_1968_2024.parquet")
    passage = passage[passage.from_year.astype(int).between(2013, 2017)]
    target = {c: c for c in codes[2013] & codes[2018]}
    for a, b in zip(passage.cod_from, passage.cod_to, strict=True):
        for old, new in ((a, b), (b, a)):
            if old in codes[2013] - codes[2018] and new in codes[2018]:
                target[old] = new
    assert set(target) == codes[2013], "every 2013 commune of Nord and Pas-de-Calais leads to one of 2018"
    units = maps.units_for(con, sorted(codes[2013]), 2013)
    expected = pd.Series(target).groupby(lambda c: target[c]).apply(lambda s: tuple(sorted(s.index)))
    got = {u.outlines: u.communes for u in units.frame.itertuples()}
    assert got == {(outline,): communes for outline, communes in expected.items()}
    merged = [u for u in units.frame.itertuples() if len(u.communes) > 1]
    assert merged, "Nord and Pas-de-Calais have communes nouvelles between 2013 and 2018"
    for u in merged:
        assert u.geometry.area == pytest.approx(raw_areas[u.outlines[0]], rel=1e-12)
