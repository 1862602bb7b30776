"""`observatoire` command line. Exit codes: 0 success; 1 error (nothing published); 2 some source quarantined
(the others refreshed; the quarantined one keeps its last good data in the warehouse)."""

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


def main() -> None:  # pragma: no cover
    sys.exit(app())


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
