"""Run the SQL models in dependency order. One file = one table (or view) named after the file.

The models follow dbt's project shape, so that a reader who knows dbt finds everything where dbt puts it (the
decision to keep this runner rather than dbt itself, with its measurements: docs/decisions/0001-transform-layer.md):
- `transforms/sql/<folder>/<model>.sql`: the SELECT only. Dependencies come from the SQL itself (DuckDB's parser:
  every table a query reads, CTE names aside), as dbt's `ref()` gives them; `{validated}` is the folder of the
  validated source files (Parquet), dbt's `source()`.
- `transforms/sql/<folder>/<model>.yml`: dbt's model properties (`version: 2`, `models: [{name, description,
  config: {materialized, meta}, columns: [{name, description, data_tests}], data_tests}]`); a column whose
  description is `{{ doc('<name>') }}` takes the shared glossary's text (warehouse/columns.yml), dbt's doc blocks.
- `transforms/project.yml`: dbt_project.yml's `models:` block: the materialization of each folder
  (`+materialized`), which a model's `config.materialized` overrides. Materializations: table, view, temp (a table
  kept during the build, not published), ephemeral (a temporary view, not published: for a result read by one model
  only, computed inside the query that reads it), incremental (dbt's delete+insert on `config.unique_key:
  indicator_id`: an incremental build recomputes only the rows of the indicators whose model changed).
- Marts that pivot indicator_values into one column per indicator write `{{ indicator_columns('v') }}`,
  `{{ indicator_ids() }}` and `{{ row_flags('v') }}` (`pivot_sql`): the columns come from the column `meta.indicator`
  of the model's YAML, so the mapping column → indicator is written once.
- Indicator models are named `int_indicators_<x>`; the model whose SQL is `{{ union_indicator_models() }}`
  (indicator_values) is their union, which the runner writes: a new `int_indicators_<x>.sql` is published with no
  other edit.
- An incremental build (dbt's `state:modified+`) starts from the published warehouse and rebuilds only the models
  whose fingerprint changed (`Fingerprints`: SQL, sources, configuration, upstream models); the fingerprints of
  the last build are kept in the table build_manifest.
- Data tests (dbt's generic tests not_null, unique, accepted_values, relationships, and dbt_utils'
  unique_combination_of_columns) are declared beside the model and run by the build's audit (`data_test_sql`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pandas as pd
import yaml

SQL_DIR = Path(__file__).parent / "sql"
PROJECT_PATH = Path(__file__).parent / "project.yml"
CONFIG_PATH = Path(__file__).parent / "config.yml"
CATALOGUE_PATH = Path(__file__).parent / "indicators.yml"
FLAGS_PATH = Path(__file__).parent / "flags.yml"  # the vocabulary of `flags` (published as flag_vocabulary)
UNION_MACRO = "{{ union_indicator_models() }}"
MODEL_COLUMN = "_indicator_model"
UNION_NAME = "indicator_values"  # the union model's name (an incremental model reads its replaced rows only)
KEY = "indicator_id || '|' || coalesce(source_id, '')"  # which model a row of the union comes from
INDICATOR_PREFIX = "int_indicators_"
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
# Code lists that arrive as data from the producers' modules (through the build's caller); empty until given.
CODE_LISTS = {
    "cfg_emd_codes": pd.DataFrame({"standard": [], "kind": [], "code": [], "code_group": []}, dtype="str"),
}
MATERIALIZATIONS = ("table", "view", "temp", "ephemeral", "incremental")
DOC = re.compile(r"^\{\{\s*doc\('(\w+)'\)\s*\}\}$")
PIVOT_COLUMNS = re.compile(r"\{\{\s*indicator_columns\('(\w+)'\)\s*\}\}")
PIVOT_IDS = re.compile(r"\{\{\s*indicator_ids\(\)\s*\}\}")
ROW_FLAGS = re.compile(r"\{\{\s*row_flags\('(\w+)'\)\s*\}\}")
RELIABILITY = re.compile(r"\{\{\s*insee_reliability\('(.+?)'\)\s*\}\}")
# INSEE's guidance on a weighted census count: below 200 low reliability, below 500 to use with caution
LOW_RELIABILITY_BELOW, CAUTION_BELOW = 200, 500


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path
    sql: str
    properties: dict = field(default_factory=dict)  # the model's entry of its YAML (dbt's model properties)
    folder_materialized: str = "table"
    expanded: bool = False  # the union model, its macro replaced by the union's SQL

    @property
    def materialized(self) -> str:
        kind = (self.properties.get("config") or {}).get("materialized", self.folder_materialized)
        if kind not in MATERIALIZATIONS:
            raise ValueError(
                f"model {self.name} ({self.path.name}): materialized {kind} is not one of {MATERIALIZATIONS}"
            )
        return kind

    @property
    def unique_key(self) -> str | None:
        """dbt's incremental materialization (strategy delete+insert): the column by which an incremental build
        replaces the rows of what changed. Only `indicator_id` is supported: the rows of the indicators whose
        model changed are deleted and computed again, the others carried over."""
        key = (self.properties.get("config") or {}).get("unique_key")
        if self.materialized == "incremental" and key != "indicator_id":
            raise ValueError(f"model {self.name}: an incremental model needs config.unique_key: indicator_id")
        return key

    @property
    def is_view(self) -> bool:
        return self.materialized == "view"

    @property
    def is_transient(self) -> bool:
        """Intermediate results not published (TEMP table or view): their content is published in other tables."""
        return self.materialized in ("temp", "ephemeral")

    @property
    def description(self) -> str:
        return " ".join(str(self.properties.get("description") or "").split())

    @property
    def column_entries(self) -> list[dict]:
        return list(self.properties.get("columns") or [])

    @property
    def columns(self) -> dict[str, str]:
        """Column descriptions of this table's own (not the shared glossary's)."""
        return {
            c["name"]: " ".join(str(c["description"]).split())
            for c in self.column_entries
            if c.get("description") and not DOC.match(str(c["description"]).strip())
        }

    @property
    def shared_columns(self) -> list[str]:
        """Columns documented by the shared glossary (`{{ doc('<name>') }}`): same meaning everywhere."""
        return [
            m.group(1) for c in self.column_entries if (m := DOC.match(str(c.get("description") or "").strip()))
        ]

    @property
    def shown_indicators(self) -> set[str]:
        """The catalogue indicators its columns show (`meta.indicator`; a trailing `*` names a family)."""
        return {str((c.get("meta") or {}).get("indicator", "")) for c in self.column_entries} - {""}

    @property
    def export_key(self) -> list[str] | None:
        """Columns an exported table is sorted on (`config.meta.export_key`): the key marks the model as exported in
        the annual snapshots (reports/export.py); None for a model that is not exported."""
        key = ((self.properties.get("config") or {}).get("meta") or {}).get("export_key")
        return list(key) if key else None

    @property
    def is_indicator_model(self) -> bool:
        """One of the models whose rows make indicator_values (named int_indicators_<x>)."""
        return self.name.startswith(INDICATOR_PREFIX)

    @property
    def is_indicator_union(self) -> bool:
        """The model that is `{{ union_indicator_models() }}` (its SQL is written by discover)."""
        return self.expanded or UNION_MACRO in self.sql

    @property
    def data_tests(self) -> list[tuple[str | None, str, dict]]:
        """(column or None for the model, test name, arguments) of every data test declared beside the model."""
        found = []
        for column in self.column_entries:
            for test in column.get("data_tests") or []:
                name, args = _test(test)
                found.append((column["name"], name, args))
        for test in self.properties.get("data_tests") or []:
            name, args = _test(test)
            found.append((None, name, args))
        return found

    @cached_property
    def reads(self) -> set[str]:
        """Tables the SQL reads (not its CTEs), from DuckDB's parse tree; files read by table functions aside."""
        return tables_read(self.sql, self.name)

    @property
    def sources(self) -> set[str]:
        """Validated source files the SQL reads (`read_parquet('{validated}/<source>.parquet')`), and the sources
        whose partition results it reads (`read_parquet('{partitions:<source>}')`)."""
        return set(re.findall(r"\{validated\}/(\w+)\.parquet", self.sql)) | set(PARTITIONS.findall(self.sql))


