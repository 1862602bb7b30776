"""IGN ADMIN EXPRESS COG 2018: commune outlines (simplified), the base map of the publication's maps.

Layout: a gzip-compressed GeoJSON FeatureCollection (WGS84 longitude/latitude, coordinates to 1e-5°), one Feature
per commune of the COG 2018, properties `code` (INSEE commune code) and `nom`, geometry Polygon or MultiPolygon,
as converted and simplified by france-geojson (mapshaper, 25 % of the vertices kept, shapes kept) from IGN's ADMIN
EXPRESS COG 2018 shapefiles.

The parser returns one row per feature: `code`, `nom` (as published), `geometry` as WKB (ISO, 2D: ~36 MB for
France instead of ~300 MB of Python coordinate lists), `geometry_type`, and `feature` (1-based position in the
file, the « line » quarantine reports name). The file is one 46 MB line: features are decoded one at a time from
the text (json.JSONDecoder.raw_decode) and turned into WKB at once, so only one feature's coordinates live as
Python objects (peak ≈ 160 MB for France, ~2 s).
Normalisation (counted in the run summary): a ring that crosses itself after simplification (COG 2018: one,
Condé-en-Normandie 14174) is repaired with GEOS make_valid (« structure » method: same area to 1e-12), so that
every dissolve downstream is exact; a repair that would change the area by more than 1e-6 of it is refused.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd

from expectations import rules as r
from sources.errors import SourceError
from sources.parsing import Parsed, stacked
from sources.spec import Release, SourceSpec

SOURCE_ID = "ign_admin_express_communes"
GEO_YEAR = 2018  # the COG vintage of the outlines (ADMIN EXPRESS COG, edition 2018)
BUNDLED = "geometry/communes-france-2018.geojson.gz"
FRANCE_GEOJSON = "https://github.com/gregoiredavid/france-geojson/tree/5d34ee6d0140c29f785fdb047d9329f1aab58833"
ATTRIBUTION = "© IGN — ADMIN EXPRESS COG 2018 ; simplification france-geojson"
POLYGONAL = ("Polygon", "MultiPolygon")


def _features(source_id: str, path: Path):
    """(position, feature dict) for each Feature of the FeatureCollection, decoded one at a time."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise SourceError(source_id, path.name, "readable_gzip_geojson", f"cannot read the file: {exc}", [1]) from exc
    start = text.find('"features"')
    bracket = text.find("[", start) if start >= 0 else -1
    if bracket < 0 or '"FeatureCollection"' not in text[:bracket]:
        raise SourceError(source_id, path.name, "feature_collection", "not a GeoJSON FeatureCollection", [1])
    decoder, i, n = json.JSONDecoder(), bracket + 1, 0
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text):
            raise SourceError(source_id, path.name, "complete_json", f"file ends inside the feature list "
                              f"(after feature {n})", [1])
        if text[i] == "]":
            return
        try:
            feature, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise SourceError(source_id, path.name, "complete_json", f"feature {n + 1}: {exc.msg} at character "
                              f"{exc.pos}", [1]) from exc
        n += 1
        yield n, feature


