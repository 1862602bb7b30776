"""Run the SQL models in dependency order. One file = one table (or view) named after the file.

A model's leading comment says what one row is and which models it reads (`Reads: a, b`, for the reader). The
runner takes the dependencies from the SQL itself (DuckDB's parser: every table a query reads, CTE names aside)
and the materialisation from the header key `Materialized: table | view | temp | ephemeral` (default table;
temp = a table kept during the build, not published; ephemeral = a temporary view, not published: for a result read
by one model only, computed inside the query that reads it instead of being stored, which saves its memory).
`{validated}` in a model is the folder of the validated source files (Parquet).

Indicator models declare themselves (header key `Indicator model: yes`); the model whose header says
`Union of: indicator models` (indicator_values) has no SELECT of its own: the runner writes it, the union of every
indicator model by name order, so a new `int_indicators_<x>.sql` with the key is published with no other edit.
Column documentation lives in the header of the model that publishes the column (`Column <name>: <text>`), or in
the shared glossary warehouse/columns.yml for the few columns that mean the same everywhere, named explicitly
(`Shared columns: code, level, …`).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pandas as pd
import yaml

SQL_DIR = Path(__file__).parent / "sql"
CONFIG_PATH = Path(__file__).parent / "config.yml"
CONFIG_TABLES = (
    "cfg_groupings",
    "cfg_grouping_members",
    "cfg_variation_periods",
    "cfg_sources",
    "cfg_age_plausibility",
    "cfg_census_count_plausibility",
    "cfg_mortality",
    "cfg_emd",
    "cfg_emd_codes",
)  # the tables load_config creates (a test checks the two agree)


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path
    header: str
    sql: str

    @property
    def materialized(self) -> str:
        match = re.search(r"Materialized:\s*(\w+)", self.header)
        kind = match.group(1) if match else "table"
        if kind not in MATERIALIZATIONS:
            raise ValueError(
                f"model {self.name} ({self.path.name}): Materialized: {kind} is not one of {MATERIALIZATIONS}"
            )
        return kind

    @property
    def is_view(self) -> bool:
        return self.materialized == "view"

    @property
    def is_transient(self) -> bool:
        """Intermediate results not published (TEMP table or view): their content is published in other tables."""
        return self.materialized in ("temp", "ephemeral")

    @property
    def columns(self) -> dict[str, str]:
        """Column descriptions the header gives (`Column <name>: <text>`): what the column means in this table."""
        return dict(re.findall(r"^Column (\w+): (.+)$", self.header, flags=re.M))

    @property
    def shared_columns(self) -> list[str]:
        """Columns the header documents by the shared glossary (`Shared columns: a, b`): same meaning everywhere."""
        match = re.search(r"^Shared columns:(.*)$", self.header, flags=re.M)
        return _names(match.group(1)) if match else []

    @property
    def export_key(self) -> list[str] | None:
        """Columns an exported table is sorted on (`Export key: a, b`): the key marks the model as exported in the
        annual snapshots (reports/export.py); None for a model that is not exported."""
        match = re.search(r"^Export key:(.*)$", self.header, flags=re.M)
        return _names(match.group(1)) if match else None

    @property
    def is_indicator_model(self) -> bool:
        """Declares itself one of the models whose rows make indicator_values (`Indicator model: yes`)."""
        return re.search(r"^Indicator model:\s*yes\b", self.header, flags=re.M) is not None

    @property
    def is_indicator_union(self) -> bool:
        """The model the runner writes as the union of every indicator model (`Union of: indicator models`)."""
        return re.search(r"^Union of:\s*indicator models\b", self.header, flags=re.M) is not None

    @property
    def reads(self) -> set[str]:
        """Tables the SQL reads (not its CTEs), from DuckDB's parse tree; files read by table functions aside."""
        return tables_read(self.sql, self.name)

    @property
    def sources(self) -> set[str]:
        """Validated source files the SQL reads (`read_parquet('{validated}/<source>.parquet')`)."""
        return set(re.findall(r"\{validated\}/(\w+)\.parquet", self.sql))

    @property
    def description(self) -> str:
        """First sentence of the header: what one row is."""
        first = re.split(r"Reads:|\n(?:Column \w+|Shared columns|Indicator model|Union of|Export key):", self.header)[0]
        return first.replace("\n", " ").strip()


MATERIALIZATIONS = ("table", "view", "temp", "ephemeral")


def _names(listed: str) -> list[str]:
    """Names of a header key's comma-separated list; a parenthesis after it is a comment."""
    return re.findall(r"\w+", listed.split("(")[0])