def _test(test: str | dict) -> tuple[str, dict]:
    if isinstance(test, str):
        return test, {}
    (name, args), = test.items()
    return name, dict((args or {}).get("arguments", args) or {})


def data_test_sql(model: Model, column: str | None, name: str, args: dict) -> str:
    """The failing rows of one data test, as dbt's generic tests define them (a query whose count must be 0)."""
    table = model.name
    if name == "not_null":
        return f'SELECT * FROM {table} WHERE "{column}" IS NULL'
    if name == "unique":
        return f'SELECT "{column}" FROM {table} WHERE "{column}" IS NOT NULL GROUP BY 1 HAVING count(*) > 1'
    if name == "accepted_values":
        values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in args["values"])
        return f'SELECT * FROM {table} WHERE "{column}" IS NOT NULL AND "{column}" NOT IN ({values})'
    if name == "relationships":
        target = re.sub(r"^ref\('(\w+)'\)$", r"\1", str(args["to"]))
        return (f'SELECT * FROM {table} WHERE "{column}" IS NOT NULL AND "{column}" NOT IN '
                f'(SELECT "{args["field"]}" FROM {target})')
    if name in ("unique_combination_of_columns", "dbt_utils.unique_combination_of_columns"):
        key = ", ".join(f'"{c}"' for c in args["combination_of_columns"])
        # distinct 64-bit hashes first (11 M keys of indicator_values: 8 bytes each, no spill); equal keys have equal
        # hashes, so a duplicate is never missed; a collision alone would be reported, never hidden
        return f"SELECT hash({key}) AS h FROM {table} GROUP BY h HAVING count(*) > 1"
    raise ValueError(f"model {table}: unknown data test {name!r}")


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


