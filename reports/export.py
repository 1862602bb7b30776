"""Annual publication snapshots: `exports/<year>/` with, per mart, Parquet + CSV, metadata.json, SHA256SUMS.

Year rule (documented in the README): the snapshot of year Y holds, for each mart, the rows of the latest
geography vintage available in that mart that is ≤ Y (« millesime_geo »), and only the data periods that end no
later than Y (« recensement » / « periode » / « trimestre »: '2009', '1999-2009' and '2009-T4' end in 2009).
The reproduction table is exported whole (it documents the diagnostic, not a period).

A year before the first geography vintage or after the last one of the warehouse raises `YearOutOfRange` (a
ValueError) before anything is written.

Every number is rounded to its indicator's precision (`indicator_catalogue.precision`; counts become integers):
float sums are not bit-stable across two builds of the same inputs (≈1e-14), rounded values are, so two builds of
the same inputs give byte-identical files and the same SHA256SUMS. metadata.json holds no wall-clock time for
the same reason: a snapshot is identified by its sources' content hashes and the pipeline version.

CSV in the French convention (`;`, decimal comma, UTF-8 with BOM) by default; `plain_csv` adds `,`/`.` twins.
Flags: a table's `flags` column (ids, e.g. `provisional`) is exported with, right after it, `marqueurs`: the same
flags in the reader's words (« provisoire », « secret statistique » …, transforms/flags.yml via the warehouse's
flag_vocabulary); metadata.json lists every flag used in the snapshot with its label and meaning.
Rows are sorted on the mart's key; the folder is written beside the old one and swapped in at the end.
Census flows: besides the flow marts, `flux_navettes_<Y>` and `flux_migrations_<Y>` (Parquet, CSV) give the
origin–destination rows of the snapshot's geography (`_flow_files`); metadata.json (`flux_origine_destination`)
lists them, or says they are absent because no flow source is configured.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from transforms.runner import column_indicators, discover
from warehouse.build import TABLES_PATH

# what metadata.json says, for the snapshot's readers: in French
CSV_CONVENTION = "séparateur « ; », virgule décimale, UTF-8 avec BOM ; nombre de décimales fixe par indicateur"
YEAR_RULE = (
    "L'instantané de l'année A contient, pour chaque table, les lignes du millésime de géographie le plus récent "
    "de cette table qui soit au plus A (« millesime_geo »), et seulement les périodes qui se terminent au plus tard "
    "en A (« recensement », « periode », « trimestre » : '2009', '1999-2009' et '2009-T4' se terminent en 2009). "
    "La table reproduction est exportée entière (elle documente le diagnostic de 2013, pas une période)."
)
GEO_COLUMN, PERIOD_COLUMNS = "millesime_geo", ("recensement", "periode", "trimestre")


def exported_tables() -> dict[str, tuple[list[str], str | None, str | None]]:
    """Table → (key columns to sort on, geography column, period column) of every exported table. A table declares
    itself: a model by its header key `Export key: <columns>`, a table made outside the models by `export key` in
    warehouse/tables.yml. The year rule filters on the key's `millesime_geo` and on its first period column."""
    declared = {name: model.export_key for name, model in discover().items() if model.export_key}
    tables = yaml.safe_load(TABLES_PATH.read_text(encoding="utf-8"))
    declared |= {name: entry["export key"] for name, entry in tables.items() if entry.get("export key")}
    return {
        name: (keys, GEO_COLUMN if GEO_COLUMN in keys else None, next((c for c in keys if c in PERIOD_COLUMNS), None))
        for name, keys in sorted(declared.items())
    }


MARTS = exported_tables()


# Exported number column → the indicator whose catalogue precision rounds it (a trailing * takes the largest
# precision of the ids it prefixes), or a fixed number of decimals for columns that are no catalogue indicator.
# A number column missing here stops the export: every published number is rounded on purpose.
# reproduction: the published value at its printed precision, computed values with two more decimals (so that a
# difference below the printed precision stays visible)
REPRODUCTION_EXTRA_DECIMALS = 2
REPRODUCTION_VALUES = ("computed_value", "computed_other_convention", "difference")
NUMBER_TYPES = ("DOUBLE", "FLOAT", "REAL")
FLAG_LABELS_COLUMN = "marqueurs"
FLAG_LABELS_DESCRIPTION = (
    "Marqueurs de la colonne flags dans les mots du lecteur (« provisoire », « secret statistique », « estimé » …), "
    "dans le même ordre, séparés par des virgules ; leur signification est donnée dans metadata.json (flags)"
)


