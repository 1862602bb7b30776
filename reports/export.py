"""Annual publication snapshots: `exports/<year>/` with, per mart, Parquet + CSV, metadata.json, SHA256SUMS.

Year rule (documented in the README): the snapshot of year Y holds, for each mart, the rows of the latest
geography vintage available in that mart that is ≤ Y (« millesime_geo »), and only the data periods that end no
later than Y (« recensement » / « periode » / « trimestre »: '2009', '1999-2009' and '2009-T4' end in 2009).
The reproduction table is exported whole (it documents the diagnostic, not a period).

CSV in the French convention (`;`, decimal comma, UTF-8 with BOM) by default; `plain_csv` adds `,`/`.` twins.
Rows are sorted on the mart's key; the folder is written beside the old one and swapped in at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from sources.registry import COG_ATTRIBUTION, SOURCES

CSV_CONVENTION = "separator ';', decimal ',', UTF-8 with BOM"
# mart → (key columns to sort on, geography column, period column)
MARTS: dict[str, tuple[list[str], str | None, str | None]] = {
    "mart_population": (["niveau", "code", "millesime_geo", "recensement"], "millesime_geo", "recensement"),
    "mart_evolution_population": (["niveau", "code", "millesime_geo", "periode"], "millesime_geo", "periode"),
    "mart_demographie": (["niveau", "code", "millesime_geo", "periode"], "millesime_geo", "periode"),
    "mart_jeunesse": (["niveau", "code", "millesime_geo", "recensement"], "millesime_geo", "recensement"),
    "mart_chomage": (["niveau", "code", "millesime_geo", "trimestre", "edition"], "millesime_geo", "trimestre"),
    "mart_emploi": (["niveau", "code", "millesime_geo", "periode"], "millesime_geo", "periode"),
    "mart_formation": (["niveau", "code", "millesime_geo", "recensement", "diplome"], "millesime_geo", "recensement"),
    "mart_navettes": (["niveau", "code", "millesime_geo", "recensement"], "millesime_geo", "recensement"),
    "mart_sante": (["niveau", "code", "millesime_geo", "periode"], "millesime_geo", "periode"),
    "reproduction": (["figure_id"], None, None),
}


def _query(mart: str, year: int) -> str:
    keys, geo, period = MARTS[mart]
    where = []
    if geo:
        where.append(f"{geo} = (SELECT max({geo}) FROM {mart} WHERE {geo} <= {year})")
    if period:
        # last 4-digit year of the period text ('2009', '1999-2009', '2013-T1')
        where.append(f"CAST(regexp_extract({period}, '(\\d{{4}})(?:-T[1-4])?$', 1) AS INTEGER) <= {year}")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT * FROM {mart}{clause} ORDER BY {', '.join(keys)}"


def _french_csv(table: pa.Table, path: Path, plain: bool = False) -> None:
    frame = table.to_pandas()
    if plain:
        frame.to_csv(path, sep=",", index=False, encoding="utf-8", lineterminator="\n")
    else:
        frame.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig", lineterminator="\n")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def export(
    con: duckdb.DuckDBPyConnection,
    year: int,
    out_root: Path,
    formats: tuple[str, ...] = ("csv", "parquet"),
    plain_csv: bool = False,
    progress=None,
) -> Path:
    """Write the snapshot of `year` under out_root/<year>/ (replacing any previous one) and return its path."""
    unknown = set(formats) - {"csv", "parquet"}
    if unknown:
        raise ValueError(f"unknown export format(s) {sorted(unknown)}; choose among csv, parquet")
    out_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=out_root))
    staging.chmod(0o755)  # mkdtemp creates 0700; a publication folder is for everyone to read
    try:
        rows, columns = {}, {}
        dictionary = con.sql("SELECT table_name, column_name, data_type, description FROM data_dictionary").df()
        for mart in MARTS:
            table = con.sql(_query(mart, year)).to_arrow_table()
            rows[mart] = table.num_rows
            columns[mart] = dictionary[dictionary.table_name == mart][
                ["column_name", "data_type", "description"]
            ].to_dict("records")
            if "parquet" in formats:
                # fixed writer settings: the same data gives the same bytes (no timestamps in the file)
                pq.write_table(table, staging / f"{mart}.parquet", compression="zstd", write_statistics=True)
            if "csv" in formats:
                _french_csv(table, staging / f"{mart}.csv")
                if plain_csv:
                    _french_csv(table, staging / f"{mart}.plain.csv", plain=True)
            if progress:
                progress(mart)
        sources = con.sql("SELECT source_id, sha256, files, validated_at FROM cfg_sources ORDER BY source_id").df()
        metadata = {
            "snapshot_year": year,
            "year_rule": __doc__.split("Year rule (documented in the README): ")[1].split("\n\n")[0].replace("\n", " "),
            "generated_at": datetime.now(UTC).isoformat(),
            "pipeline_version": version("observatoire"),
            "licence": f"ODbL 1.0, derived database: {COG_ATTRIBUTION}",
            "csv_convention": CSV_CONVENTION + ("; *.plain.csv: ',' and '.'" if plain_csv else ""),
            "sources": [
                {
                    **r,
                    "licence": SOURCES[r["source_id"]].licence if r["source_id"] in SOURCES else None,
                    "attribution": SOURCES[r["source_id"]].attribution if r["source_id"] in SOURCES else None,
                }
                for r in sources.astype(str).to_dict("records")
            ],
            "row_counts": rows,
            "columns": columns,
        }
        (staging / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
        sums = [f"{_sha256(p)}  {p.name}" for p in sorted(staging.iterdir()) if p.is_file()]
        (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
        final = out_root / str(year)
        old = out_root / f".{year}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
        return final
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
