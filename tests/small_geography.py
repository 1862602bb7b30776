"""A small REAL geography for the tests that exercise mechanics: the bundled files cut by code to two
départements (Nord 59, Pas-de-Calais 62: the bassin minier and every territory of the diagnostic), every vintage.

The cut is consistent across sources: the communes kept are those of the two départements in any vintage, closed
over the passage tables (a commune merged into or split from a kept one is kept, wherever it lies), so that
every census still projects and conserves its population; the membership, population, passage and DGCL files
keep the rows of those communes only, in their delivered format (Parquet schema, gzip'd semicolon CSV, the
outlines' gzip'd GeoJSON). Files
that list zones rather than communes keep the zones of the cut: the unemployment workbook its employment zones
(and the regional parts of those that straddle a region), the census extract its EPCIs and regions (France as a
whole lies outside the cut: its figure would not add up from the cut's regions). Every other bundled file (labels
of every zone, the diagnostic's extracts by name) is copied as is, and SHA256SUMS lists the cut files' own sums
(the checksum rule still holds).
A build of it runs under the scope `nord-pas-de-calais` (OBSERVATOIRE_SCOPE, sources/ingestion/scope.py: the France-wide
row-count bounds scaled to the two départements) and takes seconds instead of the France-wide half-minute.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sources.ingestion.fetch import file_sha256
from sources.ingestion.gate import bundled_checksums
from sources.ingestion.scope import SCOPES

SCOPE = SCOPES["nord-pas-de-calais"]
DEPARTEMENTS = SCOPE.departements


def _communes(cog: Path, departements: tuple[str, ...]) -> set[str]:
    membership = pq.read_table(cog / "appartenance_communes_cog2008_2024.parquet", columns=["codgeo", "dep"])
    population = pq.read_table(cog / "population_communes_cog1968_2024.parquet", columns=["codgeo"])
    kept = set(pc.filter(membership["codgeo"], pc.is_in(membership["dep"], pa.array(departements))).to_pylist())
    kept |= {c for c in population["codgeo"].unique().to_pylist() if c[:2] in departements}
    passage = pq.read_table(cog / "passage_communes_1968_2024.parquet", columns=["cod_from", "cod_to"])
    links = list(zip(passage["cod_from"].to_pylist(), passage["cod_to"].to_pylist(), strict=True))
    while True:  # closure over the passage links
        grown = kept | {b for a, b in links if a in kept} | {a for a, b in links if b in kept}
        if grown == kept:
            return kept
        kept = grown


def _filter_parquet(src: Path, dst: Path, keep) -> None:
    table = pq.read_table(src)
    pq.write_table(table.filter(keep(table)), dst)


def cut(data_dir: Path, out: Path, departements: tuple[str, ...] = DEPARTEMENTS) -> Path:
    """Write the cut data directory to `out` (same layout as sources/data) and return it."""
    shutil.copytree(data_dir, out)
    cog = out / "cog"
    communes = pa.array(sorted(_communes(data_dir / "cog", departements)))
    for name in ("appartenance_communes_cog2008_2024", "population_communes_cog1968_2024"):
        _filter_parquet(data_dir / "cog" / f"{name}.parquet", cog / f"{name}.parquet",
                        lambda t: pc.is_in(t["codgeo"], communes))
    _filter_parquet(
        data_dir / "cog" / "passage_communes_1968_2024.parquet",
        cog / "passage_communes_1968_2024.parquet",
        lambda t: pc.and_(pc.is_in(t["cod_from"], communes), pc.is_in(t["cod_to"], communes)),
    )
    kept = set(communes.to_pylist())
    for path in sorted((out / "dgcl").glob("*.csv.gz")):
        with gzip.open(path, "rb") as f:
            lines = f.read().split(b"\n")
        column = lines[0].decode("latin-1").split(";").index("insee")
        body = [line for line in lines[1:] if line and line.split(b";")[column].decode("latin-1") in kept]
        with gzip.open(path, "wb") as f:
            f.write(b"\n".join([lines[0], *body]) + b"\n")
    _cut_outlines(out / "geometry" / "communes-france-2018.geojson.gz", kept)
    membership = pq.read_table(cog / "appartenance_communes_cog2008_2024.parquet").to_pandas()
    _cut_unemployment(out / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx", set(membership["ze2020"]))
    _cut_census_extract(
        out / "insee_rp" / "rp2009_age_epci_extract_diagnostic.csv",
        {"EPCI": set(membership["epci"]), "REG": set(membership["reg"])},
    )
    _cut_comparateur(out / "insee_comparateur" / "base_cc_comparateur_csv.zip", kept)
    _cut_filosofi(out / "insee_filosofi", kept)
    _cut_populations_legales(out / "insee_populations_legales", kept, departements)
    listed = bundled_checksums(out)  # the shipped list, read as the gate reads it: the cut files' own sums now
    (out / "SHA256SUMS").write_text("".join(f"{file_sha256(out / name)}  {name}\n" for name in listed))
    return out


def _cut_unemployment(path: Path, zones: set[str]) -> None:
    """Rows of the workbook's zone sheets (below the code header row) kept for the cut's employment zones; a
    regional part (ZER2020 `RRXX`) belongs to the interregional zone `00XX`."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        column = [str(c.value or "").strip() for c in sheet["A"]]
        header = next((i for i, code in enumerate(column) if code in ("ZE2020", "ZER2020")), None)
        if header is None:
            continue
        for row in reversed(range(header + 1, len(column))):
            zone = column[row] if column[header] == "ZE2020" else f"00{column[row][2:]}"
            if column[row] and zone not in zones:
                sheet.delete_rows(row + 1)
    workbook.save(path)


