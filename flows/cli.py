"""`observatoire` command line.

Exit codes: 0 success · 1 error (nothing published, or no warehouse yet) · 2 a source was quarantined (the others
refreshed; the quarantined one keeps its last good data in the warehouse) · 3 a SQL statement was refused or
failed (the warehouse is read-only for `sql`) · 4 bad option value.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (offline Prefect settings before any prefect import)

app = typer.Typer(
    help="Territorial indicators from official French statistics, in a DuckDB warehouse.",
    no_args_is_help=True,
)
console = Console(width=max(Console().width, 120))


@app.callback()
def main_options() -> None:
    """observatoire: refresh, query and publish the observatory's warehouse."""


def print_summary(summary: dict) -> None:
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
            f"[{style}]{o['status']}[/]" if style else o["status"],
            (o["sha256"] or "")[:12],
            f"{o['rows'] or 0:,}",
            f"{o['seconds']:.1f}",
            details,
        )
    console.print(table)
    for o in summary["sources"]:
        for note in o["notes"]:
            console.print(f"  {o['source_id']}: {note}", soft_wrap=True)
    if summary["built"]:
        build = summary["build"]
        models = Table(title=f"Build ({build['seconds']} s)")
        for col in ("layer", "model", "rows", "seconds"):
            models.add_column(col)
        for m in build["models"]:
            models.add_row(m["layer"], m["model"], f"{m['rows']:,}", f"{m['seconds']:.2f}")
        console.print(models)
        for check in build["checks"]:
            status = "ok" if not check["warnings"] else "; ".join(check["warnings"])
            console.print(f"check {check['check']}: {status}")
    else:
        console.print(f"build skipped: {summary['skip_reason']}")
    for source_id in summary["quarantined"]:
        console.print(f"[bold red]{source_id} quarantined[/]: last good version kept in the warehouse")
    console.print(f"warehouse: {summary['warehouse']} · total {summary['seconds']} s")


@app.command()
def run(
    source: list[str] = typer.Option(None, "--source", help="Refresh only these source ids (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Re-validate and rebuild even if nothing changed."),
    no_prefect: bool = typer.Option(False, "--no-prefect", help="Run the same steps without the Prefect engine."),
) -> None:
    """Refresh the sources and rebuild the warehouse (the nightly job)."""
    from flows.nightly import nightly_refresh

    try:
        summary = nightly_refresh.fn(source, force) if no_prefect else nightly_refresh(source, force)
    except Exception as exc:  # noqa: BLE001 (the message names the source/model; the published file is intact)
        console.print(f"[bold red]refresh failed[/]: {exc}\nThe published warehouse was left untouched.")
        raise typer.Exit(1) from exc
    print_summary(summary)
    if summary["quarantined"]:
        raise typer.Exit(2)


@app.command()
def report(
    out: str = typer.Option("reports/out", "--out", help="Folder for diagnostic.md, diagnostic.html and img/."),
) -> None:
    """Write the diagnostic reproduction report from the published warehouse."""
    from pathlib import Path

    from reports.report import write_report
    from sources.settings import PROJECT_ROOT, get_settings

    target = Path(out) if Path(out).is_absolute() else PROJECT_ROOT / out
    try:
        paths = write_report(get_settings().warehouse_path, target)
    except FileNotFoundError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(1) from exc
    for kind, path in paths.items():
        console.print(f"{kind}: {path}")


def _warehouse():
    from sources.settings import get_settings
    from warehouse.db import connect_readonly

    try:
        return connect_readonly(get_settings().warehouse_path)
    except FileNotFoundError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(1) from exc


def _print_frame(frame, title: str | None = None, limit: int = 200) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    if len(frame) > limit:
        console.print(f"… {len(frame) - limit} more row(s); use --format csv for all")


@app.command()
def sql(
    query: str = typer.Argument(..., help="SQL to run on the published warehouse (read-only)."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
) -> None:
    """Query the published warehouse, read-only (answers even while a refresh runs)."""
    import duckdb

    con = _warehouse()
    try:
        frame = con.sql(query).df() if query.strip() else None
    except duckdb.Error as exc:
        refused = "read-only" in str(exc).lower()
        console.print(f"[bold red]{'refused' if refused else 'failed'}[/]: {exc}")
        raise typer.Exit(3) from exc
    finally:
        con.close()
    if frame is None:
        raise typer.Exit(0)
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False) + "\n")
    elif fmt == "table":
        _print_frame(frame)
    else:
        console.print(f"[bold red]unknown format {fmt}[/] (table, csv, json)")
        raise typer.Exit(4)