class YearOutOfRange(ValueError):
    """The snapshot year is outside the geography vintages of the warehouse: nothing to export."""


def available_years(con: duckdb.DuckDBPyConnection) -> range:
    """Years a snapshot can be made for: from the first to the last geography vintage of the indicator values."""
    first, last = con.sql("SELECT min(geo_year), max(geo_year) FROM indicator_values").fetchall()[0]
    return range(int(first), int(last) + 1)


def check_year(con: duckdb.DuckDBPyConnection, year: int) -> None:
    years = available_years(con)
    if year not in years:
        raise YearOutOfRange(
            f"no data for year {year}: the warehouse holds geography vintages {years.start}–{years.stop - 1}; "
            f"choose a year in {years.start}–{years.stop - 1}"
        )


def precisions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Decimals of every exported number column (from the indicator catalogue)."""
    catalogue = {k: int(float(p)) for k, p in con.sql("SELECT id, precision FROM indicator_catalogue").fetchall()}
    out = {}
    for column, rule in column_indicators(discover()).items():
        if isinstance(rule, int):
            out[column] = rule
        elif rule.endswith("*"):
            out[column] = max(p for k, p in catalogue.items() if k.startswith(rule[:-1]))
        else:
            out[column] = catalogue[rule]
    return out


def flag_vocabulary(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Flag id → (French label, meaning), as the warehouse publishes them."""
    return {f: (label, meaning) for f, label, meaning in con.sql("SELECT * FROM flag_vocabulary").fetchall()}


def _flag_labels(con: duckdb.DuckDBPyConnection, column: str) -> str:
    """SQL: the ids of `column` ('provisional,revised') as French labels ('provisoire, révisé'); an id missing
    from the vocabulary stays as it is (the audit refuses one in indicator_values)."""
    pairs = ", ".join(
        "'{}': '{}'".format(f, label.replace("'", "''")) for f, (label, _) in sorted(flag_vocabulary(con).items())
    )
    return (
        f"array_to_string(list_transform(string_split({column}, ','), "
        f"lambda f: coalesce(MAP {{{pairs}}}[trim(f)], trim(f))), ', ')"
    )


def _select_list(con: duckdb.DuckDBPyConnection, mart: str, decimals: dict[str, int]) -> str:
    """Columns of the mart, numbers rounded: precision 0 → BIGINT, else round(x, p); `flags` followed by its
    French labels (`marqueurs`)."""
    columns = con.sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{mart}' AND table_catalog = current_database() ORDER BY ordinal_position"
    ).fetchall()
    out = []
    for name, dtype in columns:
        quoted = f'"{name}"'
        if dtype == '"NULL"':  # a column of NULLs only: typed as text so that Parquet and CSV agree
            out.append(f"CAST({quoted} AS VARCHAR) AS {quoted}")
        elif name == "flags":
            out.append(quoted)
            out.append(f"{_flag_labels(con, quoted)} AS {FLAG_LABELS_COLUMN}")
        elif dtype not in NUMBER_TYPES:
            out.append(quoted)
        elif mart == "reproduction" and name == "published_value":
            out.append(f"round({quoted}, CAST(precision AS INTEGER)) AS {quoted}")
        elif mart == "reproduction" and name not in ("precision", *REPRODUCTION_VALUES):
            out.append(f"round({quoted}, 6) AS {quoted}")  # evidence: shares, ratios
        elif mart == "reproduction" and name != "precision":
            out.append(f"round({quoted}, CAST(precision AS INTEGER) + {REPRODUCTION_EXTRA_DECIMALS}) AS {quoted}")
        elif mart == "reproduction":
            out.append(f"CAST({quoted} AS INTEGER) AS {quoted}")
        elif name not in decimals:
            raise ValueError(
                f"{mart}.{name}: number column without a precision (give the column `meta: {{indicator: <id>}}` "
                "or `meta: {precision: N}` in the mart's YAML)"
            )
        elif decimals[name] == 0:
            out.append(f"CAST(round({quoted}) AS BIGINT) AS {quoted}")
        else:
            out.append(f"round({quoted}, {decimals[name]}) AS {quoted}")
    return ", ".join(out)