@cache
def flag_vocabulary() -> dict[str, dict[str, str]]:
    """Flag id → {label (the reader's word, French), meaning}, from transforms/flags.yml."""
    return yaml.safe_load(FLAGS_PATH.read_text(encoding="utf-8"))


@cache
def folder_materializations(project_path: Path = PROJECT_PATH) -> dict[str, str]:
    """Folder → materialization, from transforms/project.yml (dbt_project.yml's `models:` block)."""
    project = yaml.safe_load(project_path.read_text(encoding="utf-8"))
    (folders,) = project["models"].values()
    return {folder: entry["+materialized"] for folder, entry in folders.items()}


def _properties(path: Path) -> dict:
    """The model's entry of the YAML beside it (`<model>.yml`, dbt's `version: 2` model properties)."""
    yml = path.with_suffix(".yml")
    if not yml.exists():
        return {}
    entries = (yaml.safe_load(yml.read_text(encoding="utf-8")) or {}).get("models") or []
    found = [e for e in entries if e.get("name") == path.stem]
    if len(found) != 1:
        raise ValueError(f"{yml}: expected one entry `- name: {path.stem}` under `models:`")
    return found[0]


def discover(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    beside = sql_dir.parent / "project.yml"
    folders = folder_materializations(beside if beside.exists() else PROJECT_PATH)
    models = {}
    for path in sorted(sql_dir.glob("*/*.sql")):
        if path.parent.name not in folders:
            raise ValueError(f"{path}: folder {path.parent.name} has no materialization in transforms/project.yml")
        properties = _properties(path)
        text = reliability_sql(pivot_sql(path.read_text(encoding="utf-8"), properties, path.name))
        models[path.stem] = Model(path.stem, path.parent.name, path, text, properties, folders[path.parent.name])
    unions = [m for m in models.values() if m.is_indicator_union]
    if len(unions) > 1:
        raise ValueError(f"more than one model is {UNION_MACRO}: {[m.path.name for m in unions]}")
    for union in unions:
        models[union.name] = replace(union, sql=union_sql(union, models), expanded=True)
    return models


def pivot_sql(sql: str, properties: dict, where: str) -> str:
    """The pivot macros of a mart over indicator_values (dbt_utils.pivot's role), from its YAML:
    `{{ indicator_columns('v') }}`: one `any_value(v.value) FILTER (v.indicator_id = '<id>') AS <column>` per column
    with `meta.indicator` that the SQL does not write itself (`AS <column>` in the text: a numerator, say), in the
    YAML's order; `{{ indicator_ids() }}`: those ids quoted, for the WHERE clause; `{{ row_flags('v') }}`: the union
    of the flags of the rows a pivoted row shows (sorted ids, comma-separated, NULL when none)."""
    if not (match := PIVOT_COLUMNS.search(sql)):
        if PIVOT_IDS.search(sql):
            raise ValueError(f"{where}: indicator_ids() without indicator_columns()")
        return ROW_FLAGS.sub(lambda m: _row_flags(m.group(1)), sql)
    alias = match.group(1)
    pivoted = [
        (c["name"], str(c["meta"]["indicator"])) for c in properties.get("columns") or []
        if "indicator" in (c.get("meta") or {})
        and not re.search(rf"\bAS {re.escape(c['name'])}\b", sql, re.IGNORECASE)
    ]
    if not pivoted or any(indicator.endswith("*") for _, indicator in pivoted):
        raise ValueError(f"{where}: indicator_columns() needs columns with meta.indicator naming one indicator each")
    columns = ",\n       ".join(
        f"any_value({alias}.value) FILTER ({alias}.indicator_id = '{indicator}') AS {name}"
        for name, indicator in pivoted
    )
    ids = ", ".join(f"'{indicator}'" for indicator in dict.fromkeys(i for _, i in pivoted))
    sql = PIVOT_COLUMNS.sub(lambda _: columns, sql)
    return ROW_FLAGS.sub(lambda m: _row_flags(m.group(1)), PIVOT_IDS.sub(lambda _: ids, sql))


def reliability_sql(sql: str) -> str:
    """`{{ insee_reliability('<count>') }}`: the reliability flag of a weighted census count (INSEE's thresholds,
    written once), NULL when reliable."""
    return RELIABILITY.sub(lambda m: (
        f"CASE WHEN {m.group(1)} < {LOW_RELIABILITY_BELOW} THEN 'low_reliability' "
        f"WHEN {m.group(1)} < {CAUTION_BELOW} THEN 'use_with_caution' END"), sql)


def _row_flags(alias: str) -> str:
    return (f"nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split({alias}.flags, ','))))), ','), "
            "'')")


def union_sql(union: Model, models: dict[str, Model]) -> str:
    """The SQL of the union model: every indicator model's rows (UNION ALL BY NAME, by model name: deterministic;
    row order is not part of a table's content)."""
    parts = sorted(m.name for m in models.values() if m.is_indicator_model)
    if not parts:
        raise ValueError(f"model {union.name} ({union.path.name}): no indicator model ({INDICATOR_PREFIX}<x>)")
    # each row says which model made it (dropped once the build has recorded each model's ids: _union_ids)
    select = "\nUNION ALL BY NAME ".join(f"SELECT *, '{name}' AS {MODEL_COLUMN} FROM {name}" for name in parts)
    return union.sql.replace(UNION_MACRO, select)


def column_indicators(models: dict[str, Model]) -> dict[str, str | int]:
    """Published column → the catalogue indicator it shows (`meta.indicator`, a trailing `*` for a family of ids),
    or its own number of decimals (`meta.precision`) for a number that is no indicator: the one place that maps
    marts to the catalogue (exports round with it, the publication labels with it)."""
    found: dict[str, str | int] = {}
    for model in models.values():
        for column in model.column_entries:
            meta = column.get("meta") or {}
            if "indicator" in meta:
                found[column["name"]] = str(meta["indicator"])
            elif "precision" in meta:
                found[column["name"]] = int(meta["precision"])
    return found


def shows(patterns: set[str] | tuple[str, ...], indicator_id: str) -> bool:
    """Whether an indicator id is one of `meta.indicator` patterns (an id, or a family `prefix*`)."""
    return any(indicator_id == p or (p.endswith("*") and indicator_id.startswith(p[:-1])) for p in patterns)


def themes(models: dict[str, Model]) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Theme → (its marts, the sources proper to it, the diagnostic's tables), from the marts' `config.meta.theme`
    and `diagnostic_tables`. A theme's sources: those of the catalogue indicators its marts' columns show
    (`meta.indicator` → the catalogue's `source`), and those the marts read other than through indicator_values
    (lineage), minus the geography every mart reads (the sources of territories and geo_commune)."""
    found: dict[str, tuple[list[str], list[str], list[str]]] = {}
    catalogue = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    geography = upstream_sources(models, "territories") | upstream_sources(models, "geo_commune")
    for name, model in sorted(models.items()):
        meta = (model.properties.get("config") or {}).get("meta") or {}
        if "theme" not in meta:
            continue
        marts, sources, tables = found.setdefault(meta["theme"], ([], [], []))
        marts.append(name)
        of_indicators = {
            source.strip() for key, entry in catalogue.items()
            if entry.get("source") and shows(model.shown_indicators, key)
            for source in str(entry["source"]).split(",")
        }
        direct = upstream_sources(models, name, stop={"indicator_values"})
        sources += sorted((of_indicators | direct) - geography - set(sources))
        tables += [t for t in meta.get("diagnostic_tables", []) if t not in tables]
    return found


def upstream_sources(models: dict[str, Model], name: str, stop: set[str] | None = None) -> set[str]:
    """The validated sources a model reads, directly or through the models it reads (not through `stop`)."""
    seen, todo, found = set(stop or ()), [name], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in models:
            continue
        seen.add(current)
        found |= models[current].sources
        todo += list(models[current].reads)
    return found


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


def load_config(
    con: duckdb.DuckDBPyConnection,
    sources: pd.DataFrame,
    code_lists: dict[str, pd.DataFrame] | None = None,
    config_path: Path = CONFIG_PATH,
) -> None:
    """Configuration → cfg_* tables the models join to. `sources`: source_id, sha256, … of the validated files;
    `code_lists`: the producers' code tables, as data (today `cfg_emd_codes`: standard, kind, code, group — the
    survey code dictionary, sources/emd_codes.yml), given by the caller: transforms never import a producer."""
    code_lists = code_lists or {}
    if unknown := set(code_lists) - set(CODE_LISTS):
        raise ValueError(f"unknown code list(s) {sorted(unknown)}; known: {CODE_LISTS}")
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
        *((name, code_lists.get(name, CODE_LISTS[name])) for name in CODE_LISTS),
        ("cfg_sources", sources),
    ):
        con.register("_frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")


PARTITIONS = re.compile(r"\{partitions:(\w+)\}")
PARTITIONS_CALL = re.compile(r"read_parquet\('\{partitions:(\w+)\}'(?:, *filename *= *true)?\)")


def _partition_files(validated_dir: Path, source_id: str) -> list[str]:
    """The partition results a partitioned source's validated summary lists (column `partition_file`): the
    census detail files are aggregated by département outside the store, the build reads the results."""
    path = validated_dir / f"{source_id}.parquet"
    if not path.exists():
        return []
    rows = duckdb.sql(f"SELECT DISTINCT partition_file FROM read_parquet('{path.as_posix()}') "
                      "WHERE partition_file IS NOT NULL ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _partitions(model: Model, body: str, validated_dir: Path) -> str:
    """`read_parquet('{partitions:<source>}', filename = true)` → the source's partition results, or, when it has
    none (not configured), the empty relation the model's YAML declares (`meta.partition_schema`)."""
    def expand(match: re.Match) -> str:
        files = _partition_files(validated_dir, match.group(1))
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            return f"read_parquet([{listed}], filename = true)"
        schema = ((model.properties.get("config") or {}).get("meta") or {}).get("partition_schema") or {}
        columns = ", ".join(f"NULL::{kind} AS {name}" for name, kind in {**schema, "filename": "VARCHAR"}.items())
        return f"(SELECT {columns} WHERE false)"

    return PARTITIONS_CALL.sub(expand, body)


def _body(model: Model, validated_dir: Path | None) -> str:
    body = model.sql.replace("{validated}", (validated_dir or Path(".")).as_posix())
    return _partitions(model, body, validated_dir or Path(".")) if "{partitions:" in body else body


def run_model(con: duckdb.DuckDBPyConnection, model: Model, validated_dir: Path | None = None) -> int | None:
    """Create one model's table or view; return the row count of a table (None for a view, ephemeral or not:
    counting it would compute it once more than its readers do; mart_demographie and mart_population cost 2.4 s)."""
    body = _body(model, validated_dir)
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


MANIFEST = "build_manifest"  # model → fingerprint of everything it was built from (the incremental build's memory)
# The code that turns models into tables: a change to it makes every fingerprint change (a full build).
RUNNER_FILES = (Path(__file__), *sorted((Path(__file__).parent / "methods").glob("*.py")), PROJECT_PATH)


def _digest(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode() + b"\0")
    return digest.hexdigest()


class Fingerprints:
    """Model → a hash of what its table is made of: its SQL and materialization, the content of the validated
    sources it reads (their Parquet's sha256), the configuration tables it joins (their rows; for cfg_sources only
    the rows of the sources its SQL names, or of the sources upstream of it when it names none), and its
    dependencies' fingerprints — so a changed source changes the fingerprints of the models downstream of it, and
    only those. A model reading
    indicator_values depends on the indicator models that publish the ids its SQL names (all of them when it names
    none): computed in build order, once those ids are known."""

    def __init__(self, con: duckdb.DuckDBPyConnection, models: dict[str, Model], salt: str = "") -> None:
        self.models, self.known = models, set(models) | set(CONFIG_TABLES)
        self.code = _digest(salt, *(p.read_bytes() for p in RUNNER_FILES))
        columns = {c for (c,) in con.sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'cfg_sources' AND table_catalog = current_database()"
        ).fetchall()}
        # the validated Parquet's own hash where known: a changed parser changes it for the same delivered files
        content = "coalesce(parquet_sha256, sha256)" if "parquet_sha256" in columns else "sha256"
        self.shas = dict(con.sql(f"SELECT source_id, {content} FROM cfg_sources").fetchall())
        self.config = {
            name: _digest(con.sql(f"SELECT * FROM {name} ORDER BY ALL").fetchall())
            for name in CONFIG_TABLES if name != "cfg_sources"
        }
        self.found: dict[str, str] = {}
        self.structure: dict[str, str] = {}  # the same without indicator_values: what an incremental model is

    def of(self, model: Model, indicator_ids: dict[str, list[str]]) -> str:
        reads = dependencies(model, self.known)
        named = {s for s in self.shas if f"'{s}'" in model.sql} if "cfg_sources" in reads else set()
        if "cfg_sources" in reads and not named:  # joined by the rows' own source_id: the sources upstream of it
            named = upstream_sources(self.models, model.name)
        sources: list = sorted((self.shas.get(s) for s in model.sources | named), key=str)
        upstream, of_union = [], []
        for dep in sorted(reads & set(self.found)):
            if not self.models[dep].is_indicator_union:
                upstream.append(self.found[dep])
            elif ids := _quoted(model.sql) & _all(indicator_ids):
                of_union += [self.found[m] for m, keys in sorted(indicator_ids.items()) if ids & _plain(keys)]
                of_union.append(sorted(ids))
            else:
                of_union.append(self.found[dep])
        configs = sorted(self.config[r] for r in reads if r in self.config)
        self.structure[model.name] = _digest(self.code, model.sql, model.materialized, sources, configs, upstream)
        self.found[model.name] = _digest(self.structure[model.name], of_union)
        return self.found[model.name]


def _quoted(sql: str) -> set[str]:
    return set(re.findall(r"'(\w+)'", sql))


def _plain(keys: list[str]) -> set[str]:
    """Indicator ids of row keys `indicator_id|source_id`."""
    return {k.split("|", 1)[0] for k in keys}


def _all(indicator_ids: dict[str, list[str]]) -> set[str]:
    return {i for keys in indicator_ids.values() for i in _plain(keys)}


def previous_manifest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, list[str]]]:
    """The manifest of the warehouse this build starts from (model → fingerprint, indicator ids, structure); {} if
    none (or one of an older shape: the build is then complete)."""
    columns = {c for (c,) in con.sql(
        f"SELECT column_name FROM information_schema.columns WHERE table_name = '{MANIFEST}' "
        "AND table_catalog = current_database()"
    ).fetchall()}
    if "indicator_keys" not in columns:
        return {}
    return {m: (f, list(keys or []), structure) for m, f, keys, structure in con.sql(
        f"SELECT model, fingerprint, indicator_keys, structure FROM {MANIFEST}").fetchall()}


