"""INSEE census flows: the detail files FD_MOBPRO (home → workplace) and FD_MIGCOM (residence → residence one year
earlier), and the lighter « base flux » files (commune → commune totals).

Delivered layouts (INSEE, « Fichiers détail » of the recensement de la population, documentation
« contenu_RP<N>_mobpro » / « contenu_RP<N>_migcom »; checked against public code reading them):

- detail files, one row per weighted individual: a zip holding `FD_MOBPRO_<N>.csv` (editions from 2016; `.txt`
  before) `;`-separated, with a `Varmod_MOBPRO_<N>.csv` dictionary (`COD_VAR;LIB_VAR;COD_MOD;LIB_MOD;…`); recent
  editions also as `FD_MOBPRO_<N>.parquet`. Columns read here: `COMMUNE` (residence), `ARM` (municipal
  arrondissement of Paris/Lyon/Marseille, `ZZZZZ` elsewhere), `DCLT` (workplace commune or arrondissement, `99999`
  abroad), `TRANS` (mode), `AGEREVQ` (five-year age band), `SEXE`, `CS1`, `IPONDI` (weight, up to 15 decimals,
  decimal comma in the CSV). FD_MIGCOM: `COMMUNE`, `ARM`, `DCRAN` (residence one year earlier; `99999` abroad),
  `IRAN` (where that was), `AGEREVQ`, `SEXE`, `CS1`, `IPONDI`.
- base flux files, one row per commune pair: `CODGEO;LIBGEO;DCLT;L_DCLT;NBFLUX_C<yy>_ACTOCC15P` (commuting) and
  `CODGEO;LIBGEO;DCRAN;L_DCRAN;NBFLUX_C<yy>_POP01P` (residential migration; `POP05P` where the census asked the
  residence five years earlier, RP2006–2008), in a zip or as CSV.

France-scale in bounded memory: a detail file is never loaded whole. One streaming DuckDB pass reduces it as it
splits it by département of residence (`split_by_departement`: exact sums per group, Parquet with PARTITION_BY),
then each partition is sorted alone (`aggregate_partition`, a plain function over files: the unit a Prefect task
runs, in-process or on a Dask worker) into `<partitions dir>/<source>/<sha256>/v3/agg/dep=<dd>.parquet`; the
parser reads the partition results. Weights are
summed exactly (DECIMAL(38,15)) per group, so a partition's result is the same bytes wherever it was computed;
rounding happens only in the marts. The partitions directory is `OBSERVATOIRE_PARTITIONS_DIR` (shared storage on
a cluster), by default the folder of the landed file.

Edition N's geography is the COG of 1 January N+2 (`geo_year`) for the annual census; RP1999's is 1999. Codes of
arrondissements (Paris 751xx, Lyon 6938x, Marseille 132xx) are mapped to their commune for the destination/origin
commune (`dest_commune`); the raw code is kept (`dest_code`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations import rules as r
from expectations.completeness import Completeness
from sources.errors import SourceError
from sources.parsing import Parsed, empty_frame, read_delimited, require_columns, stacked
from sources.spec import Release, SourceSpec

PARTITIONS_ENV = "OBSERVATOIRE_PARTITIONS_DIR"
WORK_VERSION = 3  # the layout of the split and partition files: a change never reuses older work
# Destination codes that are not communes, documented by INSEE: abroad (99999); ZZZZZ is `ARM` outside PLM.
FOREIGN_OR_UNKNOWN = ("99999", "ZZZZZ")
AGE_BANDS = "CASE WHEN a < 15 THEN '00-14' WHEN a < 30 THEN '15-29' WHEN a < 45 THEN '30-44' " \
    "WHEN a < 60 THEN '45-59' WHEN a < 75 THEN '60-74' ELSE '75+' END"
KINDS = {
    # kind: (columns read, destination column, extra dimension columns kept)
    "mobpro": (("COMMUNE", "ARM", "DCLT", "TRANS", "AGEREVQ", "SEXE", "CS1", "IPONDI"), "DCLT", ("TRANS",)),
    "migcom": (("COMMUNE", "ARM", "DCRAN", "IRAN", "AGEREVQ", "SEXE", "CS1", "IPONDI"), "DCRAN", ("IRAN",)),
}
EDITION = re.compile(r"(?:RP|_)(\d{4})(?!\d)")
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def commune_of(code_sql: str) -> str:
    """SQL: the commune of a commune or municipal-arrondissement code (Paris, Lyon, Marseille)."""
    return (
        f"CASE WHEN {code_sql} LIKE '751%' AND {code_sql} <> '75056' THEN '75056' "
        f"WHEN {code_sql} LIKE '6938%' THEN '69123' "
        f"WHEN {code_sql} LIKE '132%' AND {code_sql} <> '13055' AND {code_sql} < '13217' THEN '13055' "
        f"ELSE {code_sql} END"
    )


def _commune_of_code(code: str) -> str:
    """Python twin of `commune_of` for the base flux files (read with pandas)."""
    if code.startswith("751") and code != "75056":
        return "75056"
    if code.startswith("6938"):
        return "69123"
    if code.startswith("132") and code != "13055" and code < "13217":
        return "13055"
    return code


def connect(memory: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config=DUCKDB_CONFIG)
    con.execute(f"SET memory_limit='{memory or os.environ.get('OBSERVATOIRE_FLOW_MEMORY', '500MB')}'")
    con.execute("SET preserve_insertion_order=false")
    con.execute("SET enable_progress_bar=false")
    return con


def edition_of(path: Path) -> int:
    found = EDITION.findall(path.name)
    if not found:
        raise SourceError("insee_rp_flux", path.name, "edition_in_name",
                          "no edition year (e.g. FD_MOBPRO_2021) in the file name")
    return int(found[-1])


def geo_year_of(edition: int) -> int:
    """The geography of a census edition: 1 January N+2 for the annual census (RP2006 on: its five survey years
    end in N+2's geography), the census year itself for the general censuses (RP1999 and before, one date)."""
    return edition + 2 if edition >= 2004 else edition


def _file_sha(path: Path) -> str:
    # A landed file lives in landing/<source>/<sha256>/: reuse its name instead of hashing a gigabyte again.
    if re.fullmatch(r"[0-9a-f]{64}", path.parent.name):
        return path.parent.name
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def work_dir(source_id: str, path: Path) -> Path:
    root = Path(os.environ[PARTITIONS_ENV]) if os.environ.get(PARTITIONS_ENV) else path.parent / "partitions"
    return root / source_id / _file_sha(path) / f"v{WORK_VERSION}"


def _detail_member(source_id: str, path: Path, out: Path) -> tuple[Path, Path | None]:
    """The data file of a delivery (extracted from its zip once) and its varmod dictionary, if delivered."""
    if path.suffix.lower() != ".zip":
        return path, None
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SourceError(source_id, path.name, "readable_zip", str(exc)) from exc
    with archive:
        names = archive.namelist()
        data = [n for n in names
                if re.match(r"(?i)^(?:.*/)?FD_", n) and n.lower().endswith((".csv", ".txt", ".parquet"))]
        varmod = [n for n in names if "varmod" in n.lower() and n.lower().endswith((".csv", ".txt"))]
        if len(data) != 1:
            raise SourceError(source_id, path.name, "one_detail_file", f"expected one FD_* member, got {names}")
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in [data[0]] + varmod[:1]:
            target = out / Path(name).name
            if not target.exists():
                tmp = target.with_suffix(target.suffix + ".part")
                with archive.open(name) as src, tmp.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                tmp.replace(target)
            paths.append(target)
    return paths[0], paths[1] if len(paths) > 1 else None


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        return "utf-8" if exc.start > len(head) - 4 else "latin-1"


def _relation_sql(source_id: str, data: Path, kind: str) -> str:
    """A DuckDB table expression reading the delivered detail file, every column as text."""
    columns, _, _ = KINDS[kind]
    if data.suffix.lower() == ".parquet":
        names = [c for c, in duckdb.connect(config=DUCKDB_CONFIG).sql(
            f"SELECT name FROM parquet_schema('{data.as_posix()}')").fetchall()]
        require_columns(source_id, data.name, names, list(columns))
        casts = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in columns)
        return f"(SELECT {casts} FROM read_parquet('{data.as_posix()}'))"
    with data.open("rb") as handle:
        header = handle.readline().decode("latin-1").strip().replace('"', "").split(";")
    require_columns(source_id, data.name, header, list(columns))
    return (f"(SELECT {', '.join(columns)} FROM read_csv('{data.as_posix()}', delim=';', header=true, "
            f"all_varchar=true, encoding='{_encoding(data)}', quote='\"'))")


