"""Maps of the publication, drawn offline (shapely + matplotlib) from the published warehouse.

The only outlines are the communes of IGN ADMIN EXPRESS COG 2018 (`stg_commune_outline`). A map states its
geography vintage Y and is drawn on it:
- communes of Y: the 2018 outlines are linked to the communes of Y by chaining the commune passage tables
  (`stg_commune_passage`, one step per vintage) from the earlier of 2018 and Y to the later. The links form
  « units » (connected groups of 2018 outlines and communes of Y): a commune merged since 2018 is one unit drawn
  once (the union of its former outlines); a commune split since 2018 shares one outline with its sister
  communes (one unit, several communes: not coloured separately);
- every other level (EPCI, zone d'emploi, arrondissement, département, région, grouping) is the union of the
  units of its communes in Y (`geo_commune` of Y), so that its outline is the one of that vintage.
Coordinates stay in longitude/latitude (WGS84); a map is drawn with the aspect of the local scale
(1 / cos(latitude) at the map's middle latitude): at the scale of a région (3° of latitude) shapes stay within
a few per cent of a conformal projection, and no projection library is needed.

Colours: ColorBrewer PuOr (diverging, colour-blind safe) with lightness growing towards zero, and hatching on the
classes of decline so that the sign still reads in greyscale.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as path_effects  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from reports.render import Block, fr, short_label, wrap  # noqa: E402

OUTLINE_YEAR = 2018  # the COG vintage of the bundled outlines
GROUPING = "bassin_minier"
BASEMAP = "fond de carte © IGN — ADMIN EXPRESS COG 2018 ; simplification france-geojson"
# ColorBrewer PuOr, 6 classes (decline: oranges, growth: purples), dark at both ends
DIVERGING = ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"]
HATCH_DECLINE = "///"
# hatch lines contrast with their class's fill: light on the darkest orange, brown on the lighter ones
HATCH_COLORS = ["#fbe9d6", "#6b4a2a", "#8c6a48"]
MISSING = "#ffffff"
CONTEXT_FILL = "#e6e6e6"
HIGHLIGHT = "#542788"
MAP_WIDTH_IN = 9.6
MAP_STYLE = {"hatch.linewidth": 0.45}
LEVEL_COLUMNS = {"epci": "epci", "ze2010": "ze2010", "ze2020": "ze2020", "arrondissement": "arrondissement",
                 "departement": "departement", "region": "region"}


class MapError(ValueError):
    """A map that cannot be drawn for this vintage (no commune, no outline): the message says why."""


@dataclass
class Units:
    """Drawable units of a set of communes of vintage `geo_year`."""

    geo_year: int
    frame: pd.DataFrame  # one row per unit: unit, communes (codes of Y), outlines (2018 codes), geometry
    missing: list[str]  # communes of Y with no outline (none in a complete build)


# ---------------------------------------------------------------- geography


def _where(level: str) -> str:
    if level == "grouping":
        return "list_contains(groupings, ?)"
    if level == "commune":
        return "codgeo = ?"
    if level == "france_metro":
        return "france_metro AND ? = 'FM'"
    if level not in LEVEL_COLUMNS:
        raise MapError(f"unknown level {level!r}")
    return f"{LEVEL_COLUMNS[level]} = ?"


def communes_of(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> pd.DataFrame:
    """The communes of a territory in vintage `geo_year` with their zonings (geo_commune of that vintage)."""
    return con.execute(
        f"SELECT codgeo, label, departement, arrondissement, region, epci, ze2010, ze2020 FROM geo_commune "
        f"WHERE geo_year = ? AND {_where(level)} ORDER BY codgeo",
        [geo_year, code],
    ).df()


def _links(con: duckdb.DuckDBPyConnection, geo_year: int) -> pd.DataFrame:
    """(outline, commune) pairs: each 2018 outline → communes of Y, by chaining the passage steps forward from
    the earlier vintage to the later (one step per COG vintage). Only codes that some step moves are chained:
    every other commune keeps its code (35 000 communes, a few hundred changes)."""
    first, last = sorted((OUTLINE_YEAR, geo_year))
    if first == OUTLINE_YEAR:
        start = con.execute("SELECT codgeo FROM stg_commune_outline WHERE geo_year = ?", [OUTLINE_YEAR]).df()
    else:
        start = con.execute("SELECT codgeo FROM geo_commune WHERE geo_year = ?", [first]).df()
    steps = con.execute(
        "SELECT from_year, to_year, cod_from, cod_to FROM stg_commune_passage WHERE from_year >= ? AND to_year <= ?"
        " ORDER BY from_year", [first, last]).df()
    moves = start.codgeo.isin(set(steps.cod_from) | set(steps.cod_to))
    chain = pd.DataFrame({"origin": start.codgeo[moves], "code": start.codgeo[moves]})
    year = first
    while year < last:
        step = steps[steps.from_year == year]
        nxt = int(step.to_year.iloc[0]) if len(step) else year + 1
        moved = chain.merge(step[["cod_from", "cod_to"]], left_on="code", right_on="cod_from", how="left")
        moved["code"] = moved["cod_to"].where(moved["cod_to"].notna(), moved["code"])
        chain = moved[["origin", "code"]].drop_duplicates()
        year = nxt
    chain = pd.concat([pd.DataFrame({"origin": start.codgeo[~moves], "code": start.codgeo[~moves]}), chain],
                      ignore_index=True)
    if first == OUTLINE_YEAR:
        return chain.rename(columns={"origin": "outline", "code": "commune"})
    return chain.rename(columns={"origin": "commune", "code": "outline"})


def _components(links: pd.DataFrame) -> pd.DataFrame:
    """Connected groups of the bipartite outline–commune graph: one unit id per link. A commune with its own
    outline and nothing else is its own unit; the others are grouped by union-find."""
    alone = (links.outline == links.commune) & ~links.outline.duplicated(keep=False) \
        & ~links.commune.duplicated(keep=False)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    linked = links[~alone]
    for outline, commune in zip(linked.outline, linked.commune, strict=True):
        a, b = find("o" + outline), find("c" + commune)
        if a != b:
            parent[max(a, b)] = min(a, b)
    unit = ("o" + links.outline).where(alone, pd.Series([find("o" + o) for o in linked.outline],
                                                          index=linked.index, dtype="str"))
    return links.assign(unit=unit)


def merge(geometries: list):
    """The union of adjacent outlines. The simplified outlines form a coverage (shared borders are identical), which
    GEOS dissolves 20× faster than a general union; the general union is used when the result's area is not
    the sum of the parts (overlapping input)."""
    if len(geometries) == 1:
        return geometries[0]
    merged = shapely.coverage_union_all(geometries)
    parts = float(np.sum(shapely.area(np.asarray(geometries, dtype=object))))
    if merged.is_valid and abs(merged.area - parts) <= 1e-9 * max(parts, 1e-12):
        return merged
    return shapely.union_all(geometries)


def units_for(con: duckdb.DuckDBPyConnection, communes: list[str], geo_year: int) -> Units:
    """The drawable units holding the given communes of vintage `geo_year`, with their dissolved outlines."""
    links = _components(_links(con, geo_year))
    wanted = links[links.commune.isin(set(communes))]
    links = links[links.unit.isin(set(wanted.unit))]
    missing = sorted(set(communes) - set(links.commune))
    outlines = con.execute(
        "SELECT codgeo, geometry FROM stg_commune_outline WHERE geo_year = ? AND list_contains(?, codgeo)",
        [OUTLINE_YEAR, sorted(set(links.outline))]).df()
    shapes = dict(zip(outlines.codgeo, shapely.from_wkb([bytes(b) for b in outlines.geometry]), strict=True))
    members: dict[str, tuple[set[str], set[str]]] = {}
    for unit, outline, commune in zip(links.unit, links.outline, links.commune, strict=True):
        codes, outs = members.setdefault(unit, (set(), set()))
        codes.add(commune)
        outs.add(outline)
    rows = [{"unit": unit, "communes": tuple(sorted(codes)), "outlines": tuple(sorted(outs)),
             "geometry": merge([shapes[c] for c in sorted(outs)])}
            for unit, (codes, outs) in sorted(members.items())]
    return Units(geo_year, pd.DataFrame(rows, columns=["unit", "communes", "outlines", "geometry"]), missing)


def territory_units(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> Units:
    """The units of one territory in vintage `geo_year` (refuses a territory with no commune that year)."""
    communes = communes_of(con, level, code, geo_year)
    if communes.empty:
        raise MapError(f"no commune of {level} {code} in the {geo_year} geography")
    return units_for(con, communes.codgeo.tolist(), geo_year)


def dissolve(units: Units, communes: pd.DataFrame, column: str) -> pd.DataFrame:
    """Outlines of the `column` zoning (epci, ze2020 …) of the units' vintage, as the union of its communes' units:
    one row per zone (code, geometry, communes, exact). A unit whose communes lie in several zones (a 2018 outline
    shared by communes of Y that belong to different EPCI) is drawn in each: those zones have `exact` False."""
    member = units.frame.explode("communes").merge(
        communes[["codgeo", column]], left_on="communes", right_on="codgeo")
    shared = set(member.groupby("unit")[column].nunique().loc[lambda n: n > 1].index)
    rows = []
    for zone, group in member.groupby(column, sort=True):
        geometries = group.drop_duplicates("unit").geometry.tolist()
        rows.append({"code": zone, "geometry": merge(geometries), "communes": tuple(sorted(group.codgeo)),
                     "exact": not (set(group.unit) & shared)})
    return pd.DataFrame(rows, columns=["code", "geometry", "communes", "exact"])


# ---------------------------------------------------------------- figures


def _path(geometry) -> MplPath:
    """A matplotlib path of a (multi)polygon, holes included."""
    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(np.concatenate(vertices), codes)


def _drawn(geometries: list, tolerance: float) -> list:
    """Geometries simplified for drawing only (never for areas or tests): a coverage simplification keeps the
    shared borders shared, so no gap or overlap appears between neighbours; `tolerance` is in degrees, below
    what the printed map can show."""
    return list(shapely.coverage_simplify(np.asarray(geometries, dtype=object), tolerance))


def _patches(geometries, **style) -> PatchCollection:
    return PatchCollection([PathPatch(_path(g)) for g in geometries], **style)


def _frame(ax, geometries) -> None:
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geometries, dtype=object))
    pad_x, pad_y = (maxx - minx) * 0.02, (maxy - miny) * 0.02
    ax.set_xlim(minx - pad_x, maxx + pad_x)
    ax.set_ylim(miny - pad_y, maxy + pad_y)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_axis_off()
    ax.apply_aspect()  # the final data → page transform now, so that label extents are measured where they land


def _height(geometries, width: float) -> float:
    """Height (inches) of a map of these geometries drawn `width` inches wide at the local scale."""
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geometries, dtype=object))
    return width * (maxy - miny) / ((maxx - minx) * math.cos(math.radians((miny + maxy) / 2)))


def _candidates(geometry) -> list:
    """Points inside a polygon where its label may go: its centre first, then the centres of its halves and
    quarters (a label moves there when the centre is taken by a neighbour's)."""
    points = [geometry.centroid] if geometry.contains(geometry.centroid) else []
    points.append(geometry.point_on_surface())
    minx, miny, maxx, maxy = geometry.bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    xs, ys = np.linspace(minx, maxx, 4), np.linspace(miny, maxy, 4)
    thirds = [(xs[i], ys[j], xs[i + 1], ys[j + 1]) for j in (1, 2, 0) for i in (1, 0, 2)]
    for box in ((minx, midy, maxx, maxy), (minx, miny, maxx, midy), (minx, miny, midx, maxy), (midx, miny, maxx, maxy),
                (minx, midy, midx, maxy), (midx, midy, maxx, maxy), (minx, miny, midx, midy), (midx, miny, maxx, midy),
                *thirds):
        part = geometry.intersection(shapely.box(*box))
        if not part.is_empty and part.area > 0:
            parts = getattr(part, "geoms", [part])
            points.append(max(parts, key=lambda g: g.area).point_on_surface())
    return points


def _overlap(a, b) -> float:
    """Area shared by two boxes (display units)."""
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))


