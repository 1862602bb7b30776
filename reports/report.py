"""`observatoire report`: the diagnostic reproduction as Markdown and self-contained HTML (charts inlined).

Reads only the published warehouse (read-only). One section per theme; each printed table beside the computed
values with difference and status per figure; counts by status; at least one chart per theme; the provenance of
every source.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: render to PNG in memory
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from reports.reproduction import STATUSES  # noqa: E402
from sources.registry import SOURCES  # noqa: E402
from warehouse.db import connect_readonly  # noqa: E402

THEMES = {
    "t1": "Jeunesse: moins de 20 ans, 60 ans et plus, indice de jeunesse (EPCI, 2009)",
    "t2": "Population des arrondissements, 1999–2009",
    "t3": "Évolution démographique des EPCI, 1990–2009: taux annuels, soldes naturel et migratoire, natalité",
    "t4": "Emploi salarié privé par zone d'emploi, 2008–2012 (région = somme des 15 zones, recalculée)",
    "t5": "Diplômes de la population non scolarisée de 15 ans et plus, 1999–2009",
    "t6": "Navettes: population active au lieu de résidence et au lieu de travail, 1999–2006",
    "t7": "Mortalité évitable liée au système de soins, 1982–2007",
    "t9": "Démence des 65 ans et plus, estimations 2000–2030",
    "prose": "Chiffres cités dans le texte",
}
COLORS = {
    "reproduced": "#2e7d32",
    "consistent": "#81c784",
    "differs": "#f9a825",
    "inconsistent_input": "#c62828",
    "not_computable": "#9e9e9e",
    "not_statistical": "#cfd8dc",
}


@dataclass
class Block:
    kind: str  # h1 | h2 | p | table | img
    content: object
    name: str = ""


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _status_chart(frame: pd.DataFrame, title: str) -> bytes:
    counts = frame["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    fig, ax = plt.subplots(figsize=(6, 1.8))
    left = 0
    for status, n in counts.items():
        if n:
            ax.barh([0], [n], left=left, color=COLORS[status], label=f"{status} ({n})")
            left += n
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    return _png(fig)


def _comparison_chart(frame: pd.DataFrame, title: str, unit: str) -> bytes:
    """Published vs computed per figure of a table (only figures that have both)."""
    both = frame.dropna(subset=["computed_value"])
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(both) + 1.2))
    y = range(len(both))
    ax.barh([i + 0.2 for i in y], both["published_value"], height=0.4, color="#5c6bc0", label="publié")
    ax.barh(
        [i - 0.2 for i in y],
        both["computed_value"],
        height=0.4,
        color=[COLORS[s] for s in both["status"]],
        label="calculé (couleur = statut)",
    )
    ax.set_yticks(list(y))
    ax.set_yticklabels(
        [f"{t} · {i[:28]}" for t, i in zip(both["territory"], both["indicator"], strict=True)], fontsize=7
    )
    ax.invert_yaxis()
    ax.set_xlabel(unit, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return _png(fig)


def _fmt(value) -> str:
    if value is None or pd.isna(value):
        return ""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text.replace(",", " ")


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "figure": frame["figure_id"],
            "territoire": frame["territory"],
            "indicateur": frame["indicator"],
            "publié": frame["published_value"].map(_fmt),
            "calculé": frame["computed_value"].map(_fmt),
            "écart": frame["difference"].map(_fmt),
            "statut": frame["status"],
            "explication": frame["explanation"],
        }
    )


def build_blocks(con) -> list[Block]:
    repro = con.sql(
        "SELECT r.*, p.seed_lines FROM reproduction r JOIN published_figures p USING (figure_id) "
        "ORDER BY r.table_id, r.figure_id"
    ).df()
    sources = con.sql("SELECT * FROM cfg_sources ORDER BY source_id").df()
    blocks = [
        Block("h1", "Diagnostic partagé du Bassin minier (2013): reproduction figure par figure"),
        Block(
            "p",
            f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the published warehouse. "
            f"{len(repro)} published figures; statuses: reproduced (equal at the printed precision), "
            "differs, not_computable (missing input named), inconsistent_input (the published input "
            "contradicts real data or its own table).",
        ),
    ]
    counts = repro.pivot_table(
        index="table_id", columns="status", values="figure_id", aggfunc="count", fill_value=0
    ).reindex(columns=list(STATUSES), fill_value=0)
    counts.loc["total"] = counts.sum()
    blocks += [
        Block("h2", "Count by status"),
        Block("table", counts.reset_index()),
        Block("img", _status_chart(repro, "All published figures by status"), "status_all"),
    ]
    blocks += _conventions(repro)
    for table_id, title in THEMES.items():
        part = repro[repro.table_id == table_id]
        if part.empty:
            continue
        blocks.append(Block("h2", f"{table_id} — {title}"))
        n = part["status"].value_counts().to_dict()
        blocks.append(Block("p", ", ".join(f"{s}: {n.get(s, 0)}" for s in STATUSES)))
        if part["computed_value"].notna().sum() >= 2 and table_id != "prose":
            for unit, group in part.dropna(subset=["computed_value"]).groupby(
                part["indicator"].str.contains("pct|taux|indice").map({True: "rates / indices", False: "counts"})
            ):
                blocks.append(
                    Block(
                        "img",
                        _comparison_chart(group, f"{table_id}: published vs computed ({unit})", unit),
                        f"{table_id}_{unit.split()[0]}",
                    )
                )
        else:
            blocks.append(Block("img", _status_chart(part, f"{table_id}: figures by status"), f"{table_id}_status"))
        shown = part if table_id != "prose" else part[part.status != "not_computable"]
        blocks.append(Block("table", _table(shown)))
        if table_id == "prose":
            blocks.append(
                Block(
                    "p",
                    f"{int((part.status == 'not_computable').sum())} other prose figures are "
                    "not computable yet (their inputs come with later themes); see table "
                    "`reproduction` in the warehouse for each one and its reason.",
                )
            )
    blocks += _unemployment(con)
    blocks += [Block("h2", "Sources and provenance"), Block("table", _provenance(sources))]
    return blocks


def _unemployment(con) -> list[Block]:
    """Q1 2013 unemployment: the published 2010-zoning rates beside INSEE's real 2020-zoning series."""
    published = con.sql("""
        SELECT p.territory AS territoire, p.level AS niveau, p.code, r.published_value AS taux_publie_pct
        FROM reproduction r JOIN published_figures p USING (figure_id)
        WHERE p.table_id = 'prose' AND p.indicator = 'taux de chômage' AND p.period = '1er trimestre 2013'
        ORDER BY r.published_value DESC""").df()
    real = con.sql("""
        WITH latest AS (SELECT max(edition) AS edition FROM mart_chomage WHERE zonage = 'ze2020'),
        bm AS (  -- zones d'emploi 2020 holding communes of the Bassin minier, with the share of its population
            SELECT g.ze2020, sum(v.value) AS pop_bm
            FROM geo_commune g
            JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = 'commune'
                 AND v.code = g.codgeo AND v.geo_year = g.geo_year AND v.period = CAST(g.geo_year - 2 AS VARCHAR)
            WHERE g.geo_year = (SELECT CAST(left(edition, 4) AS INTEGER) FROM latest)
              AND list_contains(g.groupings, 'bassin_minier')
            GROUP BY ALL
        )
        SELECT c.code, c.libelle, c.edition, round(100 * bm.pop_bm / sum(bm.pop_bm) OVER (), 1) AS part_pop_bm_pct,
               c.taux_chomage_pct AS taux_2013_t1_pct, c.flags
        FROM mart_chomage c JOIN bm ON bm.ze2020 = c.code
        WHERE c.zonage = 'ze2020' AND c.trimestre = '2013-T1' AND c.edition = (SELECT edition FROM latest)
        ORDER BY c.taux_chomage_pct DESC""").df()
    blocks = [
        Block("h2", "Chômage au 1er trimestre 2013: zonage 2010 publié et zonage 2020 réel"),
        Block(
            "p",
            "Two different zonings and editions, not comparable one to one: the diagnostic printed "
            "rates of the 2010 zones d'emploi (INSEE edition of 2013, bundled as an extract of the "
            "document); INSEE's current workbook gives revised series on the 2020 zones. Below, the "
            "2020 zones that hold communes of the Bassin minier today, with the share of its population "
            "they hold. Rates are never averaged into the Bassin minier (no counts of unemployed).",
        ),
        Block("p", "Published (ZE2010, edition 2013-T1, diagnostic):"),
        Block("table", published),
        Block("p", "INSEE real series (ZE2020, latest edition bundled):"),
        Block("table", real),
    ]
    if len(real) and len(published):
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.barh([f"{t} (ZE2010, publié)" for t in published.territoire], published.taux_publie_pct, color="#5c6bc0")
        ax.barh(
            [f"{label} (ZE2020, {ed})" for label, ed in zip(real.libelle, real.edition, strict=True)],
            real.taux_2013_t1_pct,
            color="#26a69a",
        )
        ax.invert_yaxis()
        ax.set_xlabel("taux de chômage 2013-T1 (%)", fontsize=8)
        ax.tick_params(labelsize=7)
        blocks.append(Block("img", _png(fig), "chomage_2013_t1_ze2010_ze2020"))
    return blocks