def _query(mart: str, year: int, columns: str = "*", condition: str | None = None) -> str:
    keys, geo, period = MARTS[mart]
    where = [condition] if condition else []
    if geo:
        where.append(f"{geo} = (SELECT max({geo}) FROM {mart} WHERE {geo} <= {year})")
    if period:
        # last 4-digit year of the period text ('2009', '1999-2009', '2013-T1')
        where.append(f"CAST(regexp_extract({period}, '(\\d{{4}})(?:-T[1-4])?$', 1) AS INTEGER) <= {year}")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {columns} FROM {mart}{clause} ORDER BY {', '.join(keys)}"


def _french_csv(table: pa.Table, path: Path, plain: bool = False, decimals: dict[str, int] | None = None) -> None:
    # integers stay integers when a column has missing values (not 123.0)
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype()}.get)
    # a fixed number of decimals per column (1,0 and 1,05 never side by side): the text is written as formatted
    for column, places in (decimals or {}).items():
        if column in frame.columns and places > 0 and pd.api.types.is_float_dtype(frame[column]):
            mark = "." if plain else ","
            frame[column] = [
                "" if pd.isna(v) else f"{v:.{places}f}".replace(".", mark) for v in frame[column]
            ]
    if plain:
        frame.to_csv(path, sep=",", index=False, encoding="utf-8", lineterminator="\n")
    else:
        frame.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig", lineterminator="\n")