def _place_labels(ax, items: list[tuple[object, str]], size: float = 7.5) -> None:
    """Names inside their polygons, the largest polygon first; a name that would overlap one already placed moves
    to another point of its polygon, then is tried smaller and on narrower lines (where it hides least if
    nothing is free). Each name is drawn twice: a white halo (a path) under the text itself (kept as text in the SVG:
    searchable, selectable)."""
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    for geometry, text in sorted(items, key=lambda item: -item[0].area):
        options = [(wrap(text, 18), size), (wrap(text, 12), size - 1)]
        least, found = None, None
        for label, fontsize in options:
            for point in _candidates(geometry):
                probe = ax.text(point.x, point.y, label, ha="center", va="center", fontsize=fontsize)
                extent = probe.get_window_extent(renderer).expanded(1.08, 1.15)
                probe.remove()
                overlap = sum(_overlap(extent, other) for other in placed)
                if least is None or overlap < least[0]:
                    least = (overlap, (point, extent, label, fontsize))
                if overlap == 0:
                    found = (point, extent, label, fontsize)
                    break
            if found:
                break
        point, extent, label, fontsize = found or least[1]  # no free spot: the one that hides least
        placed.append(extent)
        style = {"ha": "center", "va": "center", "fontsize": fontsize}
        ax.text(point.x, point.y, label, color="white", zorder=5,
                path_effects=[path_effects.withStroke(linewidth=2.6, foreground="white")], **style)
        ax.text(point.x, point.y, label, color="#111", zorder=6, **style)


