"""`observatoire` command line.

Exit codes: 0 success · 1 failed (nothing published; an infrastructure fault names the path) · 2 a source was
quarantined (the others refreshed; the quarantined one keeps its last good data in the warehouse) · 3 a SQL
statement was refused or failed (the warehouse is read-only for `sql`) · 4 bad option value or configuration
(usage errors included: click's default 2 would collide with "quarantined") · 5 busy (another refresh runs).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import click
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

import flows  # noqa: F401  (offline Prefect settings before any prefect import)
from sources.errors import BusyError, ConfigError, InfrastructureError, SourceDeclarationError
from sources.ingestion.settings import PROJECT_ROOT, get_settings
from transforms.levels import LEVELS

# Each command imports the stages it uses inside its function: `observatoire --help` or `sql` load in 0.12 s, where
# importing every stage costs 3.5 s (Prefect 0.7, Great Expectations 2.2–2.7, matplotlib; measured with
# `/usr/bin/time python -c "import flows.nightly"`). Those are the only imports inside functions here.

EXIT_OK, EXIT_FAILED, EXIT_QUARANTINED, EXIT_SQL, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3, 4, 5
# click exits 2 on a usage error (unknown option, bad value); 2 means "quarantined" here. Typer vendors its own
# copy of click (typer._click): both are set.
for _usage_error in {
    click.exceptions.UsageError,
    getattr(getattr(typer, "_click", click), "exceptions", click.exceptions).UsageError,
}:
    _usage_error.exit_code = EXIT_USAGE
FORMATS = ("table", "csv", "json")

app = typer.Typer(
    help="Territorial indicators from official French statistics, in a DuckDB warehouse.",
    no_args_is_help=True,
)
console = Console(width=max(Console().width, 120))


@app.callback()
def main_options() -> None:
    """observatoire: refresh, query and publish the observatory's warehouse."""


def _fail(message: str, code: int, title: str = "error") -> typer.Exit:
    """Print `title: message` (message printed literally) and return the Exit to raise."""
    text = Text(f"{title}: ", style="bold red")
    text.append(message)
    console.print(text)
    return typer.Exit(code)


def _choice(value: str | None, option: str, choices: list | tuple) -> None:
    if value is not None and value not in choices:
        raise _fail(f"{option} {value!r} is not one of: {', '.join(map(str, choices))}", EXIT_USAGE, "invalid value")


def print_summary(summary: dict) -> None:
    for note in summary.get("healed", []):
        console.print(Text(f"state healed: {note}", style="yellow"))
    table = Table(title="Sources")
    for col in ("source", "status", "sha256", "rows", "seconds", "details"):
        table.add_column(col)
    for o in summary["sources"]:
        style = {"quarantined": "bold red", "validated": "green"}.get(o["status"], "")
        details = "\n".join(o["messages"] + o["warnings"]) or (
            f"{len(o['notes'])} normalisation(s)" if o["notes"] else ""
        )
        table.add_row(
            o["source_id"],
            Text(o["status"], style=style),
            (o["sha256"] or "")[:12],
            f"{o['rows'] or 0:,}",
            f"{o['seconds']:.1f}",
            Text(details),
        )
    console.print(table)
    for o in summary["sources"]:
        for note in o["notes"]:
            console.print(Text(f"  {o['source_id']}: {note}"), soft_wrap=True)
    if summary["built"]:
        build = summary["build"]
        models = Table(title=f"Build ({build['seconds']} s)")
        for col in ("layer", "model", "rows", "seconds"):
            models.add_column(col)
        for m in build["models"]:
            rows = m["kind"] if m["rows"] is None else f"{m['rows']:,}"
            models.add_row(m["layer"], m["model"], rows, f"{m['seconds']:.2f}")
        console.print(models)
        for check in build["checks"]:
            status = "ok" if not check["warnings"] else "; ".join(check["warnings"])
            console.print(Text(f"check {check['check']}: {status}"))
    else:
        console.print(f"build skipped: {summary['skip_reason']}")
    for o in summary["sources"]:
        if o["status"] == "quarantined":
            console.print(
                Text(f"{o['source_id']} quarantined", style="bold red"),
                Text(f": last good version kept in the warehouse; report {o['report']}"),
            )
    console.print(f"warehouse: {summary['warehouse']} · total {summary['seconds']} s")