def _sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every source of the build (cfg_sources) with its producer, licence, attribution, content hash and files."""
    columns = ["source_id", "producer", "product", "licence", "attribution", "sha256", "files"]
    rows = con.sql(f"SELECT {', '.join(columns)} FROM cfg_sources ORDER BY source_id").fetchall()
    return [{c: (None if v is None else str(v)) for c, v in zip(columns, row, strict=True)} for row in rows]


def _empty_tables(con: duckdb.DuckDBPyConnection, rows: dict[str, int], year: int) -> dict[str, str]:
    """Why each exported table without rows is empty (its files hold the header only), in French."""
    out = {}
    for mart, n in rows.items():
        if n:
            continue
        total = con.sql(f"SELECT count(*) FROM {mart}").fetchall()[0][0]
        out[mart] = (
            "table vide dans l'entrepôt : les données de ce thème ne sont pas livrées à l'observatoire (voir "
            "« sources » : une source sans fichier)" if not total else
            f"aucune ligne pour {year} : la table n'a ni géographie au plus {year} ni période finissant au plus "
            f"tard en {year}"
        )
    return out


# The origin–destination files of a snapshot: file stem → (mart, rows kept, columns left out, flow sources).
FLOW_FILES = {
    "flux_navettes": ("mart_navettes_flux", "dimension = 'ensemble'", ("dimension", "modalite"),
                      ("insee_fd_mobpro", "insee_base_flux_mobpro")),
    "flux_migrations": ("mart_migrations_flux", None, (), ("insee_fd_migcom", "insee_base_flux_migcom")),
}
FLOW_FILE_DESCRIPTIONS = {
    "flux_navettes": (
        "Matrice origine–destination des navettes domicile-travail (actifs occupés de 15 ans ou plus, ensemble) "
        "entre territoires d'un même niveau, sur la géographie de l'instantané ; effectifs pondérés sommés sans "
        "arrondi puis arrondis à la précision de l'indicateur ; fiabilité selon les seuils de l'Insee (marqueurs)"),
    "flux_migrations": (
        "Matrice origine–destination des migrations résidentielles (résidence un an avant le recensement → "
        "résidence au recensement ; ensemble et 15-29 ans) entre territoires d'un même niveau, sur la géographie "
        "de l'instantané ; effectifs pondérés arrondis en dernier ; fiabilité selon les seuils de l'Insee"),
}


def _flow_files(
    con: duckdb.DuckDBPyConnection, year: int, staging: Path, decimals: dict[str, int],
    formats: tuple[str, ...], plain_csv: bool,
) -> dict:
    """`flux_navettes_<year>` and `flux_migrations_<year>` (Parquet and/or CSV in the French convention): the
    origin–destination rows of the flow marts under the snapshot's year rule, numbers rounded to their
    indicator's precision here, `flags` with its `marqueurs`. No file when no flow source is configured
    (cfg_sources: `not_configured:`); what metadata.json says either way, in French. `_flags`: the flags used."""
    configured = {
        source for source, sha in con.sql("SELECT source_id, sha256 FROM cfg_sources").fetchall()
        if sha and not str(sha).startswith("not_configured:")
    }
    out: dict = {"_flags": set()}
    for stem, (mart, condition, dropped, sources) in FLOW_FILES.items():
        name = f"{stem}_{year}"
        if not configured & set(sources):
            out[name] = {"absent": f"aucune source de flux configurée ({', '.join(sources)}) : pas de fichier"}
            continue
        columns = _select_list(con, mart, decimals)
        query = _query(mart, year, columns, condition)
        table = con.sql(query).to_arrow_table()
        if dropped:  # the breakdown columns of the ensemble rows: constant, left out
            table = table.drop_columns(list(dropped))
        files = []
        if "parquet" in formats:
            pq.write_table(table, staging / f"{name}.parquet", compression="zstd", write_statistics=True)
            files.append(f"{name}.parquet")
        if "csv" in formats:
            _french_csv(table, staging / f"{name}.csv", decimals=decimals)
            files.append(f"{name}.csv")
            if plain_csv:
                _french_csv(table, staging / f"{name}.plain.csv", plain=True, decimals=decimals)
                files.append(f"{name}.plain.csv")
        if "flags" in table.column_names:
            out["_flags"] |= {
                f.strip() for cell in set(table.column("flags").to_pylist()) if cell for f in cell.split(",")
            }
        out[name] = {
            "description": FLOW_FILE_DESCRIPTIONS[stem],
            "table_source": mart + (f" ({condition})" if condition else ""),
            "sources": sorted(configured & set(sources)),
            "fichiers": files,
            "lignes": table.num_rows,
            "colonnes": table.column_names,
        }
    return out


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
    check_year(con, year)
    decimals = precisions(con)
    out_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=out_root))
    staging.chmod(0o755)  # mkdtemp creates 0700; a publication folder is for everyone to read
    try:
        rows, columns, used_flags = {}, {}, set()
        dictionary = con.sql("SELECT table_name, column_name, data_type, description FROM data_dictionary").df()
        for mart in MARTS:
            table = con.sql(_query(mart, year, _select_list(con, mart, decimals))).to_arrow_table()
            rows[mart] = table.num_rows
            columns[mart] = dictionary[dictionary.table_name == mart][
                ["column_name", "data_type", "description"]
            ].to_dict("records")
            if "flags" in table.column_names:
                at = [c["column_name"] for c in columns[mart]].index("flags") + 1
                labels = {"column_name": FLAG_LABELS_COLUMN, "data_type": "VARCHAR",
                          "description": FLAG_LABELS_DESCRIPTION}
                columns[mart].insert(at, labels)
                used_flags |= {
                    f.strip() for cell in set(table.column("flags").to_pylist()) if cell for f in cell.split(",")
                }
            if "parquet" in formats:
                # fixed writer settings: the same data gives the same bytes (no timestamps in the file)
                pq.write_table(table, staging / f"{mart}.parquet", compression="zstd", write_statistics=True)
            if "csv" in formats:
                fixed = {} if mart == "reproduction" else decimals  # reproduction: a precision per row
                _french_csv(table, staging / f"{mart}.csv", decimals=fixed)
                if plain_csv:
                    _french_csv(table, staging / f"{mart}.plain.csv", plain=True, decimals=fixed)
            if progress:
                progress(mart)
        flows = _flow_files(con, year, staging, decimals, formats, plain_csv)
        used_flags |= flows.pop("_flags")
        cog = con.sql("SELECT attribution FROM cfg_sources WHERE source_id = 'insee_cog_appartenance'").fetchall()
        metadata = {
            "snapshot_year": year,
            "year_rule": YEAR_RULE,
            "pipeline_version": version("observatoire"),
            "licence": f"ODbL 1.0, base de données dérivée : {cog[0][0] if cog else ''}",
            "csv_convention": CSV_CONVENTION + (" ; *.plain.csv : « , » et « . »" if plain_csv else ""),
            "tables_vides": _empty_tables(con, rows, year),
            "sources": _sources(con),
            "row_counts": rows,
            "flags": {
                f: {"libelle": label, "meaning": meaning}
                for f, (label, meaning) in sorted(flag_vocabulary(con).items())
                if f in used_flags
            },
            "columns": columns,
            "flux_origine_destination": flows,
        }
        (staging / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
        sums = [f"{_file_sha256(p)}  {p.name}" for p in sorted(staging.iterdir()) if p.is_file()]
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