def parse(paths: list[Path]) -> Parsed:
    import shapely
    from shapely.geometry import shape

    frames, notes = [], []
    for path in paths:
        rows, repaired = [], []
        for n, feature in _features(SOURCE_ID, path):
            properties = feature.get("properties") or {}
            if "code" not in properties or "nom" not in properties:
                raise SourceError(SOURCE_ID, path.name, "required_properties",
                                  f"feature {n} has properties {sorted(properties)}, needs code and nom", [1],
                                  column="properties")
            geometry = feature.get("geometry")
            shape_ = None
            if geometry and geometry.get("type") in POLYGONAL:
                try:
                    shape_ = shape(geometry)
                except (ValueError, TypeError, IndexError) as exc:
                    raise SourceError(SOURCE_ID, path.name, "readable_geometry",
                                      f"feature {n} ({properties['code']}): {exc}", [1]) from exc
                if not shape_.is_valid:
                    fixed_ = shapely.make_valid(shape_, method="structure", keep_collapsed=False)
                    if abs(fixed_.area - shape_.area) > 1e-6 * shape_.area:
                        raise SourceError(SOURCE_ID, path.name, "repairable_geometry",
                                          f"feature {n} ({properties['code']}): {shapely.is_valid_reason(shape_)}; "
                                          "repair would change its area", [1])
                    repaired.append(str(properties["code"]))
                    shape_ = fixed_
            rows.append((str(properties["code"]).strip(), properties["nom"],
                         None if shape_ is None else shapely.to_wkb(shape_, flavor="iso"),
                         None if geometry is None else geometry.get("type"), n))
        frame = pd.DataFrame(rows, columns=["code", "nom", "geometry", "geometry_type", "feature"])
        frame["code"] = frame["code"].astype("str")
        frame["nom"] = frame["nom"].astype("str")
        frame["source_file"] = path.name
        frames.append(frame)
        notes.append(f"{path.name}: {len(frame)} commune outlines (COG {GEO_YEAR})")
        if repaired:
            notes.append(f"{path.name}: {len(repaired)} self-intersecting outline(s) repaired with make_valid, "
                         f"area unchanged: {', '.join(repaired[:10])}")
    return stacked(frames, notes)


def _geometry_checks(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per outline: is it a non-empty, valid polygon (rules on the WKB, decoded here, vectorised)."""
    import shapely

    geometries = shapely.from_wkb(frame["geometry"].to_numpy())
    return pd.DataFrame({
        "code": frame["code"].to_numpy(),
        "kind": shapely.get_type_id(geometries),  # -1 missing, 3 Polygon, 6 MultiPolygon
        "empty": shapely.is_empty(geometries) | shapely.is_missing(geometries),
        "valid": shapely.is_valid(geometries),
        "area": shapely.area(geometries),
    }, index=frame.index)


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse,
        expectations=(
            r.rows(
                r.row_count_between("row_count_bounds", min_value=34_000, max_value=38_000, france_wide=True),
                r.matches("code", r.COMMUNE, "commune_code_format", france_wide=True),
                r.unique("code", "one_outline_per_commune"),
                r.not_null("nom", "commune_name_present"),
                *r.label_rules("nom"),
                r.not_null("geometry", "geometry_present"),
                r.in_set("geometry_type", list(POLYGONAL), "polygon_geometry"),
            ),
            r.Batch("geometries", _geometry_checks, [
                r.in_set("kind", [3, 6], "polygonal_geometry"),
                r.in_set("empty", [False], "geometry_not_empty"),
                r.in_set("valid", [True], "valid_polygon"),
                # a commune is at least ~1 ha (1e-6 square degree) and smaller than Guyane's largest (≈ 1.5)
                r.between("area", "plausible_area", min_value=1e-6, max_value=2.0),
            ]),
        ),
        product="ADMIN EXPRESS COG 2018 (IGN) — contours des communes, simplifiés (france-geojson)",
        producer="IGN", product_page="https://geoservices.ign.fr/adminexpress",
        official_urls=(FRANCE_GEOJSON,),
        bundled=(BUNDLED,),
        licence="Licence Ouverte / Open Licence (Etalab)",
        releases=Release(
            page="https://geoservices.ign.fr/adminexpress",
            files="see listing: ADMIN EXPRESS COG editions (shapefile/GeoPackage 7z); the bundled GeoJSON is "
            "france-geojson's conversion of the 2018 edition",
            format="7z of shapefiles (IGN); GeoJSON simplified by france-geojson (bundled)",
            rhythm="none",
            verified_on="not applicable: a fixed edition (COG 2018) drawn along the passage tables for later years",
        ),
        attribution=ATTRIBUTION,
        layout="france-geojson communes FeatureCollection: properties code, nom; Polygon/MultiPolygon, WGS84",
    ),
]
