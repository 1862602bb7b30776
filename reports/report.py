"""`observatoire report`: the observatory's publication, in French, as self-contained HTML and Markdown.

Reads only the published warehouse (read-only). Parts: 1. the diagnostic on today's data (`reports/today.py`),
per theme; 2. the 2013 edition table by table, printed figure beside the recomputation with its status;
3. annex: every `differs` and `inconsistent_input` figure with its explanation, `not_computable` figures counted
by missing input, counts by status, annual-rate conventions, sources and licences. Statuses are read from the
data (whatever values exist), never listed here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reports.essentiel import essentiel_blocks
from reports.maps import report_blocks as map_blocks
from reports.render import (
    Block,
    bar_chart,
    figure,
    fr,
    image_file,
    pretty_indicator,
    pretty_period,
    section,
    slug,
    status_chart,
    status_label,
    to_html,
    to_markdown,
)
from reports.today import THEMES, availability_audit, latest_census, latest_geo, territory_set, today_blocks
from warehouse.db import connect_readonly

TITLE = "Diagnostic partagé du Bassin minier : l'édition 2013 recalculée et actualisée"
TABLES = {
    "t1": "Tableau 1 — Jeunesse : moins de 20 ans, 60 ans et plus, indice de jeunesse (EPCI, 2009)",
    "t2": "Tableau 2 — Population des arrondissements, 1999–2009",
    "t3": "Tableau 3 — Évolution démographique des EPCI, 1990–2009",
    "t4": "Tableau 4 — Emploi salarié privé par zone d'emploi, 2008–2012",
    "t5": "Tableau 5 — Diplômes de la population non scolarisée de 15 ans et plus, 1999–2009",
    "t6": "Tableau 6 — Navettes : actifs au lieu de résidence et emplois au lieu de travail, 1999–2006",
    "t7": "Tableau 7 — Mortalité évitable liée au système de soins, 1982–2007",
    "t9": "Tableau 9 — Démences des 65 ans et plus, estimations 2000–2030",
    "prose": "Chiffres cités dans le texte",
}
MAX_BARS = 30  # a gap chart stays readable on one screen
SETTLED = ("reproduced", "consistent")  # statuses that need no explanation in the body
EXPLAINED = ("differs", "inconsistent_input")  # listed in full in the annex
COUNTED = ("not_computable",)  # counted by missing input in the annex


def _reproduction(con) -> pd.DataFrame:
    return con.sql(
        "SELECT r.*, p.unit AS printed_unit FROM reproduction r JOIN published_figures p USING (figure_id) "
        "ORDER BY r.table_id, r.figure_id"
    ).df()


def _dec(precision) -> int:
    return 0 if pd.isna(precision) else int(precision)


def _more(precision) -> int:
    """Recomputed values: one decimal more than printed, except for counts."""
    return _dec(precision) + 1 if _dec(precision) > 0 else 0


def _status_counts(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].value_counts().sort_index()


def _figures_table(part: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "territoire": part["territory"],
            "indicateur": part["indicator"].map(pretty_indicator),
            "période": part["period"].map(pretty_period),
            "publié (2013)": [fr(v, _dec(p)) for v, p in zip(part.published_value, part.precision, strict=True)],
            "recalculé": [fr(v, _more(p)) for v, p in zip(part.computed_value, part.precision, strict=True)],
            "écart": [fr(v, _more(p), sign=True) for v, p in zip(part.difference, part.precision, strict=True)],
            "statut": part["status"].map(status_label),
        }
    )


def _gap_charts(part: pd.DataFrame, table_id: str) -> list[Block]:
    """Gap recomputed − printed in the unit and with the decimals of the table beside it: one chart per printed
    unit, so that counts and rates never share an axis."""
    both = part.dropna(subset=["computed_value", "published_value"])
    charts = []
    number = TABLES[table_id].split(" — ")[0]
    for i, (unit, group) in enumerate(both.groupby(both.printed_unit.fillna(""), sort=True)):
        gap = group.computed_value - group.published_value
        decimals = max(_more(p) for p in group.precision)
        if len(group) > MAX_BARS:  # one screen: only the figures that move at the printed precision
            moves = gap.abs() >= 0.5 * 10.0 ** (-group.precision.astype(float))
            group, gap = group[moves], gap[moves]
        if len(group) < 2 or len(group) > MAX_BARS:
            continue
        labels = [f"{t} · {pretty_indicator(n)}" for t, n in zip(group.territory, group.indicator, strict=True)]
        shown_unit = unit or "unité du tableau"
        charts.append(figure(
            bar_chart(labels, gap.round(decimals).tolist(), f"{number} : écart recalculé − publié ({shown_unit})",
                      f"écart en {shown_unit} (0 = identique)", decimals=decimals),
            f"ecart_{table_id}_{i}",
            "Écart recalculé − publié",
            shown_unit,
            "diagnostic partagé (2013) et son recalcul",
            f"{len(group)} chiffres du {number.lower()}",
        ))
    return charts


def edition_2013_blocks(repro: pd.DataFrame) -> list[Block]:
    blocks = [
        *section(
            2,
            "L'édition 2013 recalculée, tableau par tableau",
            f"Les {len(repro)} chiffres imprimés dans le diagnostic partagé de décembre 2013, chacun recalculé "
            "depuis les données de l'entrepôt quand elles le permettent. Statuts : reproduit (égal à la précision "
            "imprimée, recalculé depuis des données indépendantes du document), cohérent (l'arithmétique du "
            "document refaite sur ses propres chiffres), diffère (écart chiffré), donnée d'entrée incohérente "
            "(le chiffre imprimé contredit les données réelles ou son propre tableau), non calculable (la donnée "
            "manquante est nommée en annexe). Les chiffres non calculables ne sont pas repris ici ligne à ligne.",
        ),
        Block("p", "En bref, chiffres par statut : " + " ; ".join(
            f"« {status_label(st)} » {n}" for st, n in _status_counts(repro).items())
            + ". Chaque tableau ci-dessous dit ce qui se reproduit et chiffre ce qui diffère ; l'explication de "
              "chaque écart est en annexe A, la donnée manquante de chaque chiffre non calculable en annexe B."),
        figure(status_chart(_status_counts(repro), "Chiffres publiés en 2013, par statut"), "statuts",
               "Chiffres par statut", "nombre de chiffres", "diagnostic partagé (2013) et son recalcul",
               "tous les tableaux et le texte"),
    ]
    themes_of = {t: theme for theme, (_, _, tables) in THEMES.items() for t in tables}
    for table_id, title in TABLES.items():
        part = repro[repro.table_id == table_id]
        if part.empty:
            continue
        theme = themes_of.get(table_id, "texte du diagnostic")
        counts = _status_counts(part)
        blocks += [
            Block("h3", f"{title} ({theme})", f"t-{table_id}"),
            Block("p", f"{len(part)} chiffres : " + ", ".join(f"{status_label(s)} {n}" for s, n in counts.items())
                  + "."),
        ]
        shown = part[~part.status.isin(COUNTED)]
        # figures whose only check is the document's own arithmetic, with nothing recomputed, are counted, not
        # listed, when they would fill a long table of empty cells
        bare = shown[(shown.status == "consistent") & shown.computed_value.isna()]
        if len(bare) > MAX_BARS:
            shown = shown.drop(bare.index)
            blocks.append(Block("p", f"{len(bare)} chiffres sont cohérents avec les autres chiffres du document (son "
                                     "arithmétique refaite sur ses propres chiffres) sans donnée indépendante pour les "
                                     "recalculer : ils ne sont pas repris ligne à ligne."))
        moved = shown[shown.status.isin(EXPLAINED)]
        if len(moved):
            blocks.append(Block("p", f"{len(moved)} chiffre{'s' if len(moved) > 1 else ''} de ce tableau "
                                     f"{'diffèrent' if len(moved) > 1 else 'diffère'} du recalcul ou "
                                     f"{'contredisent' if len(moved) > 1 else 'contredit'} les données réelles : "
                                     "l'écart est chiffré ci-dessous, son explication est donnée en annexe A."))
        blocks += _gap_charts(shown, table_id)
        if len(shown):
            blocks.append(Block("table", _figures_table(shown)))
        else:
            blocks.append(Block("p", "Aucun chiffre de ce tableau n'est calculable avec les données livrées : "
                                     "voir l'annexe pour la donnée manquante."))
    return blocks


def _missing_inputs(counted: pd.DataFrame) -> pd.DataFrame:
    """not_computable figures counted by the dataset that would compute them: the structured `missing_dataset`
    (with its producer and product) when the reproduction fills it, else the first clause of the explanation."""
    if "missing_dataset" in counted.columns and counted["missing_dataset"].notna().any():
        described = [c for c in ("missing_producer", "missing_product") if c in counted.columns]
        frame = counted.assign(missing_dataset=counted["missing_dataset"].fillna("(non précisé)"))
        out = frame.groupby(["table_id", "missing_dataset"]).agg(
            chiffres=("figure_id", "count"), **{c: (c, "first") for c in described}
        ).reset_index()
        names = {"table_id": "tableau", "missing_dataset": "jeu de données manquant",
                 "missing_producer": "producteur", "missing_product": "produit"}
        return out.sort_values(["table_id", "chiffres"], ascending=[True, False]).rename(
            columns=names)[[names[c] for c in ("table_id", "missing_dataset", *described)] + ["chiffres"]]
    text = counted["explanation"].fillna("")
    for abbreviation in ("e.g. ", "et al. ", "i.e. "):  # an abbreviation's dot does not end the clause
        text = text.str.replace(abbreviation, abbreviation.replace(" ", "\u00a0"), regex=False)
    reason = text.str.partition(";")[0].str.partition(". ")[0].str.rstrip(".").str.replace("\u00a0", " ", regex=False)
    out = counted.assign(reason=reason).groupby(["table_id", "reason"]).size().rename("chiffres").reset_index()
    return out.sort_values(["table_id", "chiffres"], ascending=[True, False]).rename(
        columns={"table_id": "tableau", "reason": "donnée manquante"})


def _conventions(repro: pd.DataFrame) -> pd.DataFrame:
    """Which annual-rate convention reproduces the printed rates, from the structured computed columns."""
    rates = repro.dropna(subset=["computed_value", "computed_other_convention", "published_value"])
    rows = []
    for table_id, group in rates.groupby("table_id"):
        scale = 10.0 ** group.precision.astype(float)

        def matches(column: str, group=group, scale=scale) -> int:
            return int(((group[column] * scale).round() == (group.published_value * scale).round()).sum())

        rows.append(
            {
                "tableau": table_id,
                "taux imprimés recalculés": len(group),
                "reproduits, convention principale": matches("computed_value"),
                "reproduits, autre convention": matches("computed_other_convention"),
            }
        )
    return pd.DataFrame(rows)


def annex_blocks(repro: pd.DataFrame, sources: pd.DataFrame, audit: pd.DataFrame) -> list[Block]:
    blocks = [
        *section(3, "Annexe technique", "Cette annexe s'adresse aux équipes techniques : elle nomme les tables, "
                 "les colonnes et les sources de l'entrepôt."),
        Block("h3", "État des données par thème", "annexe-donnees"),
        Block("table", audit),
    ]
    explained = repro[repro.status.isin(EXPLAINED)]
    blocks += [
        Block("h3", "A. Chiffres qui diffèrent ou dont la donnée d'entrée est incohérente", "annexe-ecarts"),
        Block("p", f"{len(explained)} chiffres, chacun avec son explication (table reproduction de l'entrepôt)."),
    ]
    for status, group in explained.groupby("status"):
        blocks += [
            Block("p", f"{status_label(status)} : {len(group)}"),
            Block("table", pd.DataFrame({
                "chiffre": group.figure_id,
                "territoire": group.territory,
                "publié": [fr(v, _dec(p)) for v, p in zip(group.published_value, group.precision, strict=True)],
                "recalculé": [fr(v, _more(p)) for v, p in zip(group.computed_value, group.precision, strict=True)],
                "explication": group.explanation,
            })),
        ]
    counted = repro[repro.status.isin(COUNTED)]
    blocks += [
        Block("h3", "B. Chiffres non calculables, par donnée manquante", "annexe-non-calculables"),
        Block("p", f"{len(counted)} chiffres non calculables, regroupés par la donnée qui manque ; la liste ligne à "
                   "ligne est dans la table `reproduction` de l'entrepôt."),
        Block("table", _missing_inputs(counted)),
    ]
    pivot = repro.pivot_table(index="table_id", columns="status", values="figure_id", aggfunc="count",
                              fill_value=0)
    pivot.loc["total"] = pivot.sum()
    pivot.columns = [status_label(c) for c in pivot.columns]
    blocks += [
        Block("h3", "C. Décompte par tableau et statut", "annexe-decompte"),
        Block("table", pivot.reset_index().rename(columns={"table_id": "tableau"})),
        Block("h3", "D. Convention des taux annuels moyens", "annexe-conventions"),
        Block("p", "Les taux annuels moyens sont recalculés dans les deux conventions, composée ((P1/P0)^(1/n) − 1) "
                   "et linéaire ((P1 − P0)/P0/n) : le nombre de taux imprimés que chacune reproduit dit laquelle "
                   "le document a employée."),
        Block("table", _conventions(repro)),
        Block("h3", "E. Sources, licences et attributions", "annexe-sources"),
        Block("table", _provenance(sources)),
    ]
    return blocks


def _provenance(sources: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in sources.itertuples():
        rows.append(
            {
                "source": r.source_id,
                "producteur": r.producer or "",
                "licence": r.licence or "",
                "attribution": r.attribution or "",
                "fichiers": r.files or "(aucun livré)",
                "sha256": f"{str(r.sha256)[:12]}…" if r.files else "",
            }
        )
    return pd.DataFrame(rows)


def build_blocks(con) -> list[Block]:
    repro = _reproduction(con)
    sources = con.sql("SELECT * FROM cfg_sources ORDER BY source_id").df()
    geo_year = latest_geo(con)
    census = latest_census(con, geo_year)
    rows = territory_set(con, geo_year, census)
    zones = rows[rows.level == "ze2020"].code.tolist()
    blocks = [
        Block("h1", TITLE),
        Block("links", [("Portraits des EPCI et des zones d'emploi du Bassin minier", "portraits/index.html")]),
    ]
    # « L'essentiel » is the first screen; the table of contents follows it
    blocks += essentiel_blocks(con, geo_year, zones, datetime.now(UTC).date())
    blocks.append(Block("toc"))
    blocks += today_blocks(con)
    blocks += map_blocks(con, geo_year)
    portraits = rows[rows.level.isin(["grouping", "epci", "ze2020"])]
    blocks += [
        Block("h3", "Portraits de territoire", "portraits"),
        Block("p", "Pour chaque EPCI et chaque zone d'emploi du Bassin minier, un portrait reprend les rubriques "
                   "du dossier complet de l'Insee que les données permettent :"),
        Block("links", [(r.label, f"portraits/{r.level}-{slug(r.code)}.html") for r in portraits.itertuples()]),
    ]
    blocks += edition_2013_blocks(repro)
    blocks += annex_blocks(repro, sources, availability_audit(con, geo_year))
    return blocks


def write_blocks(blocks: list[Block], out_dir: Path, stem: str, title: str) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    images = out_dir / "img"
    images.mkdir(exist_ok=True)
    for b in blocks:
        if b.kind == "figure":
            (images / image_file(b)).write_bytes(b.content)
    paths = {"md": out_dir / f"{stem}.md", "html": out_dir / f"{stem}.html"}
    paths["md"].write_text(to_markdown(blocks, "img"), encoding="utf-8")
    paths["html"].write_text(to_html(blocks, title), encoding="utf-8")
    return paths


def write_report(warehouse_path: Path, out_dir: Path) -> dict[str, Path]:
    con = connect_readonly(warehouse_path)
    try:
        blocks = build_blocks(con)
    finally:
        con.close()
    return write_blocks(blocks, out_dir, "diagnostic", TITLE)