def run(con: duckdb.DuckDBPyConnection, validated_dir: Path, log=print, incremental: bool = False,
        salt: str = "") -> list[dict]:
    """Create the models in dependency order; return one record per model (name, layer, rows, seconds, whether it
    was rebuilt, and the memory after it: DuckDB's buffers and the process's resident set, in MB).

    `incremental`: `con` is a copy of the published warehouse; a model whose fingerprint equals the one it was
    built with is carried over as it is (its table untouched), the others are rebuilt, and the transient models
    (temp, ephemeral) are made only when a rebuilt model reads them; indicator_values is updated by indicator
    model (the rows of a changed model deleted and inserted again), not recomputed."""
    # imported here: scipy (≈ 0.4 s) is needed by a build only, and a no-change night imports this module
    from transforms.methods.standardisation import register_udfs

    register_udfs(con)  # interval functions the health models call
    models = discover()
    prints = Fingerprints(con, models, salt)
    before = previous_manifest(con) if incremental else {}
    for gone in sorted(set(before) - set(models)):  # a model removed since: its table leaves the warehouse
        kind = con.sql(f"SELECT table_type FROM information_schema.tables WHERE table_name = '{gone}' "
                       "AND table_catalog = current_database()").fetchall()
        if kind:
            con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} {gone}")
    made: set[str] = set()

    def make(model: Model, inputs_only: bool = False) -> int | None:
        """Run a model after the transient models it reads (made once, on demand, in an incremental build)."""
        for dep in sorted(dependencies(model, prints.known) & set(models)):
            if models[dep].is_transient and dep not in made:
                make(models[dep])
        if inputs_only:
            return None
        made.add(model.name)
        return run_model(con, model, validated_dir)

    indicator_ids: dict[str, list[str]] = {}
    replaced_ids: set[str] = set()  # indicator ids whose rows an incremental build replaced in indicator_values
    union_rebuilt = False
    done = []
    for model in order(models):
        started = time.perf_counter()
        changed = before.get(model.name, (None,))[0] != prints.of(model, indicator_ids)
        if model.is_indicator_model and not changed:
            indicator_ids[model.name] = before[model.name][1]
        if model.is_transient and incremental:
            rows = None  # made when a rebuilt model reads it
        elif not changed:
            rows = None if model.is_view else con.sql(f"SELECT count(*) FROM {model.name}").fetchall()[0][0]
        elif model.is_indicator_union and before.get(model.name) and (rows := _update_union(
                con, model, models, before, indicator_ids, prints, make, replaced_ids)) is not None:
            pass
        elif (model.unique_key and not union_rebuilt
              and before.get(model.name, (None, None, None))[2] == prints.structure[model.name]):
            rows = _update_by_key(con, model, replaced_ids, make, validated_dir)
        else:
            rows = make(model)
            if model.is_indicator_union:
                indicator_ids |= _union_ids(con, model)
                union_rebuilt = True  # its incremental readers are rebuilt whole too
        rss = _rss_mb()
        record = {
            "model": model.name,
            "layer": model.layer,
            "kind": model.materialized,
            "rows": rows,
            "rebuilt": changed,
            "seconds": round(time.perf_counter() - started, 3),
            "duckdb_mb": round(_duckdb_mb(con)),
            "rss_mb": None if rss is None else round(rss),
        }
        shown = model.materialized if rows is None else f"{rows:,} rows"
        state = "" if changed else "  (unchanged)"
        log(f"  {model.layer:<12} {model.name:<36} {shown:>15}  {record['seconds']:.2f}s{state}")
        done.append(record)
    manifest = pd.DataFrame(
        [{"model": name, "fingerprint": prints.found[name], "indicator_keys": indicator_ids.get(name, []),
          "structure": prints.structure[name], "materialized": models[name].materialized,
          "depends_on": sorted(dependencies(models[name], prints.known)), "sources": sorted(models[name].sources)}
         for name in sorted(models)]
    )
    con.register("_manifest", manifest)
    con.execute(f"CREATE OR REPLACE TABLE {MANIFEST} AS SELECT * FROM _manifest ORDER BY model")
    con.unregister("_manifest")
    return done