@app.command()
def run(
    source: list[str] = typer.Option(None, "--source", help="Refresh only these source ids (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Re-validate and rebuild even if nothing changed."),
    no_prefect: bool = typer.Option(False, "--no-prefect", help="Run the same steps without the Prefect engine."),
    task_runner: str = typer.Option(
        "threads", "--task-runner",
        help="Where the per-partition tasks of the census detail files run: threads (this process) or dask.",
    ),
    dask_address: str = typer.Option(
        None, "--dask-address",
        help="Dask scheduler (tcp://host:8786) for --task-runner dask; none: a local cluster of two workers.",
    ),
    accept_shrink: list[str] = typer.Option(
        None,
        "--accept-shrink",
        help="Accept that this source's new content lost more than 5 % of a partition's rows (repeatable).",
    ),
    online_mode: bool = typer.Option(
        False, "--online", help="Fetch each source's newest edition from its producer (or OBSERVATOIRE_MIRROR)."
    ),
) -> None:
    """Refresh the sources and rebuild the warehouse (the nightly job).

    Exit 0 ok · 1 failed · 2 a source quarantined · 4 bad option or configuration · 5 busy."""
    from flows.unchanged import unchanged_run
    from sources.ingestion import online

    source = list(dict.fromkeys(source)) if source else source  # `--source x --source x` refreshes x once
    if task_runner not in ("threads", "dask"):
        raise _fail(f"--task-runner {task_runner!r}: valid choices: threads, dask", EXIT_USAGE, "bad option")
    if (task_runner == "dask" or dask_address) and no_prefect:
        raise _fail("--task-runner dask needs the Prefect engine (drop --no-prefect)", EXIT_USAGE, "bad option")
    if dask_address and task_runner != "dask":
        raise _fail("--dask-address goes with --task-runner dask", EXIT_USAGE, "bad option")
    if online_mode:
        os.environ[online.ONLINE_ENV] = "1"  # read by the gate, in this process and Prefect's task threads
    if online.enabled() and (why := _offline_reason()):
        console.print(Text(f"offline: {why}; this run uses the bundled and landed editions", style="yellow"))
    try:
        # Nothing to refresh: answered before Prefect, Great Expectations or matplotlib is imported (≈ 2 s); online,
        # each producer is asked first (conditional requests) and a night where none published is the same.
        summary = None if force else unchanged_run(get_settings(), source, accept_shrink)
        if summary is None:
            from flows.state import preflight

            preflight(get_settings(), source, accept_shrink, probe_lock=not no_prefect)
            if no_prefect:  # the same steps without importing Prefect
                from flows.refresh import run_refresh

                summary = run_refresh(source, force, accept_shrink)
            else:
                from flows.nightly import nightly_refresh

                state = nightly_refresh(source, force, accept_shrink, task_runner, dask_address, return_state=True)
                summary = state.result(raise_on_failure=False)
                if isinstance(summary, BaseException):
                    raise summary
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE, "configuration error") from None
    except BusyError as exc:
        raise _fail(str(exc), EXIT_BUSY, "busy") from None
    except InfrastructureError as exc:
        raise _fail(f"{exc}\nThe published warehouse was left untouched.", EXIT_FAILED, "refresh failed") from None
    except Exception as exc:  # noqa: BLE001 (the message names the source/model; the published file is intact)
        raise _fail(f"{exc}\nThe published warehouse was left untouched.", EXIT_FAILED, "refresh failed") from None
    print_summary(summary)
    if summary["quarantined"]:
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
def report(
    out: str = typer.Option("reports/out", "--out", help="Folder for diagnostic.md, diagnostic.html and img/."),
) -> None:
    """Write the diagnostic reproduction report from the published warehouse, and the analysts' data dictionary
    and lineage page beside it (dictionnaire.html)."""
    from reports.dictionary import write_dictionary
    from reports.report import write_report

    target = Path(out) if Path(out).is_absolute() else PROJECT_ROOT / out
    try:
        paths = write_report(get_settings().warehouse_path, target)
        paths["dictionary"] = write_dictionary(get_settings().warehouse_path, target)
    except FileNotFoundError as exc:
        raise _fail(str(exc), EXIT_FAILED) from None
    for kind, path in paths.items():
        console.print(f"{kind}: {path}")


def _warehouse():
    from warehouse.db import connect_readonly

    try:
        return connect_readonly(get_settings().warehouse_path)
    except FileNotFoundError as exc:
        raise _fail(str(exc), EXIT_FAILED) from None