def _svg(fig) -> bytes:
    """The figure as SVG: text kept as text, no date (same input, same bytes), path coordinates to 0.1 pt (a
    third of the file's size; far below what a screen or a printer shows)."""
    buffer = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "observatoire"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return re.sub(rb' d="[^"]*"', lambda m: re.sub(rb"(\d\.\d)\d+", rb"\1", m.group(0)), buffer.getvalue())


def _nice(value: float) -> float:
    """The largest nice step (1, 2, 2.5 or 5 × 10^k) not above `value`."""
    if not value or not math.isfinite(value) or value <= 0:
        return 0.5
    power = 10 ** math.floor(math.log10(value))
    return max(m * power for m in (1, 2, 2.5, 5) if m * power <= value * (1 + 1e-9))


def diverging_classes(values: pd.Series) -> list[float]:
    """Inner breaks of six classes symmetric around zero: −2s, −s, 0, s, 2s with s the largest nice step not
    above the median absolute value (so the inner classes are not crowded)."""
    finite = values.dropna().abs()
    step = _nice(float(finite.median())) if len(finite) else 0.5
    return [-2 * step, -step, 0.0, step, 2 * step]


def classify(values: pd.Series, breaks: list[float]) -> pd.Series:
    """Class index 0…len(breaks) (lower bound included), −1 when missing."""
    out = pd.Series(np.searchsorted(np.asarray(breaks), values.to_numpy(), side="right"), index=values.index)
    return out.where(values.notna(), -1)