def _union_ids(con: duckdb.DuckDBPyConnection, union: Model) -> dict[str, list[str]]:
    """The keys (`indicator_id|source_id`) each model put in the union just built; then the column saying so is
    dropped."""
    ids = dict(con.sql(
        f"SELECT {MODEL_COLUMN}, list(DISTINCT {KEY} ORDER BY {KEY}) FROM {union.name} GROUP BY 1"
    ).fetchall())
    con.execute(f"ALTER TABLE {union.name} DROP COLUMN {MODEL_COLUMN}")
    return ids


def _update_by_key(
    con: duckdb.DuckDBPyConnection, model: Model, replaced_ids: set[str], make, validated_dir: Path
) -> int:
    """An incremental model (dbt's delete+insert): its rows of the replaced indicator ids computed again."""
    if replaced_ids:
        ids = sorted(replaced_ids)
        marks = ", ".join("?" for _ in ids)
        con.execute(f"DELETE FROM {model.name} WHERE indicator_id IN ({marks})", ids)
        make(model, inputs_only=True)  # the transient models it reads
        # dbt's is_incremental() filter, without editing the SQL: while the model runs, the name indicator_values
        # means the replaced ids' rows only (a temporary view shadows the table, temp objects being bound first)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _replaced AS SELECT * FROM main.{UNION_NAME} "
                    f"WHERE indicator_id IN ({marks})", ids)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {UNION_NAME} AS SELECT * FROM _replaced")
        try:
            con.execute(f"INSERT INTO {model.name} BY NAME SELECT * FROM ({_body(model, validated_dir)})")
        finally:
            con.execute(f"DROP VIEW temp.{UNION_NAME}")
            con.execute("DROP TABLE _replaced")
    return con.sql(f"SELECT count(*) FROM {model.name}").fetchall()[0][0]