def _conventions(repro: pd.DataFrame) -> list[Block]:
    """Which annual-rate convention reproduces the printed rates (computed from real data and from the row)."""
    rates = repro[repro.indicator.str.contains("evolution_annuelle|taux_variation_annuel")].dropna(
        subset=["computed_value"]
    )
    rows = []
    for table_id, group in rates.groupby("table_id"):
        main = group.explanation.str.extract(r"\((taux_variation_annuel_moyen_\w+)\)")[0].iloc[0]
        other_ok = group.explanation.str.contains("→ reproduces").sum()
        rows.append(
            {
                "table": table_id,
                "rates": len(group),
                "primary convention": {"compose": "compound", "lineaire": "linear"}[main.rsplit("_", 1)[-1]],
                "reproduced (primary)": int((group.status == "reproduced").sum()),
                "reproduced (other convention)": int(other_ok),
                "row check: linear reproduces": int(group.explanation.str.contains("linear [^,]* reproduces").sum()),
                "row check: compound reproduces": int(
                    group.explanation.str.contains(r"compound [-\d.]+ % reproduces").sum()
                ),
            }
        )
    text = (
        "Average annual rates are computed in both conventions: compound ((P1/P0)^(1/n) − 1, INSEE's) and "
        "linear ((P1 − P0)/P0/n). The row check recomputes each printed rate from the printed populations of "
        "its own row (t2 prints them): it tells which convention the document used."
    )
    verdicts = []
    for r in rows:
        if r["row check: linear reproduces"] or r["row check: compound reproduces"]:
            best = (
                "linear"
                if r["row check: linear reproduces"] > r["row check: compound reproduces"]
                else (
                    "compound" if r["row check: compound reproduces"] > r["row check: linear reproduces"] else "either"
                )
            )
            verdicts.append(
                f"{r['table']}: from its own printed populations, the linear convention reproduces "
                f"{r['row check: linear reproduces']} of {r['rates']} printed rates and the compound one "
                f"{r['row check: compound reproduces']}: the table uses the {best} convention."
            )
        else:
            verdicts.append(
                f"{r['table']}: no populations printed beside the rates; computed from real data, the "
                f"{r['primary convention']} convention reproduces {r['reproduced (primary)']} of "
                f"{r['rates']} and the other {r['reproduced (other convention)']}."
            )
    return [
        Block("h2", "Which annual-rate convention reproduces the printed rates"),
        Block("p", text),
        Block("table", pd.DataFrame(rows)),
    ] + [Block("p", v) for v in verdicts]