def class_labels(breaks: list[float], decimals: int) -> list[str]:
    def f(v: float) -> str:
        return fr(v, decimals)

    labels = [f"moins de {f(breaks[0])}"]
    labels += [f"de {f(a)} à moins de {f(b)}" for a, b in zip(breaks, breaks[1:], strict=False)]
    labels.append(f"{f(breaks[-1])} ou plus")
    return labels


@dataclass
class MapFigure:
    """A rendered map and what a caption needs."""

    svg: bytes
    title: str
    unit: str
    source: str
    scope: str


def _commune_rates(con: duckdb.DuckDBPyConnection, communes: list[str], geo_year: int) -> tuple[pd.DataFrame, str]:
    """The compound average annual rate of the latest configured five-year period (or the shortest one ending at
    the latest census) per commune of Y, from the warehouse's commune populations on that geography:
    ((P1 / P0)^(1/n) − 1) × 100, the formula of the catalogue's taux_variation_annuel_moyen_compose (the warehouse
    does not store it for communes)."""
    latest = con.execute(
        "SELECT max(period) FROM indicator_values WHERE indicator_id = 'population' AND level = 'commune' "
        "AND geo_year = ?", [geo_year]).fetchall()[0][0]
    if latest is None:
        raise MapError(f"no commune population on the {geo_year} geography")
    periods = con.execute(
        "SELECT from_census, to_census FROM cfg_variation_periods WHERE to_census = ? "
        "ORDER BY to_census - from_census LIMIT 1", [int(latest)]).fetchall()
    if not periods:
        raise MapError(f"no configured variation period ends at the census {latest}")
    start, end = periods[0]
    pop = con.execute(
        "SELECT code, period, value FROM indicator_values WHERE indicator_id = 'population' AND level = 'commune' "
        "AND geo_year = ? AND period IN (?, ?) AND list_contains(?, code)",
        [geo_year, str(start), str(end), communes]).df()
    wide = pop.pivot_table(index="code", columns="period", values="value", aggfunc="first")
    p0, p1 = wide.get(str(start)), wide.get(str(end))
    rate = ((p1 / p0) ** (1 / (end - start)) - 1) * 100
    frame = pd.DataFrame({"commune": wide.index, "p0": p0.to_numpy(), "p1": p1.to_numpy(), "rate": rate.to_numpy()})
    return frame, f"{start}–{end}"


def map_label(label: str) -> str:
    """An EPCI's name without its legal form (« CA de la Porte du Hainaut » → « Porte du Hainaut »): the legend
    says the outlines are EPCI, and shorter labels do not overlap."""
    forms = r"CA|CC|CU|Communauté (?:d'agglomération|de communes|urbaine)"
    return re.sub(rf"^(?:{forms})\s+(?:du |de la |de l'|des |de |d')?", "", label)


def _labels(con: duckdb.DuckDBPyConnection, level: str, geo_year: int) -> dict[str, str]:
    rows = con.execute("SELECT code, label FROM territories WHERE level = ? AND geo_year = ?",
                       [level, geo_year]).fetchall()
    return {code: short_label(label) for code, label in rows}