def _update_union(con, union: Model, models: dict[str, Model], before: dict, indicator_ids: dict[str, list[str]],
                  prints: Fingerprints, make, replaced_ids: set[str]) -> int | None:
    """indicator_values carried over, the rows of each changed indicator model replaced: a model's rows are known
    by their keys `indicator_id|source_id` (two models may publish one indicator from two sources, never the same
    key). None when the new rows of a changed model share a key with another model's: the caller builds the union
    whole."""
    changed = [m for m in sorted(n for n, x in models.items() if x.is_indicator_model)
               if before.get(m, (None,))[0] != prints.found[m]]
    new: dict[str, list[str]] = {}
    for number, model in enumerate(changed):
        make(models[model])
        con.execute(f"CREATE OR REPLACE TEMP TABLE _part_{number} AS SELECT * FROM {model}")  # computed once
        new[model] = [r[0] for r in con.sql(f"SELECT DISTINCT {KEY} FROM _part_{number} ORDER BY 1").fetchall()]
    others = {m: keys for m, keys in indicator_ids.items() if m not in new} | new
    for model, keys in new.items():
        if set(keys) & {k for m, ks in others.items() if m != model for k in ks}:
            for number in range(len(changed)):
                con.execute(f"DROP TABLE _part_{number}")
            return None
    for number, model in enumerate(changed):
        if old := before.get(model, (None, []))[1]:
            con.execute(f"DELETE FROM {union.name} WHERE {KEY} IN ({', '.join('?' for _ in old)})", old)
        con.execute(f"INSERT INTO {union.name} BY NAME SELECT * FROM _part_{number}")
        con.execute(f"DROP TABLE _part_{number}")
        indicator_ids[model] = new[model]
        replaced_ids |= _plain(old) | _plain(new[model])
    return con.sql(f"SELECT count(*) FROM {union.name}").fetchall()[0][0]