@app.command()
def indicators() -> None:
    """The indicator catalogue (transforms/indicators.yml)."""
    import pandas as pd

    from warehouse.build import load_catalogue

    frame = pd.DataFrame(
        [
            {
                "id": k,
                "label": v.get("label"),
                "unit": v.get("unit"),
                "formula": v.get("formula"),
                "source": v.get("source"),
            }
            for k, v in load_catalogue().items()
        ]
    )
    _print_frame(frame, "Indicators")


@app.command()
def territories(
    level: str = typer.Option(
        None,
        "--level",
        help="commune, epci, ze2010, ze2020, arrondissement, departement, region, france_metro, grouping",
    ),
    geo_year: int = typer.Option(None, "--geo-year", help="COG vintage (1 January)."),
    search: str = typer.Option(None, "--search", help="Part of the label or code (accents and case ignored)."),
) -> None:
    """Find territories and their codes."""
    con = _warehouse()
    where, params = [], []
    if level:
        where.append("level = ?")
        params.append(level)
    if geo_year:
        where.append("geo_year = ?")
        params.append(geo_year)
    if search:
        where.append("(strip_accents(lower(label)) LIKE '%' || strip_accents(lower(?)) || '%' OR code = ?)")
        params += [search, search]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    frame = con.execute(
        f"SELECT level, code, geo_year, label FROM territories {clause} ORDER BY level, geo_year, code LIMIT 1000",
        params,
    ).df()
    con.close()
    _print_frame(frame, f"{len(frame)} territorie(s)")


@app.command()
def status() -> None:
    """Last run, each source's content hash and validation result, stale sources."""
    import json
    from datetime import datetime
    from pathlib import Path

    from expectations.gate import last_good
    from flows.nightly import stale_sources
    from sources.registry import SOURCES
    from sources.settings import get_settings

    settings = get_settings()
    published = settings.store_dir / "published.json"
    if settings.warehouse_path.exists():
        when = datetime.fromtimestamp(settings.warehouse_path.stat().st_mtime).isoformat(timespec="seconds")
        console.print(f"warehouse: {settings.warehouse_path} (published {when})")
    else:
        console.print("[bold red]no published warehouse[/]: run `observatoire run`")
    in_warehouse = json.loads(published.read_text()) if published.exists() else {}
    table = Table(title="Sources")
    for column in ("source", "last good sha256", "validated at", "in warehouse", "last attempt"):
        table.add_column(column)
    for source_id in SOURCES:
        meta = last_good(settings, source_id) or {}
        latest = settings.quarantine_dir / source_id / "latest"
        attempt = "ok"
        if latest.exists():
            report = Path(latest.read_text().strip()) / "report.md"
            good = settings.validated_dir / f"{source_id}.json"
            if report.exists() and (not good.exists() or report.stat().st_mtime > good.stat().st_mtime):
                attempt = f"[red]quarantined[/] ({report})"
        table.add_row(
            source_id,
            str(meta.get("sha256", "—"))[:16],
            str(meta.get("validated_at", "—"))[:19],
            "yes" if in_warehouse.get(source_id) == meta.get("sha256") else "[yellow]no[/]",
            attempt,
        )
    console.print(table)
    stale = stale_sources(settings)
    console.print(f"stale (validated but not yet in the warehouse): {', '.join(stale) if stale else 'none'}")


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

    from reports.export import MARTS
    from reports.export import export as write_snapshot
    from sources.settings import PROJECT_ROOT

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    target = Path(out) if Path(out).is_absolute() else PROJECT_ROOT / out
    con = _warehouse()
    try:
        with Progress(console=console) as progress:
            bar = progress.add_task(f"export {year}", total=len(MARTS))
            path = write_snapshot(con, year, target, formats, plain_csv, progress=lambda _: progress.advance(bar))
    except ValueError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(4) from exc
    finally:
        con.close()
    console.print(f"snapshot: {path}")


@app.command()
def serve(
    cron: str = typer.Option("0 2 * * *", "--cron", help="Cron of the nightly refresh."),
    timezone: str = typer.Option("Europe/Paris", "--timezone"),
) -> None:
    """Register the nightly deployment and run it on schedule (needs `prefect server start`, see README)."""
    from flows.nightly import nightly_refresh
    from flows.schedule import schedule

    nightly_refresh.serve(name="nightly", schedule=schedule(cron, timezone))


@app.command()
def portrait(
    level: str = typer.Option(None, "--level", help="epci, ze2020, commune, arrondissement, departement, region."),
    code: str = typer.Option(None, "--code", help="Territory code on the latest geography."),
    grouping: str = typer.Option(None, "--grouping", help="A grouping (e.g. bassin_minier): it and its EPCI/ZE."),
    out: str = typer.Option("reports/out/portraits", "--out", help="Folder for the pages and index.html."),
) -> None:
    """Territory portraits (HTML + Markdown) on the latest geography, with an index page."""
    from reports.portraits import run_cli

    raise typer.Exit(run_cli(level, code, grouping, out, console.print))