def _cut_outlines(path: Path, kept: set[str]) -> None:
    """The commune outlines (GeoJSON FeatureCollection, gzip): the features of the cut's communes, unchanged."""
    import json

    with gzip.open(path, "rt", encoding="utf-8") as f:
        collection = json.load(f)
    collection["features"] = [f for f in collection["features"] if f["properties"]["code"] in kept]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(collection, f, ensure_ascii=False, separators=(",", ":"))


def _cut_census_extract(path: Path, kept: dict[str, set[str]]) -> None:
    """The census extract (NIVGEO;CODGEO;…, CRLF): the header and the rows of the cut's territories."""
    lines = path.read_bytes().split(b"\r\n")
    cells = [line.decode().split(";") for line in lines[1:] if line]
    body = [";".join(c).encode() for c in cells if c[1] in kept.get(c[0], ())]
    path.write_bytes(b"\r\n".join([lines[0], *body, b""]))


def _cut_comparateur(path: Path, kept: set[str]) -> None:
    """INSEE's comparateur zip (data and metadata members, `;`, CRLF): the header and the rows of the cut's
    communes in the data member, the variables' rows and the cut's territory names in the metadata member."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            lines = data.split(b"\r\n")
            if info.filename.lower() == "base_cc_comparateur.csv":
                body = [line for line in lines[1:] if line and line.split(b";")[0].decode() in kept]
            else:  # metadata: every variable row, and the CODGEO rows (territory names) of the cut only
                body = [line for line in lines[1:] if line and (
                    not line.startswith(b"CODGEO;") or line.split(b";")[3].decode() in kept)]
            archive.writestr(info.filename, b"\r\n".join([lines[0], *body, b""]))


def _cut_filosofi(folder: Path, kept: set[str]) -> None:
    """The FiLoSoFi CSV conversions (gzip, UTF-8 with BOM, `;`, CRLF): the header and the cut's communes."""
    for path in sorted(folder.glob("*.csv.gz")):
        with gzip.open(path, "rb") as f:
            lines = f.read().split(b"\r\n")
        body = [line for line in lines[1:] if line and line.split(b";")[0].decode() in kept]
        ending = [b""] if lines[-1] == b"" else []  # the conversion has no line end after its last row
        with gzip.open(path, "wb") as f:
            f.write(b"\r\n".join([lines[0], *body, *ending]))
def _cut_populations_legales(folder: Path, kept: set[str], departements: tuple[str, ...]) -> None:
    """INSEE's populations légales files (gzip'd `;` CSV, line ends kept): communes of the cut (or of its
    départements, for a geography later than the COG's), the cut's départements and their régions (a région is then
    only partly delivered: its sum-of-communes rule applies to complete territories only)."""

    def rows(path: Path) -> tuple[list[str], list[list[str]], bytes]:
        with gzip.open(path, "rb") as f:
            raw = f.read()
        newline = b"\r\n" if b"\r\n" in raw else b"\n"
        lines = raw.split(newline)
        return lines[0].decode().split(";"), [line.decode().split(";") for line in lines[1:] if line], newline

    def write(path: Path, header: list[str], body: list[list[str]], newline: bytes) -> None:
        with gzip.open(path, "wb") as f:
            f.write(newline.join(";".join(c).encode() for c in [header, *body]) + newline)

    regions: set[str] = set()
    for path in sorted(folder.glob("*.csv.gz")):
        header, cells, newline = rows(path)
        if "COM" in header:
            com, dep = header.index("COM"), header.index("DEP")
            body = [c for c in cells if c[com] in kept or c[dep] in departements]
        elif "DEP" in header:
            body = [c for c in cells if c[header.index("DEP")] in departements]
        else:
            continue  # the régions file: cut below, once the régions of the cut are known
        regions |= {c[header.index("REG")] for c in body}
        write(path, header, body, newline)
    for path in sorted(folder.glob("*donnees_regions*.csv.gz")):
        header, cells, newline = rows(path)
        write(path, header, [c for c in cells if c[header.index("REG")] in regions], newline)