def _cell(value) -> str:
    return "NULL" if value is None else str(value)


def _emit(columns: list[str], rows: list[tuple], fmt: str, title: str | None = None, total: int | None = None):
    """Rows printed literally (cell text is never read as markup): table (NULL shown as NULL), csv (NULL empty)
    or json (NULL as null). When rows were cut (`total` > shown) it is said, on stderr for csv/json."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    elif fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
    else:
        table = Table(title=Text(title) if title else None)
        for column in columns:
            # fold, never crop: an id cut to a prefix could name several indicators
            table.add_column(Text(str(column)), overflow="fold")
        for row in rows:
            table.add_row(*[Text(_cell(v), style="dim" if v is None else "") for v in row])
        console.print(table)
    if total is not None and total > len(rows):
        note = f"showing {len(rows)} of {total} rows; use --limit 0 for all (or --limit N)"
        if fmt == "table":
            console.print(Text(note, style="yellow"))
        else:
            sys.stderr.write(note + "\n")


# Statements `sql` refuses, by DuckDB statement type, and why (the read-only, locked-down connection would refuse
# them too; saying why here is kinder than DuckDB's message).
REFUSED = {
    "COPY": "COPY reads or writes files; to save a result use `observatoire sql QUERY --output FILE.csv|.parquet`",
    "EXPORT": "EXPORT DATABASE writes files; use `--output FILE.csv|.parquet` for a query result",
    "ATTACH": "attaching another database is disabled: only the published warehouse can be queried",
    "DETACH": "the warehouse cannot be detached",
    "LOAD": "extensions are never installed or loaded (offline pipeline; json, parquet and icu are built in)",
    "SET": "the configuration of the analyst connection is locked",
    "VARIABLE_SET": "the configuration of the analyst connection is locked",
}
ALLOWED = {"SELECT", "EXPLAIN", "PRAGMA", "CALL"}


def refusal(con, query: str) -> str | None:
    """Why `query` is refused (None when every statement only reads)."""
    import duckdb

    try:
        statements = con.extract_statements(query)
    except duckdb.Error:
        return None  # a syntax error: DuckDB's own message says where
    for statement in statements:
        kind = str(statement.type).rsplit(".", 1)[-1]
        if kind in REFUSED:
            label = {"LOAD": "INSTALL/LOAD", "VARIABLE_SET": "SET"}.get(kind, kind)
            return f"{label}: {REFUSED[kind]}"
        if kind not in ALLOWED:
            return f"{kind}: the warehouse is read-only for analysts (only SELECT, EXPLAIN, DESCRIBE, SHOW …)"
    return None


@app.command()
def sql(
    query: str = typer.Argument(..., help="SQL to run on the published warehouse (read-only)."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    limit: int = typer.Option(200, "--limit", help="Rows shown in table mode (0 = all); csv/json print all."),
    output: str = typer.Option(None, "--output", help="Write the result to FILE.csv or FILE.parquet instead."),
) -> None:
    """Query the published warehouse, read-only (answers even while a refresh runs).

    COPY, EXPORT, ATTACH, INSTALL/LOAD, SET and writes are refused (exit 3): save a result with
    `--output result.csv` or `--output result.parquet`."""
    import duckdb

    _choice(fmt, "--format", FORMATS)
    if output and not output.lower().endswith((".csv", ".parquet")):
        raise _fail(f"--output {output!r}: give a file ending in .csv or .parquet", EXIT_USAGE, "invalid value")
    if limit < 0:
        raise _fail("--limit must be 0 (all) or a positive number", EXIT_USAGE, "invalid value")
    if not query.strip():
        raise _fail("give a query, e.g. observatoire sql \"SELECT * FROM territories LIMIT 5\"", EXIT_USAGE,
                    "missing query")
    con = _warehouse()
    try:
        if why := refusal(con, query):
            raise _fail(why, EXIT_SQL, "refused")
        relation = con.sql(query)
        if relation is None:
            raise typer.Exit(0)
        if output:
            _write_output(relation.to_arrow_table(), output)
            return
        columns, rows = relation.columns, relation.fetchall()
    except duckdb.Error as exc:
        refused = isinstance(exc, duckdb.PermissionException) or "read-only" in str(exc).lower()
        raise _fail(str(exc), EXIT_SQL, "refused" if refused else "failed") from None
    finally:
        con.close()
    shown = rows if fmt != "table" or limit == 0 else rows[:limit]
    _emit(columns, shown, fmt, total=len(rows))


def _write_output(table, output: str) -> None:
    """The result as CSV (UTF-8, ',' and '.', header) or Parquet, written beside and moved in place."""
    import os
    from pathlib import Path

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        if target.suffix.lower() == ".parquet":
            pq.write_table(table, tmp)
        else:
            pacsv.write_csv(table, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(f"cannot write {target}: {exc.strerror or exc}", EXIT_FAILED) from None
    console.print(Text(f"wrote {table.num_rows} row(s) × {table.num_columns} column(s) to {target}"))


@app.command()
def indicators(
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    limit: int = typer.Option(0, "--limit", help="At most this many rows (0 = all)."),
) -> None:
    """The indicator catalogue (transforms/indicators.yml)."""
    from warehouse.build import load_catalogue

    _choice(fmt, "--format", FORMATS)
    if limit < 0:
        raise _fail("--limit must be 0 (all) or a positive number", EXIT_USAGE, "invalid value")
    columns = ["id", "label", "unit", "formula", "source"]
    rows = [
        (k, *(None if v.get(c) is None else str(v.get(c)) for c in columns[1:])) for k, v in load_catalogue().items()
    ]
    _emit(columns, rows[:limit] if limit else rows, fmt, "Indicators", total=len(rows))


@app.command()
def territories(
    level: str = typer.Option(
        None,
        "--level",
        help=", ".join(LEVELS),
    ),
    geo_year: int = typer.Option(None, "--geo-year", help="COG vintage (1 January)."),
    search: str = typer.Option(None, "--search", help="Part of the label or code (accents and case ignored)."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    limit: int = typer.Option(1000, "--limit", help="At most this many rows (0 = all); a cut is always said."),
) -> None:
    """Find territories and their codes."""
    _choice(level, "--level", LEVELS)
    _choice(fmt, "--format", FORMATS)
    if limit < 0:
        raise _fail("--limit must be 0 (all) or a positive number", EXIT_USAGE, "invalid value")
    con = _warehouse()
    try:
        years = [r[0] for r in con.sql("SELECT DISTINCT geo_year FROM territories ORDER BY 1").fetchall()]
        if geo_year is not None and geo_year not in years:
            raise _fail(
                f"--geo-year {geo_year} is not in the warehouse; geography vintages: {years[0]}–{years[-1]}",
                EXIT_USAGE,
                "invalid value",
            )
        where, params = [], []
        if level:
            where.append("level = ?")
            params.append(level)
        if geo_year is not None:
            where.append("geo_year = ?")
            params.append(geo_year)
        if search:
            where.append("(strip_accents(lower(label)) LIKE '%' || strip_accents(lower(?)) || '%' OR code = ?)")
            params += [search, search]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        total = con.execute(f"SELECT count(*) FROM territories {clause}", params).fetchall()[0][0]
        cut = f"LIMIT {int(limit)}" if limit else ""
        relation = con.execute(
            f"SELECT level, code, geo_year, label FROM territories {clause} ORDER BY level, geo_year, code {cut}",
            params,
        )
        columns, rows = [d[0] for d in relation.description], relation.fetchall()
    finally:
        con.close()
    _emit(columns, rows, fmt, f"{total} territoire{'s' if total > 1 else ''}", total=total)


def _short_sha(sha: object) -> str:
    """The first 16 characters of a content hash; a source with no file configured says so."""
    if sha is None:
        return "—"
    return "not configured" if str(sha).startswith("not_configured") else str(sha)[:16]


def _offline_reason() -> str | None:
    """Why no producer is reachable (one short connect attempt for the whole run), or None."""
    from datetime import date

    from sources.ingestion import online
    from sources.ingestion.registry import SOURCES

    urls = [u for s in SOURCES.values() if online.templated(s.releases) for u in online.candidates(s.releases,
                                                                                                   date.today(), 1)]
    return online.probe(urls)


@app.command()
def sources(
    fmt: str = typer.Option("table", "--format", help="table | csv | json (csv/json add page, files, licence …)"),
) -> None:
    """The producers' releases: each source's edition in the warehouse, latest attempt, next edition expected."""
    from sources.ingestion.releases import catalogue

    _choice(fmt, "--format", ("table", "csv", "json"))
    rows = catalogue(get_settings())
    short = ["source", "producer", "rhythm", "in_warehouse", "latest_seen", "next_expected", "reachable"]
    columns = short if fmt == "table" else list(rows[0])
    _emit(columns, [tuple(r[c] for c in columns) for r in rows], fmt, title="Releases of the producers")


@app.command()
def status() -> None:
    """Last run, each source's last good content and last attempt (crashes included), stale sources."""
    import os
    from datetime import datetime

    from flows.state import read_published, stale_sources
    from sources.ingestion import scope
    from sources.ingestion.gate import last_attempt, last_good
    from sources.ingestion.registry import SOURCES

    settings = get_settings()
    if settings.warehouse_path.exists():
        when = datetime.fromtimestamp(settings.warehouse_path.stat().st_mtime).isoformat(timespec="seconds")
        console.print(Text(f"warehouse: {settings.warehouse_path} (published {when})"))
    else:
        console.print(Text("no published warehouse: run `observatoire run`", style="bold red"))
    console.print(Text(f"last run: {_last_run(settings, os)}"))
    published = read_published(settings)
    if published is None:
        console.print(Text("published.json is unreadable: the next run rebuilds it", style="yellow"))
    in_warehouse = published or {}
    built_for = _warehouse_scope(settings)
    try:
        current = scope.current().name
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE, "configuration error") from None
    if built_for is not None:
        shell = os.environ.get(scope.SCOPE_ENV) or f"unset, so {current}"
        other = f" (this shell's {scope.SCOPE_ENV}: {shell})" if current != built_for else ""
        console.print(Text(f"scope: {built_for}{other}"))
    table = Table(title="Sources")
    kept: list[str] = []  # sources whose producer did not deliver on the last online run
    for column in ("source", "last good sha256", "validated at", "in warehouse", "last attempt"):
        table.add_column(column)
    for source_id in SOURCES:
        meta = last_good(settings, source_id) or {}
        attempt = last_attempt(settings, source_id)
        if attempt is None:
            shown = Text("—")
        else:
            style = {"quarantined": "red", "crashed": "bold red"}.get(attempt["status"], "")
            shown = Text(f"{attempt['status']} at {attempt['at'][:19]}", style=style)
            detail = attempt.get("report") or attempt.get("error")
            if detail and attempt["status"] in ("quarantined", "crashed"):
                shown.append(f" ({detail})")
            if str(attempt.get("online") or "").startswith("stale"):  # the producer did not deliver (below)
                shown.append("; stale: previous edition kept", style="yellow")
                kept.append(f"{source_id}: stale since {str(attempt.get('stale_since'))[:19]}: {attempt['online'][7:]}")
        table.add_row(
            source_id,
            _short_sha(meta.get("sha256")),
            str(meta.get("validated_at", "—"))[:19],
            Text("yes") if in_warehouse.get(source_id) == meta.get("sha256") else Text("no", style="yellow"),
            shown,
        )
    console.print(table)
    if kept:
        console.print(Text("previous edition kept (the producer did not deliver on the last online run):"))
        for line in kept:
            console.print(Text(f"  {line}", style="yellow"), soft_wrap=True)
    stale = stale_sources(settings)
    console.print(Text(f"stale (validated but not yet in the warehouse): {', '.join(stale) if stale else 'none'}"))
    _print_theme_editions(settings)