# One pre-aggregating split at a time in a process: its hash table is the only DuckDB work of the flows that
# grows with the file (two sources refreshed side by side would otherwise hold two of them).
_SPLIT_LOCK = threading.Lock()
# The partition key of a row and the group keys of the partial sums written by the split.
DEP = "CASE WHEN COMMUNE LIKE '97%' THEN left(COMMUNE, 3) ELSE left(COMMUNE, 2) END"


def split_by_departement(source_id: str, path: Path, kind: str) -> Path:
    """One streaming pass that reduces as it splits: the delivered file → partial sums per département of
    residence × residence × destination × every kept dimension (IPONDI summed exactly as DECIMAL(38,15), records
    counted, smallest weight and unreadable ages kept for the gate), written as Parquet partitioned by
    département. The partition step then only sorts rows already reduced (20 M MIGCOM rows → ≈ 5.6 M), each
    group once. Idempotent."""
    root = work_dir(source_id, path)
    split = root / "split"
    if (root / "split.done").exists():
        return split
    data, _ = _detail_member(source_id, path, root / "extracted")
    _, dest, extra = KINDS[kind]
    source = _relation_sql(source_id, data, kind)
    shutil.rmtree(split, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    with _SPLIT_LOCK:
        con = connect(os.environ.get("OBSERVATOIRE_FLOW_SPLIT_MEMORY"))
        try:
            con.execute(f"SET threads={int(os.environ.get('OBSERVATOIRE_FLOW_SPLIT_THREADS', '2'))}")
            # The age band is computed here (the raw age is not a key), the destination's commune in the
            # partition step (a function of dest_code: no key of its own in the big hash table).
            con.execute(f"""
                COPY (
                  SELECT {DEP} AS dep, COMMUNE AS commune, ARM AS arm, {dest} AS dest_code,
                         {', '.join(f'{e} AS {e.lower()}' for e in extra)},
                         {AGE_BANDS.replace('a <', 'TRY_CAST(AGEREVQ AS INTEGER) <')} AS age_band,
                         SEXE AS sex, CS1 AS cs1,
                         sum(CAST(replace(IPONDI, ',', '.') AS DECIMAL(38,15))) AS weight, count(*)::BIGINT AS records,
                         min(CAST(replace(IPONDI, ',', '.') AS DECIMAL(38,15))) AS min_ipondi,
                         count(*) FILTER (WHERE TRY_CAST(AGEREVQ AS INTEGER) IS NULL)::BIGINT AS bad_age
                  FROM {source}
                  GROUP BY ALL
                ) TO '{split.as_posix()}' (FORMAT parquet, PARTITION_BY (dep), OVERWRITE)""")
        except duckdb.Error as exc:
            raise SourceError(source_id, path.name, "readable_detail_file", str(exc).splitlines()[0]) from exc
        finally:
            con.close()
    (root / "split.done").write_text("ok\n")
    if data.parent.name == "extracted":  # the extracted copy is no longer needed; the zip stays in the landing
        data.unlink(missing_ok=True)
    return split


def partitions(split: Path) -> list[str]:
    return sorted(p.name.removeprefix("dep=") for p in split.glob("dep=*") if p.is_dir())


def aggregate_partition(split: Path, kind: str, dep: str, out_dir: Path) -> Path:
    """One département of residence: the split's sums of that département, sorted on their key and written as
    one Parquet file (the split's GROUP BY emits each group once, whatever file of the partition it lands in:
    nothing is left to sum), with the destination's commune.

    A plain function over files (no state, no connection shared): what a Prefect task runs, in-process or on a
    Dask worker. Sums are exact decimals and the output is sorted on its unique key (the group key; sorting on
    it alone keeps the sort keys short), so it is the same bytes wherever it was computed and however the split
    distributed its rows among files."""
    target = out_dir / f"dep={dep}.parquet"
    if target.exists():
        return target
    _, dest, extra = KINDS[kind]
    dims = [e.lower() for e in extra]
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".dep={dep}.parquet.part"
    con = connect()
    try:
        con.execute("SET threads=1")  # one partition = one core: partitions run side by side
        con.execute(f"""
            COPY (
              SELECT commune, NULLIF(arm, 'ZZZZZ') AS arm, dest_code, {commune_of('dest_code')} AS dest_commune,
                     {', '.join(dims)}, age_band, sex, cs1, weight, records, min_ipondi, bad_age
              FROM read_parquet('{(split / f"dep={dep}").as_posix()}/*.parquet')
              ORDER BY commune, arm, dest_code, {', '.join(dims)}, age_band, sex, cs1
            ) TO '{tmp.as_posix()}' (FORMAT parquet)""")
    finally:
        con.close()
    tmp.replace(target)
    return target


def aggregated_dir(source_id: str, path: Path) -> Path:
    return work_dir(source_id, path) / "agg"


def prepare(source_id: str, path: Path, kind: str) -> tuple[Path, list[str]]:
    """What a runner needs to schedule a file's partitions: its split folder and its départements."""
    split = split_by_departement(source_id, path, kind)
    return split, partitions(split)


def aggregate_file(source_id: str, path: Path, kind: str) -> Path:
    """Every partition of one delivered file (the in-process path; partitions already computed, e.g. by Dask
    workers, are reused)."""
    split, deps = prepare(source_id, path, kind)
    out = aggregated_dir(source_id, path)
    # Two partitions side by side (one DuckDB thread each): the machine's two cores, like the thread runner.
    with ThreadPoolExecutor(max_workers=int(os.environ.get("OBSERVATOIRE_PARTITION_WORKERS", "2"))) as pool:
        list(pool.map(lambda dep: aggregate_partition(split, kind, dep, out), deps))
    return out


def read_partitions(out: Path) -> pa.Table:
    """The partition results of one file, in département order (each sorted): codes dictionary-encoded straight
    from Parquet, exact sums cast to DOUBLE (for a reader that wants the rows in memory: tests, benchmarks)."""
    parts = sorted(out.glob("dep=*.parquet"))
    if not parts:
        return pa.table({})
    tables = []
    for part in parts:
        table = pq.read_table(part)
        columns = {}
        for name, column in zip(table.column_names, table.columns, strict=True):
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                column = pc.dictionary_encode(column)
            elif pa.types.is_decimal(column.type):
                column = pc.cast(column, pa.float64())
            columns[name] = column
        tables.append(pa.table(columns))
    return pa.concat_tables(tables, promote_options="permissive").unify_dictionaries().combine_chunks()


def _summary(out: Path, kind: str) -> pd.DataFrame:
    """One row per partition result: what the gate validates (a France-wide file aggregates to millions of rows,
    which stay on disk for the build to read): counts of rows, records and weight, the smallest individual weight,
    and the rows whose codes break the layout."""
    extra = KINDS[kind][2][0].lower()
    values = {"trans": "('1','2','3','4','5','6','Z')", "iran": "('1','2','3','4','5','6','7','8','9','Z')"}[extra]
    con = connect()
    try:
        frame = con.sql(f"""
            SELECT filename AS partition_file, count(*)::BIGINT AS rows, sum(records)::BIGINT AS records,
                   CAST(sum(weight) AS DOUBLE) AS weight, CAST(min(min_ipondi) AS DOUBLE) AS min_ipondi,
                   sum(bad_age)::BIGINT AS bad_age,
                   count(*) FILTER (NOT regexp_full_match(commune, '{r.COMMUNE[1:-1]}'))::BIGINT AS bad_commune,
                   count(*) FILTER (NOT regexp_full_match(dest_code, '{DEST[1:-1]}'))::BIGINT AS bad_destination,
                   count(*) FILTER (sex IS NULL OR sex NOT IN ('1', '2'))::BIGINT AS bad_sex,
                   count(*) FILTER ({extra} IS NULL OR {extra} NOT IN {values})::BIGINT AS bad_{extra}
            FROM read_parquet('{out.as_posix()}/dep=*.parquet', filename = true)
            GROUP BY filename ORDER BY filename""").df()
    finally:
        con.close()
    frame = frame.rename(columns={f"bad_{extra}": "bad_dimension"})
    frame.insert(0, "dep", frame["partition_file"].str.extract(r"dep=(\w+)\.parquet$")[0])
    frame["partition_sha256"] = [_file_sha(Path(f)) for f in frame["partition_file"]]
    return frame


def _parse_detail(source_id: str, kind: str, paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in paths:
        edition = edition_of(path)
        out = aggregate_file(source_id, path, kind)
        frame = _summary(out, kind)
        frame.insert(0, "geo_year", geo_year_of(edition))
        frame.insert(0, "edition", edition)
        frame["source_file"] = path.name
        frames.append(frame)
        notes.append(f"{path.name}: edition {edition} (geography {geo_year_of(edition)}), "
                     f"{int(frame['records'].sum())} records in {len(frame)} départements → "
                     f"{int(frame['rows'].sum())} aggregated rows "
                     f"(partition results: {out})")
    return stacked(frames, notes)


def parse_mobpro(paths: list[Path]) -> Parsed:
    return _parse_detail("insee_fd_mobpro", "mobpro", paths)


def parse_migcom(paths: list[Path]) -> Parsed:
    return _parse_detail("insee_fd_migcom", "migcom", paths)


def _empty_detail() -> pd.DataFrame:
    return empty_frame({"edition": "int64", "geo_year": "int64", "dep": "str", "partition_file": "str",
                        "rows": "int64", "records": "int64", "weight": "float64", "min_ipondi": "float64",
                        "bad_age": "int64", "bad_commune": "int64", "bad_destination": "int64", "bad_sex": "int64",
                        "bad_dimension": "int64", "partition_sha256": "str", "source_file": "str"})


BASE_FLUX_COUNT = re.compile(r"^NBFLUX_C(\d{2})_(ACTOCC15P|POP01P|POP05P)$")


def _parse_base_flux(source_id: str, dest: str, paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in paths:
        raw = read_delimited(source_id, path)
        counts = [c for c in raw.columns if BASE_FLUX_COUNT.match(c)]
        require_columns(source_id, path.name, list(raw.columns), ["CODGEO", dest])
        if len(counts) != 1:
            raise SourceError(source_id, path.name, "one_count_column",
                              f"expected one NBFLUX_C<yy>_… column, got {list(raw.columns)}", [1])
        yy, universe = BASE_FLUX_COUNT.match(counts[0]).groups()
        edition = (1900 if int(yy) > 50 else 2000) + int(yy)  # NBFLUX_C99_…: the 1999 census
        text = raw[counts[0]].str.strip().str.replace(",", ".", regex=False)
        weight = pd.to_numeric(text, errors="coerce")
        bad = weight.isna()
        if bad.any():
            raise SourceError(source_id, path.name, "count_is_number",
                              f"not a number: {raw[counts[0]][bad].head(5).tolist()}",
                              rows=[int(i) + 2 for i in raw.index[bad]], column=counts[0])
        codes = raw[dest].str.strip()
        frames.append(pd.DataFrame({
            "edition": edition, "geo_year": geo_year_of(edition), "universe": universe,
            "commune": raw["CODGEO"].str.strip(), "dest_code": codes,
            "dest_commune": codes.map(_commune_of_code),
            "weight": weight, "source_file": path.name, "source_line": raw.index + 2,
        }))
        notes.append(f"{path.name}: edition {edition} ({universe}), {len(raw)} commune pairs")
    return stacked(frames, notes)


def parse_base_flux_mobpro(paths: list[Path]) -> Parsed:
    return _parse_base_flux("insee_base_flux_mobpro", "DCLT", paths)


def parse_base_flux_migcom(paths: list[Path]) -> Parsed:
    return _parse_base_flux("insee_base_flux_migcom", "DCRAN", paths)


def _empty_base_flux() -> pd.DataFrame:
    return empty_frame({"edition": "int64", "geo_year": "int64", "universe": "str", "commune": "str",
                        "dest_code": "str", "dest_commune": "str", "weight": "float64", "source_file": "str",
                        "source_line": "int64"})


DEST = r"^(?:\d{5}|2[AB]\d{3}|99999)$"


def _detail_rules(extra: str) -> tuple:
    zero = {"min_value": 0, "max_value": 0}
    return (r.rows(
        r.matches("dep", r"^(?:\d{2}|2[AB]|97\d)$", "partition_is_a_departement"),
        r.between("min_ipondi", "weights_positive", min_value=0, strict_min=True),
        r.between("weight", "summed_weight_positive", min_value=0, strict_min=True),
        r.between("bad_commune", "residence_commune_format", **zero),
        r.between("bad_destination", "destination_code_format",
                  why="a commune or arrondissement code, or INSEE's 99999 (abroad)", **zero),
        r.between("bad_age", "age_is_a_number", **zero),
        r.between("bad_sex", "sex_code", **zero),
        r.between("bad_dimension", f"{extra}_code", **zero),
        r.unique(["edition", "dep"], "one_partition_per_departement"),
    ),)


COMMON = dict(
    producer="INSEE", licence="Licence Ouverte / Etalab 2.0", bundled=(),
    product_page="https://www.insee.fr/fr/information/2383306 (fichiers détail du recensement)",
)


def _spec(**kw) -> SourceSpec:
    return SourceSpec(**COMMON, **kw)


def _base_flux_rules(destination_rule: str) -> tuple[r.Batch, ...]:
    """The rules of a « base flux » file (one row per commune pair): the two kinds differ by what the other end is."""
    return (r.rows(
        r.matches("commune", r.COMMUNE, "residence_commune_format"),
        r.matches("dest_code", DEST, destination_rule),
        r.between("weight", "flow_positive", min_value=0, strict_min=True),
        r.unique(["edition", "commune", "dest_code"], "one_flow_per_pair"),
    ),)


SOURCES = [
    _spec(
        id="insee_fd_mobpro", parser=parse_mobpro, empty=_empty_detail, expectations=_detail_rules("trans"),
        completeness=Completeness(shrink_keys=("edition",)),
        product="Recensement, fichier détail MOBPRO (mobilités professionnelles: résidence → lieu de travail)",
        official_urls=("https://www.insee.fr/fr/statistiques/fichier/<id>/RP<N>_mobpro_csv.zip",),
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/7637844 (RP2020, fichier détail mobilités professionnelles)",
            files="see listing: one page per census edition (RP2020: "
            "/fr/statistiques/fichier/7637844/RP2020_mobpro_csv.zip)",
            format="zip of ; CSV FD_MOBPRO_<edition> (.txt before 2016) with its varmod file; Parquet for recent "
            "editions",
            rhythm="yearly:6",
            verified_on="file names: RP2020 address seen in public reuses (code corpus: "
            "https://www.insee.fr/fr/statistiques/fichier/7637844/RP2020_mobpro_csv.zip)",
        ),
        attribution="« Insee, RP, fichier détail Mobilités professionnelles »",
        layout="zip of FD_MOBPRO_<N>.csv|.txt (;) + Varmod_MOBPRO_<N>.csv, or FD_MOBPRO_<N>.parquet",
    ),
    _spec(
        id="insee_fd_migcom", parser=parse_migcom, empty=_empty_detail, expectations=_detail_rules("iran"),
        completeness=Completeness(shrink_keys=("edition",)),
        product="Recensement, fichier détail MIGCOM (migrations résidentielles: résidence ← résidence antérieure)",
        official_urls=("https://www.insee.fr/fr/statistiques/fichier/<id>/RP<N>_migcom_csv.zip",),
        releases=Release(
            page="https://www.insee.fr/fr/statistiques (« Migrations résidentielles : fichier détail »)",
            files="see listing: one page per census edition (RP2016: "
            "/fr/statistiques/fichier/4171543/RP2016_migcom_csv.zip)",
            format="zip of ; CSV FD_MIGCOM_<edition> (.txt before 2016) with its varmod file; Parquet for recent "
            "editions",
            rhythm="yearly:6",
            verified_on="file names: https://www.insee.fr/fr/statistiques/fichier/4171543/RP2016_migcom_csv.zip, "
            "downloaded by public code that then reads FD_MIGCOM_2016.csv and varmod_MIGCOM_2016.csv from it (code "
            "corpus); later editions' addresses not found",
        ),
        attribution="« Insee, RP, fichier détail Migrations résidentielles »",
        layout="zip of FD_MIGCOM_<N>.csv|.txt (;) + Varmod_MIGCOM_<N>.csv, or FD_MIGCOM_<N>.parquet",
    ),
    _spec(
        id="insee_base_flux_mobpro", parser=parse_base_flux_mobpro, empty=_empty_base_flux,
        expectations=_base_flux_rules("destination_code_format"),
        completeness=Completeness(shrink_keys=("edition",)),
        product="Base flux de mobilité domicile – lieu de travail (commune → commune, actifs occupés 15 ans ou plus)",
        official_urls=("https://www.insee.fr/fr/statistiques/<id> base-flux-mobilite-domicile-lieu-travail-<N>",),
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/8582949 (base flux de mobilité domicile-lieu de travail 2022)",
            files="see listing: one page per edition (2022: "
            "/fr/statistiques/fichier/8582949/base-flux-mobilite-domicile-lieu-travail-2022_csv.zip; 2021: "
            "/fr/statistiques/fichier/8201899/base-flux-mobilite-domicile-lieu-travail-2021-csv.zip)",
            format="zip of ; CSV CODGEO;LIBGEO;DCLT;L_DCLT;NBFLUX_C<yy>_ACTOCC15P (xls before 2017)",
            rhythm="yearly:6",
            verified_on="file names: 2022 and 2021 addresses seen in public reuses (code corpus)",
        ),
        attribution="« Insee, RP, base flux de mobilité domicile-travail »",
        layout="CODGEO;LIBGEO;DCLT;L_DCLT;NBFLUX_C<yy>_ACTOCC15P",
    ),
    _spec(
        id="insee_base_flux_migcom", parser=parse_base_flux_migcom, empty=_empty_base_flux,
        expectations=_base_flux_rules("previous_residence_code_format"),
        completeness=Completeness(shrink_keys=("edition",)),
        product="Base flux de mobilité résidentielle (commune de résidence ← commune de résidence antérieure)",
        official_urls=("https://www.insee.fr/fr/statistiques/<id> base-flux-mobilite-residentielle-<N>",),
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/7637844",
            files="see listing: one page per edition (base-flux-mobilite-residentielle-<edition>)",
            format="zip of ; CSV CODGEO;LIBGEO;DCRAN;L_DCRAN;NBFLUX_C<yy>_POP01P",
            rhythm="yearly:6",
            # insee.fr's own page is not in the stored corpus: the addresses are those public reuses give
            verified_on="https://www.insee.fr/fr/statistiques/7637844 and https://www.insee.fr/fr/statistiques/7632715"
            " as cited by public reuses (READMEs downloading base-flux-mobilite-residentielle-<year>.csv, 2018–2022, "
            "read with sep=';' and NBFLUX_C<yy>_POP01P); the pages themselves were not read",
        ),
        attribution="« Insee, RP, base flux de mobilité résidentielle »",
        layout="CODGEO;LIBGEO;DCRAN;L_DCRAN;NBFLUX_C<yy>_POP01P (POP05P: residence five years earlier)",
    ),
]