def _provenance(sources: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in sources.itertuples():
        spec = SOURCES.get(r.source_id)
        rows.append(
            {
                "source": r.source_id,
                "producer": spec.producer if spec else "",
                "product": spec.product if spec else "",
                "licence": spec.licence if spec else "",
                "attribution": spec.attribution if spec else "",
                "files": r.files,
                "sha256": str(r.sha256)[:16],
                "validated": str(r.validated_at)[:19],
            }
        )
    return pd.DataFrame(rows)


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text, missing values as empty cells."""
    return frame.map(lambda v: "" if v is None or (not isinstance(v, list | tuple) and pd.isna(v)) else str(v))


def to_markdown(blocks: list[Block], image_dir: str) -> str:
    out = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {b.content}\n")
        elif b.kind == "h2":
            out.append(f"\n## {b.content}\n")
        elif b.kind == "p":
            out.append(f"{b.content}\n")
        elif b.kind == "img":
            out.append(f"![{b.name}]({image_dir}/{b.name}.png)\n")
        elif b.kind == "table":
            frame = _text(b.content).map(lambda s: s.replace("|", "\\|").replace("\n", " "))
            out.append("| " + " | ".join(frame.columns) + " |")
            out.append("|" + "---|" * len(frame.columns))
            out += ["| " + " | ".join(row) + " |" for row in frame.itertuples(index=False)]
            out.append("")
    return "\n".join(out)


def to_html(blocks: list[Block]) -> str:
    body = []
    for b in blocks:
        if b.kind in ("h1", "h2"):
            body.append(f"<{b.kind}>{html.escape(str(b.content))}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{html.escape(str(b.content))}</p>")
        elif b.kind == "img":
            data = base64.b64encode(b.content).decode()
            body.append(f'<img alt="{b.name}" src="data:image/png;base64,{data}">')
        elif b.kind == "table":
            frame = b.content
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
            rows = []
            for row in _text(frame).itertuples(index=False):
                cells = "".join(
                    f'<td class="{v}">{html.escape(v)}</td>' if v in COLORS else f"<td>{html.escape(v)}</td>"
                    for v in row
                )
                rows.append(f"<tr>{cells}</tr>")
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;font-size:14px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;"
        "vertical-align:top}th{background:#eee}"
        + "".join(f"td.{k}{{background:{v};color:white}}" for k, v in COLORS.items())
    )
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Diagnostic: reproduction</title>'
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>"
    )


def write_report(warehouse_path: Path, out_dir: Path) -> dict[str, Path]:
    con = connect_readonly(warehouse_path)
    try:
        blocks = build_blocks(con)
    finally:
        con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    images = out_dir / "img"
    images.mkdir(exist_ok=True)
    for b in blocks:
        if b.kind == "img":
            (images / f"{b.name}.png").write_bytes(b.content)
    paths = {"md": out_dir / "diagnostic.md", "html": out_dir / "diagnostic.html"}
    paths["md"].write_text(to_markdown(blocks, "img"), encoding="utf-8")
    paths["html"].write_text(to_html(blocks), encoding="utf-8")
    return paths