def population_change_map(con: duckdb.DuckDBPyConnection, geo_year: int, grouping: str = GROUPING) -> MapFigure:
    """The grouping by commune of Y: compound average annual rate of the latest period, EPCI outlines of Y."""
    communes = communes_of(con, "grouping", grouping, geo_year)
    if communes.empty:
        raise MapError(f"no commune of grouping {grouping} in the {geo_year} geography")
    units = units_for(con, communes.codgeo.tolist(), geo_year)
    rates, period = _commune_rates(con, communes.codgeo.tolist(), geo_year)
    frame = units.frame.copy()
    # a unit is coloured when it is one commune of Y (a split commune sharing a 2018 outline is not)
    single = frame.communes.map(len) == 1
    by_commune = rates.set_index("commune")["rate"]
    frame["rate"] = [by_commune.get(c[0]) if s else None for c, s in zip(frame.communes, single, strict=True)]
    frame["rate"] = pd.to_numeric(frame["rate"])
    breaks = diverging_classes(frame["rate"])
    decimals = 0 if all(float(b).is_integer() for b in breaks) else (2 if any(round(b, 1) != b for b in breaks)
                                                                       else 1)
    frame["klass"] = classify(frame["rate"], breaks)
    frame["drawn"] = _drawn(frame.geometry.tolist(), 0.0015)
    # the EPCI outlines drawn are dissolved from the drawn communes, so that their borders coincide
    epci = dissolve(Units(geo_year, frame.drop(columns="geometry").rename(columns={"drawn": "geometry"}), []),
                    communes, "epci")
    names = _labels(con, "epci", geo_year)
    label = (_labels(con, "grouping", geo_year).get(grouping) or grouping)

    map_height = max(3.6, _height(frame.geometry.tolist(), MAP_WIDTH_IN * 0.69))
    header, footer = 0.75, 0.6  # inches: title and subtitle above, source lines below
    with plt.rc_context(MAP_STYLE):
        fig, ax = plt.subplots(figsize=(MAP_WIDTH_IN, map_height + header + footer))
        total = map_height + header + footer
        fig.subplots_adjust(left=0.01, right=0.70, top=1 - header / total, bottom=footer / total)
        colors = [DIVERGING[k] if k >= 0 else MISSING for k in frame.klass]
        for geometry, color, k in zip(frame.drawn, colors, frame.klass, strict=True):
            declining = 0 <= k < len(HATCH_COLORS)
            ax.add_patch(PathPatch(_path(geometry), facecolor=color, edgecolor="#ffffff", linewidth=0.25,
                                   hatch=HATCH_DECLINE if declining else None,
                                   hatchcolor=HATCH_COLORS[k] if declining else None))
        ax.add_collection(_patches(epci.geometry, facecolor="none", edgecolor="#222222", linewidth=1.0))
        _frame(ax, frame.geometry.tolist())
        whole = sum(epci.geometry.map(lambda g: g.area))
        _place_labels(ax, [(row.geometry, map_label(names.get(row.code, row.code))) for row in epci.itertuples()
                           if row.geometry.area >= 0.02 * whole])  # no name on a sliver of an EPCI
        counts = frame.assign(n=frame.communes.map(len)).groupby("klass")["n"].sum()  # communes, not units
        handles = [Patch(facecolor=DIVERGING[k], edgecolor="#666", hatch=HATCH_DECLINE if k < 3 else None,
                         hatchcolor=HATCH_COLORS[k] if k < 3 else None,
                         label=f"{text} ({counts.get(k, 0)})")
                   for k, text in enumerate(class_labels(breaks, decimals))]
        if (frame.klass < 0).any():
            handles.append(Patch(facecolor=MISSING, edgecolor="#666", label=f"non calculable ({counts.get(-1, 0)})"))
        handles.append(Patch(facecolor="none", edgecolor="#222", linewidth=1.0, label="contour d'EPCI"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8.5,
                  title=f"Taux de variation annuel\nmoyen {period}\n(% par an ; nombre de\ncommunes)",
                  title_fontsize=9, alignment="left")
        title = f"{label} : évolution de la population par commune, {period}"
        fig.suptitle(title, x=0.01, y=1 - 0.12 / total, ha="left", va="top", fontsize=12, fontweight="bold")
        subtitle = f"Géographie au 1er janvier {geo_year} : {len(communes)} communes, EPCI de {geo_year}"
        fig.text(0.01, 1 - 0.5 / total, subtitle, fontsize=9, color="#444")
        start, end = period.split("–")
        source = (f"Source : Insee, recensements {start} et {end} (populations municipales), géographie au 1er janvier "
                  f"{geo_year} ; {BASEMAP}")
        fig.text(0.01, 0.22 / total, wrap(source, 130), fontsize=7.5, color="#444", va="bottom")
        fig.text(0.01, 0.06 / total, "Contours communaux de 2018 regroupés selon les tables de passage du COG ; taux "
                 "composé : ((P1/P0)^(1/n) − 1) × 100 ; hachures : baisse.", fontsize=7.5, color="#444", va="bottom")
    return MapFigure(_svg(fig), title, "% par an", source.removeprefix("Source : "),
                     f"Géographie au 1er janvier {geo_year}")


_CONTEXTS: dict[tuple, tuple[Units, pd.DataFrame]] = {}


def _context(con: duckdb.DuckDBPyConnection, geo_year: int, regions: tuple[str, ...]) -> tuple[Units, pd.DataFrame]:
    """The units of the régions' communes and their départements' outlines, kept for the next portrait of the same
    région in this process (keyed on the warehouse file's identity: a new publication is read again)."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    stat = Path(path[0][0]).stat() if path and path[0][0] and Path(path[0][0]).exists() else None
    key = (path[0][0] if path else None, stat and (stat.st_ino, stat.st_mtime_ns, stat.st_size), geo_year, regions)
    if stat is None or key not in _CONTEXTS:
        context = con.execute(
            "SELECT codgeo, departement, region FROM geo_commune WHERE geo_year = ? AND list_contains(?, region)",
            [geo_year, list(regions)]).df()
        units = units_for(con, context.codgeo.tolist(), geo_year)
        found = (units, dissolve(units, context, "departement"))
        if stat is None:
            return found
        _CONTEXTS.clear()  # one warehouse, one vintage at a time: memory stays bounded
        _CONTEXTS[key] = found
    return _CONTEXTS[key]


def locator_map(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> MapFigure | None:
    """The territory highlighted within the département(s) of its région(s), on the geography of Y (None for a
    région or France, which have no smaller frame)."""
    if level in ("region", "france_metro"):
        return None
    communes = communes_of(con, level, code, geo_year)
    if communes.empty:
        raise MapError(f"no commune of {level} {code} in the {geo_year} geography")
    regions = tuple(sorted(set(communes.region.dropna())))
    units, departements = _context(con, geo_year, regions)
    inside = set(communes.codgeo)
    territory = merge(units.frame[units.frame.communes.map(lambda c: bool(inside & set(c)))].geometry.tolist())
    names = _labels(con, "departement", geo_year)
    label = _labels(con, level, geo_year).get(code, code) if level != "grouping" else \
        (_labels(con, "grouping", geo_year).get(code) or code)

    width = 4.8
    map_height = min(4.4, _height(departements.geometry.tolist(), width * 0.96))
    header, footer = 0.45, 0.75  # inches: title; legend and source lines
    total = map_height + header + footer
    fig, ax = plt.subplots(figsize=(width, total))
    fig.subplots_adjust(left=0.02, right=0.98, top=1 - header / total, bottom=footer / total)
    tolerance = (shapely.total_bounds(np.asarray(departements.geometry, dtype=object))[2:]
                 - shapely.total_bounds(np.asarray(departements.geometry, dtype=object))[:2]).max() / 400
    ax.add_collection(_patches(_drawn(departements.geometry.tolist(), tolerance), facecolor=CONTEXT_FILL,
                               edgecolor="#8a8a8a", linewidth=0.8))
    ax.add_patch(PathPatch(_path(territory.simplify(tolerance / 2)), facecolor=HIGHLIGHT, edgecolor="#111",
                           linewidth=0.6))
    _frame(ax, departements.geometry.tolist())
    free = [row.geometry.difference(territory) for row in departements.itertuples()]
    _place_labels(ax, [(f if not f.is_empty else row.geometry, names.get(row.code, row.code))  # beside, never on it
                       for f, row in zip(free, departements.itertuples(), strict=True)])
    title = f"Situation : {label}"
    fig.suptitle(wrap(title, 48), x=0.02, y=1 - 0.08 / total, ha="left", va="top", fontsize=10, fontweight="bold")
    legend = [Patch(facecolor=HIGHLIGHT, edgecolor="#111", label=wrap(label, 40)),
              Patch(facecolor=CONTEXT_FILL, edgecolor="#8a8a8a", label="départements de la région")]
    fig.legend(handles=legend, loc="lower left", bbox_to_anchor=(0.01, 0.32 / total), frameon=False, fontsize=7.5,
               ncol=2)
    source = f"Géographie au 1er janvier {geo_year} ; {BASEMAP}"
    fig.text(0.02, 0.04 / total, wrap("Source : Insee, COG ; g" + source[1:], 80), fontsize=6.5, color="#444",
             va="bottom")
    return MapFigure(_svg(fig), title, "sans objet (carte de situation)", "Insee, COG ; g" + source[1:],
                     f"Géographie au 1er janvier {geo_year}")


def map_block(figure_: MapFigure, name: str) -> Block:
    """A figure block holding an SVG map (reports/render.py inlines it like a chart)."""
    return Block("figure", figure_.svg, name,
                 f"Unité : {figure_.unit} · Source : {figure_.source} · {figure_.scope}",
                 {"title": figure_.title, "ext": "svg"})


def report_blocks(con: duckdb.DuckDBPyConnection, geo_year: int) -> list[Block]:
    """The report's map section: the Bassin minier by commune (population change), EPCI outlines."""
    try:
        figure_ = population_change_map(con, geo_year)
    except MapError:  # the reason (English, for developers) stays out of the publication
        return [Block("h3", "Carte de l'évolution de la population", "carte-population"),
                Block("p", f"Carte non disponible : l'entrepôt ne contient pas les populations communales de la "
                           f"géographie {geo_year}.")]
    return [
        Block("h3", "Carte de l'évolution de la population", "carte-population"),
        Block("p", "Chaque commune du Bassin minier dans sa géographie la plus récente, colorée selon son taux de "
                   "variation annuel moyen sur la dernière période quinquennale de recensement ; les contours des "
                   "EPCI sont ceux de la même année. Les communes fusionnées depuis 2018 sont dessinées une seule "
                   "fois. La densité et le revenu ne sont pas cartographiés : l'entrepôt ne contient ni surface "
                   "officielle ni revenu communal."),
        map_block(figure_, "carte_evolution_population"),
    ]


def locator_block(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> Block | None:
    """A portrait's locator map (None where there is no smaller frame or the map cannot be drawn)."""
    try:
        located = locator_map(con, level, code, geo_year)
    except MapError:
        return None
    if located is None:
        return None
    return map_block(located, f"situation_{level}_{re.sub(r'[^0-9A-Za-z]+', '-', code)}")


# ---------------------------------------------------------------- flow maps

# INSEE's reliability classes of a weighted count (reports/flows.py marks): colour and dash of an arrow
FLOW_STYLES = {None: ("#1f4e79", "-"), "use_with_caution": ("#4f86c6", (0, (4, 1.5))),
               "low_reliability": ("#8fb3dc", (0, (1.2, 1.2)))}
FLOW_WORDS = {None: "fiable (500 ou plus)", "use_with_caution": "à prendre avec précaution (200 à 500)",
              "low_reliability": "peu fiable (moins de 200)"}
PARTNER_FILL = "#d9e4f1"
TERRITORY_FILL = "#c9bfe0"
_EPCI_OUTLINES: dict[tuple, pd.DataFrame] = {}


def _epci_outlines(con: duckdb.DuckDBPyConnection, geo_year: int, regions: tuple[str, ...], units: Units
                   ) -> pd.DataFrame:
    """EPCI outlines of the régions (dissolved from the same units as the départements), kept with the context."""
    key = (geo_year, regions, id(units))
    if key not in _EPCI_OUTLINES:
        communes = con.execute("SELECT codgeo, epci FROM geo_commune WHERE geo_year = ? AND list_contains(?, region) "
                               "AND epci IS NOT NULL AND epci <> 'ZZZZZZZZZ'", [geo_year, list(regions)]).df()
        _EPCI_OUTLINES.clear()
        _EPCI_OUTLINES[key] = dissolve(units, communes, "epci")
    return _EPCI_OUTLINES[key]


FLOW_FLOOR = 100  # flows under 100 are not shown (INSEE's tables; reports/flows.py): nor in the width legend


def _nice_values(top: float) -> list[float]:
    """Two or three round values for a width legend, the largest not above `top`, none under FLOW_FLOOR."""
    step = _nice(top)
    values = {v for v in (step, _nice(step / 2.5), _nice(step / 6)) if v >= FLOW_FLOOR}
    return sorted(values or {step}, reverse=True)


def flow_map(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int, flows: pd.DataFrame,
             outgoing: bool, title: str, unit: str, source: str, small: bool = False) -> MapFigure:
    """Arrows between a territory and its partner EPCI, widths proportional to the flows, dashes by INSEE's
    reliability class; partners outside the drawn régions (abroad, another région) listed beside the map.
    `flows`: partenaire (EPCI code, 99999, ZZZZZ), label, effectif, flag (None, use_with_caution,
    low_reliability), text (the count as printed)."""
    communes = communes_of(con, level, code, geo_year)
    if communes.empty:
        raise MapError(f"no commune of {level} {code} in the {geo_year} geography")
    if flows.empty:
        raise MapError(f"no flow to draw for {level} {code}")
    regions = tuple(sorted(set(communes.region.dropna())))
    units, departements = _context(con, geo_year, regions)
    epci = _epci_outlines(con, geo_year, regions, units)
    inside = set(communes.codgeo)
    territory = merge(units.frame[units.frame.communes.map(lambda c: bool(inside & set(c)))].geometry.tolist())
    shapes = dict(zip(epci.code, epci.geometry, strict=True))
    drawn = flows[flows.partenaire.isin(shapes)].copy()
    beside = flows[~flows.partenaire.isin(shapes)]
    drawn["geometry"] = [shapes[p].difference(territory) if shapes[p].intersects(territory) else shapes[p]
                         for p in drawn.partenaire]
    drawn = drawn[[not g.is_empty for g in drawn["geometry"]]] if len(drawn) else drawn
    if drawn.empty:
        raise MapError(f"no partner of {level} {code} inside its région(s)")

    width = MAP_WIDTH_IN * (0.75 if small else 1.0)
    shown = [territory, *drawn.geometry]
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(shown, dtype=object))
    pad = max(maxx - minx, maxy - miny) * 0.06
    frame_box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    map_height = max(3.2, min(6.5, _height([frame_box], width * 0.62)))
    header, footer = 0.7, 0.55
    total = map_height + header + footer
    fig, ax = plt.subplots(figsize=(width, total))
    fig.subplots_adjust(left=0.01, right=0.63, top=1 - header / total, bottom=footer / total)
    tolerance = max(maxx - minx, maxy - miny) / 500
    visible = [g for g in departements.geometry if g.intersects(frame_box)]
    ax.add_collection(_patches(_drawn(visible, tolerance), facecolor=CONTEXT_FILL, edgecolor="#9a9a9a",
                               linewidth=0.8))
    near = epci[epci.geometry.map(lambda g: g.intersects(frame_box))]
    ax.add_collection(_patches([g.simplify(tolerance) for g in near.geometry], facecolor="none",
                               edgecolor="#ffffff", linewidth=0.5))
    ax.add_collection(_patches([g.simplify(tolerance) for g in drawn.geometry], facecolor=PARTNER_FILL,
                               edgecolor="#7a93b3", linewidth=0.6))
    ax.add_patch(PathPatch(_path(territory.simplify(tolerance)), facecolor=TERRITORY_FILL, edgecolor="#3d2b6b",
                           linewidth=1.0))
    _frame(ax, [frame_box])
    top = float(drawn.effectif.max())  # abroad and far partners are listed, not drawn
    widest = 6.0 if small else 9.0  # points, for the largest flow of the map

    def line_width(value: float) -> float:
        return max(0.6, widest * value / top)

    # arrows leave (or reach) the territory inside it, on the side of each partner: an elongated territory (the
    # Bassin minier) has no single centre that reads well
    minx_t, miny_t, maxx_t, maxy_t = territory.bounds
    inner = territory.buffer(-0.12 * min(maxx_t - minx_t, maxy_t - miny_t))
    if inner.is_empty:
        inner = territory.centroid if territory.contains(territory.centroid) else territory.point_on_surface()
    from matplotlib.patches import FancyArrowPatch
    from shapely.ops import nearest_points

    for row in drawn.sort_values("effectif").itertuples():  # the largest on top
        there = row.geometry.centroid if row.geometry.contains(row.geometry.centroid) else \
            row.geometry.point_on_surface()
        here = nearest_points(inner, there)[0]
        start, end = ((here.x, here.y), (there.x, there.y)) if outgoing else ((there.x, there.y), (here.x, here.y))
        color, dash = FLOW_STYLES[row.flag if isinstance(row.flag, str) else None]
        lw = line_width(row.effectif)
        shape = {"connectionstyle": "arc3,rad=0.12", "zorder": 4, "color": color, "alpha": 0.9,
                 # the partner's end stops short of its label (drawn above the arrows)
                 "shrinkA": 1 if outgoing else 11, "shrinkB": 11 if outgoing else 1}
        head = "-|>,head_length=0.55,head_width=0.3"
        # the body carries the dash of the reliability class; the head stays solid (a dashed head does not read)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle=head if dash == "-" else "-", mutation_scale=7 + 1.6 * lw,
                                     linewidth=lw, linestyle=dash, capstyle="butt", joinstyle="miter", **shape))
        if dash != "-":
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>,head_length=0.9,head_width=0.55",
                                         mutation_scale=7 + 1.6 * lw, linewidth=0, **shape))
    _place_labels(ax, [(row.geometry, f"{map_label(row.label)} {row.text}") for row in drawn.itertuples()],
                  size=6.5 if small else 7.5)
    # legend: widths with round values, reliability dashes, the territory, the partners
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=FLOW_STYLES[None][0], linewidth=line_width(v), label=f"{fr(v)} {unit}")
               for v in _nice_values(top)]
    handles += [Line2D([], [], color=c, linestyle=d, linewidth=2.2, label=FLOW_WORDS[f])
                for f, (c, d) in FLOW_STYLES.items()]
    handles += [Patch(facecolor=TERRITORY_FILL, edgecolor="#3d2b6b", label=wrap(_territory_name(con, level, code,
                                                                                                 geo_year), 30)),
                Patch(facecolor=PARTNER_FILL, edgecolor="#7a93b3", label="EPCI partenaires (flux de 100 ou plus)")]
    legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                       fontsize=7.5 if small else 8.5, title="Largeur : effectif du flux\nTrait : fiabilité (Insee)",
                       title_fontsize=8 if small else 9, alignment="left", handlelength=3.2)
    legend.set_zorder(7)
    if len(beside):
        lines = ["Hors de la carte :"] + [wrap(f"{r.label} : {r.text}", 34) for r in beside.itertuples()]
        ax.text(1.02, 0.0, "\n".join(lines), transform=ax.transAxes, fontsize=7.5 if small else 8.5, va="bottom",
                ha="left", color="#222")
    fig.suptitle(wrap(title, 70 if small else 95), x=0.01, y=1 - 0.1 / total, ha="left", va="top",
                 fontsize=10.5 if small else 12, fontweight="bold")
    full_source = f"Source : {source} ; {BASEMAP}"
    fig.text(0.01, 0.06 / total, wrap(full_source, 110 if small else 140), fontsize=6.5 if small else 7.5,
             color="#444", va="bottom")
    return MapFigure(_svg(fig), title, unit, f"{source} ; {BASEMAP}", f"Géographie au 1er janvier {geo_year}")


def _territory_name(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> str:
    if level == "grouping":
        return _labels(con, "grouping", geo_year).get(code) or code
    return _labels(con, level, geo_year).get(code, code)