def tables_read(sql: str, name: str = "query") -> set[str]:
    """Every base table a SELECT reads, minus the names of its own CTEs (at any depth)."""
    parsed = json.loads(duckdb.sql("SELECT json_serialize_sql(?)", params=[sql]).fetchall()[0][0])
    if parsed.get("error"):
        raise ValueError(f"model {name}: {parsed.get('error_message')}")
    tables, ctes = set(), set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("table_name"):
                tables.add(node["table_name"])
            for entry in (node.get("cte_map") or {}).get("map", []):
                ctes.add(entry["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(parsed["statements"])
    return tables - ctes


def discover(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    models = {}
    for path in sorted(sql_dir.glob("*/*.sql")):
        text = path.read_text(encoding="utf-8")
        header_lines = []
        for line in text.splitlines():
            if not line.startswith("--"):
                break
            header_lines.append(line[2:].strip())
        models[path.stem] = Model(path.stem, path.parent.name, path, "\n".join(header_lines), text)
    unions = [m for m in models.values() if m.is_indicator_union]
    if len(unions) > 1:
        raise ValueError(f"more than one model says `Union of: indicator models`: {[m.path.name for m in unions]}")
    for union in unions:
        models[union.name] = replace(union, sql=union_sql(union, models))
    return models


def union_sql(union: Model, models: dict[str, Model]) -> str:
    """The SQL of the union model: its header, then every indicator model's rows (UNION ALL BY NAME, by model name:
    deterministic; row order is not part of a table's content)."""
    parts = sorted(m.name for m in models.values() if m.is_indicator_model)
    if not parts:
        raise ValueError(f"model {union.name} ({union.path.name}): no model says `Indicator model: yes`")
    if any(line.strip() and not line.startswith("--") for line in union.sql.splitlines()):
        raise ValueError(f"model {union.name} ({union.path.name}): the runner writes its SELECT; keep only the header")
    select = "\nUNION ALL BY NAME ".join(f"SELECT * FROM {name}" for name in parts)
    return f"{union.sql.rstrip()}\n{select}\n"


def dependencies(model: Model, known: set[str]) -> set[str]:
    """Models and configuration tables the model's SQL reads; any other table is an error (a typo, a missing
    model), named with the model's file."""
    reads = model.reads - {model.name}
    if unknown := reads - known:
        raise ValueError(f"model {model.name} ({model.path.name}) reads unknown table(s) {sorted(unknown)}")
    return reads


def order(models: dict[str, Model]) -> list[Model]:
    known = set(models) | set(CONFIG_TABLES)
    graph = {m.name: dependencies(m, known) - set(CONFIG_TABLES) for m in models.values()}
    return [models[name] for name in TopologicalSorter(graph).static_order()]


def load_config(con: duckdb.DuckDBPyConnection, sources: pd.DataFrame, config_path: Path = CONFIG_PATH) -> None:
    """Configuration → cfg_* tables the models join to. `sources`: source_id, sha256, … of the validated files."""
    cfg = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    groupings = pd.DataFrame(
        [
            {"grouping_code": k, "label": g["label"], "member_level": g["member_level"]}
            for k, g in cfg["groupings"].items()
        ]
    )
    members = pd.DataFrame(
        [
            {"grouping_code": k, "member_level": g["member_level"], "member_code": str(c)}
            for k, g in cfg["groupings"].items()
            for c in g["members"]
        ]
    )
    periods = pd.DataFrame(cfg["variation_periods"], columns=["from_census", "to_census"])
    plausibility = pd.DataFrame(
        [{"age_group": k, "min_share": v[0], "max_share": v[1]} for k, v in cfg["age_plausibility"].items()]
    )
    census_plausibility = pd.DataFrame(
        [{"count_id": k, "min_share": v[0], "max_share": v[1]} for k, v in cfg["census_count_plausibility"].items()]
    )
    for name, frame in (
        ("cfg_groupings", groupings),
        ("cfg_grouping_members", members),
        ("cfg_variation_periods", periods),
        ("cfg_age_plausibility", plausibility),
        ("cfg_census_count_plausibility", census_plausibility),
        ("cfg_mortality", pd.DataFrame([cfg["mortality"]])),
        ("cfg_emd", pd.DataFrame([cfg["emd"]])),
        ("cfg_emd_codes", _emd_codes()),
        ("cfg_sources", sources),
    ):
        con.register("_frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")


def _emd_codes() -> pd.DataFrame:
    """The survey code dictionary (sources/emd_codes.yml) resolved per standard: standard, kind, code, group."""
    from sources.emd.codes import code_table

    return code_table()


def run_model(con: duckdb.DuckDBPyConnection, model: Model, validated_dir: Path | None = None) -> int | None:
    """Create one model's table or view; return the row count of a table (None for a view, ephemeral or not:
    counting it would compute it once more than its readers do; mart_demographie and mart_population cost 2.4 s)."""
    body = model.sql.replace("{validated}", (validated_dir or Path(".")).as_posix())
    kind = "VIEW" if model.materialized in ("view", "ephemeral") else "TABLE"
    temp = "TEMP " if model.is_transient else ""
    try:
        con.execute(f"CREATE OR REPLACE {temp}{kind} {model.name} AS\n{body}")
    except duckdb.Error as exc:
        raise RuntimeError(f"model {model.name} ({model.path.name}) failed: {exc}") from exc
    if kind == "VIEW":
        return None
    return con.sql(f"SELECT count(*) FROM {model.name}").fetchall()[0][0]


def _rss_mb() -> float | None:
    """Resident memory of this process now (Linux /proc), for the per-model record; None elsewhere."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20
    except (OSError, IndexError, ValueError):
        return None


def _duckdb_mb(con: duckdb.DuckDBPyConnection) -> float:
    """Memory DuckDB's buffer manager holds now (tables, temp tables, caches), all tags together."""
    return con.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] / 2**20


def run(con: duckdb.DuckDBPyConnection, validated_dir: Path, log=print) -> list[dict]:
    """Create every model in dependency order; return one record per model (name, layer, rows, seconds, and the
    memory after it: DuckDB's buffers and the process's resident set, in MB)."""
    from transforms.methods.standardisation import register_udfs

    register_udfs(con)  # interval functions the health models call
    done = []
    for model in order(discover()):
        started = time.perf_counter()
        rows = run_model(con, model, validated_dir)
        rss = _rss_mb()
        record = {
            "model": model.name,
            "layer": model.layer,
            "kind": model.materialized,
            "rows": rows,
            "seconds": round(time.perf_counter() - started, 3),
            "duckdb_mb": round(_duckdb_mb(con)),
            "rss_mb": None if rss is None else round(rss),
        }
        shown = model.materialized if rows is None else f"{rows:,} rows"
        log(f"  {model.layer:<12} {model.name:<36} {shown:>15}  {record['seconds']:.2f}s")
        done.append(record)
    return done