def _print_theme_editions(settings) -> None:
    """What the publication says under each theme: the edition of each source it shows and how old it is."""
    if not settings.warehouse_path.exists():
        return
    from reports.editions import theme_editions
    from warehouse.db import connect_readonly

    con = connect_readonly(settings.warehouse_path)
    try:
        lines = theme_editions(con)
    finally:
        con.close()
    if lines:
        console.print(Text("editions in the publication, by theme:"))
    for theme, theme_lines in sorted(lines.items()):
        for line in theme_lines:
            console.print(Text(f"  {theme}: {line}"), soft_wrap=True)


def _warehouse_scope(settings) -> str | None:
    """The scope(s) of the published warehouse's sources (cfg_sources.scope); None without a warehouse."""
    if not settings.warehouse_path.exists():
        return None
    from warehouse.db import connect_readonly

    try:
        con = connect_readonly(settings.warehouse_path)
        try:
            scopes = [s for (s,) in con.sql("SELECT DISTINCT scope FROM cfg_sources ORDER BY 1").fetchall()]
        finally:
            con.close()
    except Exception:  # noqa: BLE001 (a warehouse built before the scope was recorded, or unreadable)
        return "unknown"
    return ", ".join(scopes) or "unknown"


def _last_run(settings, os) -> str:
    """The last run's status from store/last_run.json; a run still marked running whose process is gone
    crashed (killed, out of memory, power cut)."""
    path = settings.store_dir / "last_run.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "none recorded"
    except (OSError, ValueError):
        return f"unknown ({path} unreadable)"
    status = state.get("status", "?")
    if status == "running":
        try:
            os.kill(int(state.get("pid", 0)), 0)
        except (ProcessLookupError, ValueError):
            status = "crashed (its process is gone; the next run cleans up)"
        except PermissionError:
            pass
    quarantined = state.get("quarantined") or []
    extra = state.get("error") or (f"quarantined: {', '.join(quarantined)}" if quarantined else "")
    return f"{status} at {str(state.get('at', '?'))[:19]}" + (f" — {extra}" if extra else "")


