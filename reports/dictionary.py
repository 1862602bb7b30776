"""The analysts' data dictionary and lineage site (what `dbt docs generate` publishes, docs/decisions/0001): one
static HTML page, read from the published warehouse only — every table and view with what one row is, its columns
(type, meaning), the tables it reads and those that read it (build_manifest), the validated sources it comes from,
and the indicator catalogue. Offline: no script, no external asset."""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from warehouse.db import connect_readonly

STYLE = """body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-top:1px solid #ccc;padding-top:1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}code{font-size:.9em}.muted{color:#555}nav a{margin-right:.6rem}
@media print{body{max-width:none}h2{break-before:auto}}"""
KINDS = {"table": "table", "view": "vue", "incremental": "table (mise à jour incrémentale)"}


def _esc(text: object) -> str:
    return html.escape("" if text is None else str(text))


def _links(names: list[str], known: set[str]) -> str:
    shown = [f'<a href="#{_esc(n)}"><code>{_esc(n)}</code></a>' if n in known else f"<code>{_esc(n)}</code>"
             for n in names]
    return ", ".join(shown) if shown else '<span class="muted">—</span>'


def page(con: duckdb.DuckDBPyConnection) -> str:
    tables = con.sql(
        "SELECT table_name, 'TABLE' AS table_type, comment FROM duckdb_tables() WHERE NOT temporary "
        "UNION ALL SELECT view_name, 'VIEW', comment FROM duckdb_views() WHERE NOT internal AND NOT temporary "
        "ORDER BY 1"
    ).fetchall()
    columns = con.sql(
        "SELECT table_name, column_name, data_type, description FROM data_dictionary ORDER BY table_name"
    ).fetchall()
    lineage = {m: (kind, list(deps or []), list(src or [])) for m, kind, deps, src in con.sql(
        "SELECT model, materialized, depends_on, sources FROM build_manifest").fetchall()}
    read_by: dict[str, list[str]] = {}
    for model, (_, deps, _) in sorted(lineage.items()):
        for dep in deps:
            read_by.setdefault(dep, []).append(model)
    known = {t for t, _, _ in tables}
    by_table: dict[str, list[tuple]] = {}
    for table, column, dtype, text in columns:
        by_table.setdefault(table, []).append((column, dtype, text))
    parts = [
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
        "<title>Dictionnaire des données et lignage — observatoire</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Dictionnaire des données et lignage de l'entrepôt</h1>",
        f"<p>{len(tables)} tables et vues publiées. Pour chacune : ce qu'est une ligne, ses colonnes, les tables "
        "qu'elle lit et celles qui la lisent, les sources dont elle provient. Le catalogue des indicateurs est la "
        "table <a href='#indicator_catalogue'>indicator_catalogue</a>.</p>",
        "<nav>" + " ".join(f'<a href="#{_esc(t)}">{_esc(t)}</a>' for t, _, _ in tables) + "</nav>",
    ]
    for table, table_type, comment in tables:
        kind, deps, sources = lineage.get(table, ("view" if table_type == "VIEW" else "table", [], []))
        parts += [
            f'<h2 id="{_esc(table)}"><code>{_esc(table)}</code> <span class="muted">({KINDS.get(kind, kind)})</span>'
            "</h2>",
            f"<p>{_esc(comment)}</p>",
            "<p>Lit : " + _links(deps, known) + "<br>Lue par : " + _links(read_by.get(table, []), known)
            + "<br>Sources : " + (", ".join(f"<code>{_esc(s)}</code>" for s in sources) or
                                  '<span class="muted">—</span>') + "</p>",
            "<table><thead><tr><th>colonne</th><th>type</th><th>signification</th></tr></thead><tbody>",
            *(f"<tr><td><code>{_esc(c)}</code></td><td>{_esc(t)}</td><td>{_esc(d)}</td></tr>"
              for c, t, d in by_table.get(table, [])),
            "</tbody></table>",
        ]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_dictionary(warehouse_path: Path, out_dir: Path) -> Path:
    con = connect_readonly(warehouse_path)
    try:
        text = page(con)
    finally:
        con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "dictionnaire.html"
    path.write_text(text, encoding="utf-8")
    return path
