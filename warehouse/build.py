"""Build into `<warehouse>.tmp`, audit, document (COMMENT ON, data dictionary), then publish with os.replace.

Readers holding the published file keep their snapshot; new readers see the new file; a failed build leaves
the published file untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from transforms import runner
from transforms.levels import LEVELS
from warehouse.db import connect

COLUMNS_PATH = Path(__file__).parent / "columns.yml"  # the shared glossary: columns meaning the same everywhere
TABLES_PATH = Path(__file__).parent / "tables.yml"  # tables made outside the SQL models, and their columns
INDICATORS_PATH = runner.SQL_DIR.parent / "indicators.yml"
# The published file is written in DuckDB 1.4's storage format: DBeaver, R and most packaged CLIs ship the 1.4 LTS
# line, which refuses the default format of DuckDB 2 ("version number 999").
STORAGE_VERSION = "v1.4.0"
# DuckDB's memory for a build (its buffers, temporary tables, hash tables; the Python process enters the build at
# about 0.4 GB), beyond which it spills to the temporary directory. 700 MB keeps a France-wide refresh at about
# 1.2 GB of peak memory (benchmarks/RESULTS.md); a machine with memory to spare may raise it (fewer spills).
MEMORY_LIMIT_ENV, MEMORY_LIMIT_DEFAULT = "OBSERVATOIRE_DUCKDB_MEMORY", "700MB"
TEMP_DIR_ENV = "OBSERVATOIRE_DUCKDB_TEMP"  # default: <warehouse folder>/.duckdb_spill, removed after the build


class AuditError(RuntimeError):
    """The built warehouse fails its audit; `violations` holds the critical rows of the invariant checks (table_name,
    rule, level, code, geo_year, detail), from which the refresh traces a violation back to a source's new content."""

    def __init__(self, message: str, violations: list[dict] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []

    def __reduce__(self):  # the violations survive a Prefect task's state (pickled)
        return (type(self), (str(self), self.violations))


@dataclass
class BuildResult:
    tmp_path: Path
    models: list[dict]
    seconds: float


def load_catalogue() -> dict:
    return yaml.safe_load(INDICATORS_PATH.read_text(encoding="utf-8"))


def violations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row of the invariant checks (tables `violations_*`: rule, severity, level, code, geo_year, period …)."""
    tables = [
        r[0]
        for r in con.sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'violations\\_%' ESCAPE '\\' AND table_catalog = current_database() ORDER BY 1"
        ).fetchall()
    ]
    if not tables:
        return pd.DataFrame(columns=["table_name", "rule", "severity", "detail"])
    union = " UNION ALL BY NAME ".join(f"SELECT '{t}' AS table_name, * FROM {t}" for t in tables)
    return con.sql(f"SELECT * FROM ({union}) ORDER BY table_name, rule, geo_year, period, code").df()


def data_test_failures(con: duckdb.DuckDBPyConnection, models: dict[str, runner.Model]) -> list[str]:
    """The data tests declared beside the published models (their YAML, dbt's generic tests), each a query whose
    rows are the failures; a published model with no rows is a failure too."""
    problems = []
    for model in models.values():
        if model.is_transient:
            continue
        for column, name, args in model.data_tests:
            failing = con.sql(f"SELECT count(*) FROM ({runner.data_test_sql(model, column, name, args)})").fetchall()
            if failing[0][0]:
                what = f"{name}({column})" if column else name
                problems.append(f"{model.name}: data test {what} {args or ''} fails on {failing[0][0]} row(s)")
        if model.data_tests and not con.sql(f"SELECT count(*) FROM {model.name}").fetchall()[0][0]:
            problems.append(f"{model.name}: no rows")
    return problems


def audit(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Problems that must stop the publication (a failing data test: empty, NULL or duplicate keys; undefined codes
    or ids; a critical violation of an invariant)."""
    problems = []
    found = violations(con)
    critical = found[found["severity"] == "critical"]
    for (table, rule), rows in critical.groupby(["table_name", "rule"], sort=True):
        sample = "; ".join(rows["detail"].head(3))
        problems.append(f"{table}: {len(rows)} critical violation(s) of rule {rule} (e.g. {sample})")
    problems += data_test_failures(con, runner.discover())
    levels = ", ".join(f"'{lv}'" for lv in LEVELS)
    bad_levels = con.sql(f"SELECT DISTINCT level FROM indicator_values WHERE level NOT IN ({levels})").fetchall()
    if bad_levels:
        problems.append(f"indicator_values: unknown level(s) {[r[0] for r in bad_levels]}")
    orphans = con.sql(
        "SELECT count(*) FROM (SELECT DISTINCT level, code, geo_year FROM indicator_values) "
        "ANTI JOIN territories USING (level, code, geo_year)"
    ).fetchall()[0][0]
    if orphans:
        problems.append(f"indicator_values: {orphans} territory code(s) missing from territories")
    ids = {r[0] for r in con.sql("SELECT DISTINCT indicator_id FROM indicator_values").fetchall()}
    if undefined := ids - set(load_catalogue()):
        problems.append(f"indicator_values: indicator id(s) not in the catalogue: {sorted(undefined)}")
    vocabulary = set(runner.flag_vocabulary())
    used = {r[0] for r in con.sql(
        "SELECT DISTINCT trim(unnest(string_split(flags, ','))) FROM indicator_values WHERE flags IS NOT NULL"
    ).fetchall()}
    if unknown := used - vocabulary:
        problems.append(f"indicator_values: flag(s) not in transforms/flags.yml: {sorted(unknown)}")
    return problems


def _literal(text: str) -> str:
    """COMMENT ON takes no bound parameters: quote the text as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def documentation(models: dict[str, runner.Model]) -> dict[str, tuple[str, dict[str, str]]]:
    """Table → (what a row is, column → meaning) for every table the build may publish: the models' headers, then
    warehouse/tables.yml for the tables created outside the models; a shared column takes the glossary's text
    (warehouse/columns.yml) only where its table names it. A name the glossary does not hold is an error."""
    glossary = yaml.safe_load(COLUMNS_PATH.read_text(encoding="utf-8"))
    tables = yaml.safe_load(TABLES_PATH.read_text(encoding="utf-8"))
    found = {}
    for name, model in models.items():
        found[name] = (model.description, model.shared_columns, model.columns, model.path.name)
    for name, entry in tables.items():
        found[name] = (entry["description"], entry.get("shared columns", []), entry.get("columns", {}), "tables.yml")
    out = {}
    for name, (text, shared, own, where) in found.items():
        if unknown := [c for c in shared if c not in glossary]:
            raise AuditError(f"{name} ({where}): shared column(s) {unknown} are not in warehouse/columns.yml")
        shared_text = {c: glossary[c].replace("{levels}", ", ".join(LEVELS)) for c in shared}
        out[name] = (text, {**shared_text, **own})
    return out


def document(con: duckdb.DuckDBPyConnection, models: dict[str, runner.Model]) -> None:
    """COMMENT ON every table, view and column; write the data dictionary and indicator catalogue tables."""
    described = documentation(models)
    catalogue = load_catalogue()
    cat = pd.DataFrame(
        [
            {
                "id": k,
                **{
                    f: (None if v.get(f) is None else str(v.get(f)))
                    for f in (
                        "label",
                        "definition",
                        "formula",
                        "unit",
                        "precision",
                        "source",
                        "convention",
                        "age_bounds",
                        "reference",
                    )
                },
            }
            for k, v in catalogue.items()
        ]
    )
    flags = runner.flag_vocabulary()
    con.execute("CREATE OR REPLACE TABLE flag_vocabulary (flag_id VARCHAR, label VARCHAR, meaning VARCHAR)")
    con.executemany(
        "INSERT INTO flag_vocabulary VALUES (?, ?, ?)",
        [(k, v["label"], " ".join(v["meaning"].split())) for k, v in sorted(flags.items())],
    )
    con.register("_cat", cat)
    con.execute("CREATE OR REPLACE TABLE indicator_catalogue AS SELECT * FROM _cat ORDER BY id")
    con.unregister("_cat")
    con.execute(
        "CREATE OR REPLACE TABLE data_dictionary (table_name VARCHAR, column_name VARCHAR, "
        "data_type VARCHAR, description VARCHAR, kind VARCHAR)"
    )
    objects = con.sql(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_catalog = current_database()"
    ).fetchall()
    missing = []
    for table, table_type in objects:
        kind = "VIEW" if table_type == "VIEW" else "TABLE"
        text, columns = described.get(table, (None, {}))
        if not text:
            missing.append(f"table {table}")
            continue
        con.execute(f"COMMENT ON {kind} {table} IS {_literal(text)}")
        for column, dtype in con.sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_name = '{table}' AND table_catalog = current_database() ORDER BY ordinal_position"
        ).fetchall():
            text = columns.get(column)
            if text is None:
                missing.append(f"column {table}.{column}")
                continue
            con.execute(f'COMMENT ON COLUMN {table}."{column}" IS {_literal(text)}')
            row = [table, column, dtype, text, kind.lower()]
            con.execute("INSERT INTO data_dictionary VALUES (?, ?, ?, ?, ?)", row)
    if missing:
        raise AuditError(
            "undocumented objects (document a column in the YAML of the model that publishes it, "
            f"transforms/sql/<folder>/<model>.yml, or warehouse/tables.yml for a table made outside the models): "
            f"{missing}"
        )


def build(
    final_path: Path,
    validated_dir: Path,
    sources: pd.DataFrame,
    log=print,
    code_lists: dict[str, pd.DataFrame] | None = None,
    incremental: bool = False,
) -> BuildResult:
    """Create every model of the warehouse in `<final_path>.tmp` and audit it; nothing published yet.

    `incremental`: start from a copy of the published warehouse and rebuild only the models whose inputs changed
    (transforms/runner.py `fingerprints`); the others are carried over untouched. Without a published warehouse,
    or a manifest in it, every model is built.

    The stages after the build (cross-source checks, the reproduction of the diagnostic) open the built file
    themselves (`open_built`) and may add tables; `finish` documents every table and publishes.
    """
    started = time.perf_counter()
    tmp = built_path(final_path)
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    spill = spill_dir(final_path)
    spill.mkdir(parents=True, exist_ok=True)
    release_memory()
    incremental = incremental and final_path.exists()
    if incremental:  # the copy keeps the published file's storage version (v1.4.0)
        shutil.copyfile(final_path, tmp)
    con = connect(tmp, memory_limit=memory_limit(), storage_version=STORAGE_VERSION)
    con.execute(f"SET temp_directory = {_literal(spill.as_posix())}")
    try:
        runner.load_config(con, sources, code_lists)
        records = runner.run(con, validated_dir, log=log, incremental=incremental)
        if problems := audit(con):
            found = violations(con)
            critical = found[found["severity"] == "critical"].astype(object).where(lambda f: f.notna(), None)
            raise AuditError("audit failed: " + "; ".join(problems), critical.to_dict("records"))
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if not os.environ.get(TEMP_DIR_ENV):  # our own folder: DuckDB deletes its files on close, we the folder
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
    con.close()
    return BuildResult(tmp, records, time.perf_counter() - started)


def built_path(final_path: Path) -> Path:
    """Where a build writes before it is published (`<warehouse>.tmp`)."""
    return final_path.with_name(final_path.name + ".tmp")


def open_built(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a built, not yet published warehouse: for the stages that add tables to it."""
    if not tmp_path.exists():
        raise FileNotFoundError(f"no built warehouse at {tmp_path}: the build did not run or was discarded")
    return connect(tmp_path, memory_limit=memory_limit())


def finish(tmp_path: Path, final_path: Path) -> None:
    """Document every table of the built warehouse (COMMENT ON, data dictionary, catalogue), then publish it."""
    con = open_built(tmp_path)
    try:
        con.execute("BEGIN TRANSACTION")  # one commit for the hundreds of COMMENT ON (3.9 s → 0.7 s)
        document(con, runner.discover())
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp_path.unlink(missing_ok=True)
        raise
    con.close()
    publish(tmp_path, final_path)


def discard(tmp_path: Path) -> None:
    """A built warehouse a later stage refused: removed, the published one untouched."""
    for path in (tmp_path, tmp_path.with_name(tmp_path.name + ".wal")):
        path.unlink(missing_ok=True)


def release_memory() -> None:
    """Give back to the system what parsing and validation freed but the allocators keep (Arrow's mimalloc pool,
    glibc's heap: ≈ 110 MB after a France-wide validation), so that DuckDB's limit is memory actually free."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def memory_limit() -> str:
    """The build's DuckDB memory limit: OBSERVATOIRE_DUCKDB_MEMORY (DuckDB syntax: 700MB, 2GB…), default 700MB."""
    value = os.environ.get(MEMORY_LIMIT_ENV, MEMORY_LIMIT_DEFAULT).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value, flags=re.I):
        raise ValueError(f"{MEMORY_LIMIT_ENV}={value!r}: expected a size such as 1GB or 1500MB")
    return value


def spill_dir(final_path: Path) -> Path:
    return Path(os.environ.get(TEMP_DIR_ENV) or final_path.parent / ".duckdb_spill")


def publish(tmp: Path, final_path: Path) -> None:
    """Atomic swap: readers never see a half-written warehouse."""
    os.replace(tmp, final_path)