@app.command()
def export(
    year: int = typer.Option(..., "--year", help="Snapshot year: geography ≤ year, data periods ending ≤ year."),
    fmt: str = typer.Option("csv,parquet", "--format", help="Comma-separated: csv, parquet."),
    plain_csv: bool = typer.Option(False, "--plain-csv", help="Also write ','/'.' CSV twins (*.plain.csv)."),
    out: str = typer.Option("exports", "--out", help="Root folder; the snapshot goes to <out>/<year>/."),
) -> None:
    """Write the annual publication snapshot (Parquet + French CSV, metadata.json, SHA256SUMS)."""
    from pathlib import Path

    from rich.progress import Progress

    from reports.export import MARTS, check_year
    from reports.export import export as write_snapshot

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    for f in formats:
        _choice(f, "--format", ("csv", "parquet"))
    target = Path(out) if Path(out).is_absolute() else PROJECT_ROOT / out
    con = _warehouse()
    try:  # a year outside the data: YearOutOfRange (a ValueError) from reports/export.py, nothing written
        check_year(con, year)  # before any progress bar is drawn
        with Progress(console=console) as progress:
            bar = progress.add_task(f"export {year}", total=len(MARTS))
            path = write_snapshot(con, year, target, formats, plain_csv, progress=lambda _: progress.advance(bar))
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE, "invalid value") from None
    finally:
        con.close()
    console.print(f"snapshot: {path}")


@app.command()
def serve(
    cron: str = typer.Option("0 2 * * *", "--cron", help="Cron of the nightly refresh."),
    timezone: str = typer.Option("Europe/Paris", "--timezone", help="IANA time zone, e.g. Europe/Paris."),
) -> None:
    """Register the nightly deployment and run it on schedule (needs `prefect server start`, see README)."""
    from flows.schedule import ScheduleError, api_problem, schedule

    try:
        nightly = schedule(cron, timezone)
    except ScheduleError as exc:
        raise _fail(str(exc), EXIT_USAGE, "invalid value") from None
    if problem := api_problem():
        raise _fail(problem, EXIT_FAILED, "no Prefect server")
    from flows.nightly import nightly_refresh

    nightly_refresh.serve(name="nightly", schedule=nightly)


@app.command()
def portrait(
    level: str = typer.Option(None, "--level", help="epci, ze2020, commune, arrondissement, departement, region."),
    code: str = typer.Option(None, "--code", help="Territory code on the latest geography."),
    grouping: str = typer.Option(None, "--grouping", help="A grouping (e.g. bassin_minier): it and its EPCI/ZE."),
    out: str = typer.Option("reports/out/portraits", "--out", help="Folder for the pages and index.html."),
) -> None:
    """Territory portraits (HTML + Markdown) on the latest geography, with an index page."""
    from reports.portraits import run_cli

    target = Path(out) if Path(out).is_absolute() else PROJECT_ROOT / out
    raise typer.Exit(run_cli(get_settings().warehouse_path, level, code, grouping, target, console.print))


def main() -> None:
    """The `observatoire` command: the app, with a source module that declares a source the pipeline cannot run
    (sources/ingestion/registry.py refuses it at import) reported in one line naming the module, not a traceback."""

    try:
        app()
    except SourceDeclarationError as exc:
        _fail(str(exc), EXIT_USAGE, "source declaration error")
        sys.exit(EXIT_USAGE)
