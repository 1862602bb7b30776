"""Figure-by-figure reproduction of the diagnostic: published value, computed value, difference, status, why.

Runs inside the build (before publication) on the new warehouse: it loads the published figures (reference
data, never read by the transforms) and compares them with `indicator_values` through `figure_map.yml`.
Statuses: reproduced (equal at the printed precision, recomputed from data independent of the document) ·
consistent (the document's own arithmetic redone on its printed inputs: bundled extracts, identities, sums) ·
differs (quantified) · inconsistent_input (the printed input contradicts real data or its own table) ·
not_computable (the dataset that would compute it is named) · not_statistical (a printed number that is not a
statistic: programme counts, dates, targets). Columns `rule`, `source_kind`, `evidence_value` say what decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import yaml

FIGURE_MAP = Path(__file__).parent / "figure_map.yml"
# Figure id → the dataset that would compute it (producer, product, variables, geography, year) or its kind
# (not_statistical: a programme count, a date, a target; qualitative: no number printed).
MISSING_DATASETS = Path(__file__).parent / "missing_datasets.yml"
MISSING_COLUMNS = ("dataset", "producer", "product", "variables", "geography", "year")
STATUSES = ("reproduced", "consistent", "differs", "inconsistent_input", "not_computable", "not_statistical")
GROUPS = {
    "under_20": ("pop_under_20", "share_under_20", "under_20_plausible"),
    "over_60": ("pop_60_plus", "share_60_plus", "over_60_plausible"),
}


def at_precision(value: float, precision: int) -> float:
    """Round half away from zero, as printed tables do (Python's round() rounds half to even)."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP))


def fmt(value: float | None, precision: int = 2) -> str:
    if value is None or pd.isna(value):
        return "—"
    # French: thin space between thousands, decimal comma, true minus
    return f"{value:,.{max(precision, 0)}f}".replace(",", "\u202f").replace(".", ",").replace("-", "−")


def _identity(rule: dict, row: dict, precision: int, printed: float) -> tuple[float, str] | None:
    """The figure recomputed from the other printed values of its own row."""
    inputs = [row.get(c) for c in rule.get("inputs", [])]
    if not inputs or any(v is None for v in inputs):
        return None
    kind = rule["identity"]
    if kind == "difference":
        return inputs[1] - inputs[0], f"{fmt(inputs[1], 0)} − {fmt(inputs[0], 0)}"
    if kind == "relative":
        return 100 * (inputs[1] - inputs[0]) / inputs[
            0
        ], f"100 × ({fmt(inputs[1], 0)} − {fmt(inputs[0], 0)}) / {fmt(inputs[0], 0)}"
    if kind == "ratio100":
        return 100 * inputs[0] / inputs[1], f"100 × {fmt(inputs[0], 0)} / {fmt(inputs[1], 0)}"
    if kind == "rate":
        p0, p1, n = inputs[0], inputs[1], rule["years"]
        linear, compound = (p1 - p0) / p0 / n * 100, ((p1 / p0) ** (1 / n) - 1) * 100
        verdict = {
            name: "reproduit" if at_precision(v, precision) == printed else "ne reproduit pas"
            for name, v in (("linear", linear), ("compound", compound))
        }
        return linear, (
            f"depuis les populations imprimées, linéaire {fmt(linear, 3)} % {verdict['linear']}, "
            f"composé {fmt(compound, 3)} % {verdict['compound']}"
        )
    raise ValueError(f"unknown identity {kind}")


def _swap_hint(check: pd.DataFrame, row: pd.Series, group: str) -> str:
    """Would the counts of another implausible row fit this territory? (printed rows exchanged)"""
    count_col, _, ok_col = GROUPS[group]
    for _, other in check[(~check[ok_col].astype(bool)) & (check.code != row.code)].iterrows():
        share = other[count_col] / row.population
        low, high = other.get("_bounds", (None, None))
        if low is not None and low <= share <= high:
            return (
                f" ; l'effectif imprimé pour {other.code} donnerait ici {fmt(100 * share, 1)} % : les deux lignes "
                "semblent interverties dans le tableau imprimé"
            )
    return ""


def run(con: duckdb.DuckDBPyConnection) -> dict:
    """The reproduction stage: reads the built warehouse only (the reference tables published_figures and
    diagnostic_crosswalk, indicator values, checks, cfg_sources) and writes the `reproduction` table."""
    fmap = yaml.safe_load(FIGURE_MAP.read_text(encoding="utf-8"))

    values = con.sql("""SELECT v.indicator_id, v.level, v.code, v.geo_year, v.period, v.value, v.source_id
                        FROM indicator_values v
                        SEMI JOIN (SELECT DISTINCT level, code, geo_year FROM diagnostic_crosswalk
                                   UNION SELECT 'grouping', 'bassin_minier', 2011) t USING (level, code, geo_year)
                     """).df()
    lookup = {
        (r.indicator_id, r.level, r.code, int(r.geo_year), r.period): (r.value, r.source_id)
        for r in values.itertuples()
    }
    extract_sources = {
        r[0] for r in con.sql("SELECT source_id FROM cfg_sources WHERE source_kind = 'document_extract'").fetchall()
    }
    check = con.sql("SELECT * FROM check_age_counts_vs_population").df()
    bounds = dict(con.sql("SELECT age_group, [min_share, max_share] FROM cfg_age_plausibility").fetchall())
    published = con.sql("SELECT * FROM published_figures").df()
    emd = con.sql("SELECT * FROM mart_mobilite").df()
    flows = _flow_totals(con, fmap)
    ors = con.sql("SELECT territory, indicator, period, value, rank, n_territories, breaks_rank_order "
                  "FROM stg_ors_indicateurs").df()
    ors_breaks = {
        r.territory: f"rank {r.rank} breaks the order of the values of the other printed ranks "
        f"(value {fmt(r.value, 0)})"
        for r in ors[ors.breaks_rank_order].itertuples()
    }
    ors_breaks |= {
        r.territory: f"rank {r.rank} outside 1–{r.n_territories}"
        for r in ors.itertuples()
        if not pd.isna(r.rank) and not 1 <= r.rank <= r.n_territories
    }
    by_row = {
        (t, terr): dict(zip(g.indicator, g.value, strict=True))
        for (t, terr), g in published.groupby(["table_id", "territory"])
    }

    rows = []
    for fig in published.to_dict("records"):
        rule = (
            fmap["tables"].get(fig["table_id"], {}).get(fig["indicator"])
            if fig["table_id"] != "prose"
            else fmap["prose"].get(fig["figure_id"])
        )
        if rule is not None and "flow_change" in rule:
            rows.append(_flow_change(fig, rule, fmap, flows[fig["figure_id"]]))
            continue
        rows.append(_reproduce(fig, rule, fmap, lookup, extract_sources, check, bounds, by_row, ors_breaks, emd))
    result = _name_missing_datasets(_published_nesting(con, pd.DataFrame(rows), fmap), fmap)
    con.register("_repro", result)
    con.execute("CREATE OR REPLACE TABLE reproduction AS SELECT * FROM _repro ORDER BY figure_id")
    con.unregister("_repro")
    counts = result.groupby("status").size().to_dict()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


# Printed counts that add up over territories: a sub-territory's printed count is checked against its parent's.
NESTED_COUNTS = ("population", "pop_moins_20_ans", "pop_60_ans_et_plus", "effectif_salarie_prive")


def _published_nesting(con: duckdb.DuckDBPyConnection, result: pd.DataFrame, fmap: dict) -> pd.DataFrame:
    """Nesting of the document's own tables: a printed count of a territory against the printed count of a
    territory that contains it (same table, column, period). It may not exceed it, and its share of it should be
    near its share of the real population (within a factor 2). Table `check_published_nesting`; a failure is a
    finding on the sub-territory's figure."""
    counts = pd.DataFrame(
        [
            {"table_id": t, "indicator": column}
            for t, columns in fmap["tables"].items()
            for column, rule in columns.items()
            if rule.get("indicator") in NESTED_COUNTS
        ]
    )
    con.register("_counts", counts)
    con.execute("""CREATE OR REPLACE TABLE check_published_nesting AS
        WITH f AS (
            SELECT p.figure_id, p.table_id, p.indicator, p.period, p.territory, p.level, p.code, p.geo_year, p.value
            FROM published_figures p SEMI JOIN _counts USING (table_id, indicator)
            WHERE p.level IS NOT NULL AND p.value IS NOT NULL
        ),
        territories AS (SELECT DISTINCT level, code, geo_year FROM f),
        communes AS (
            SELECT g.geo_year, g.codgeo, z.level, z.code
            FROM geo_commune g, LATERAL (SELECT unnest([
                {'level': 'epci', 'code': g.epci}, {'level': 'ze2010', 'code': g.ze2010},
                {'level': 'ze2020', 'code': g.ze2020}, {'level': 'arrondissement', 'code': g.arrondissement},
                {'level': 'departement', 'code': g.departement}, {'level': 'region', 'code': g.region},
                {'level': 'france_metro', 'code': CASE WHEN g.france_metro THEN 'FM' END}]
                || [{'level': 'grouping', 'code': x} FOR x IN coalesce(g.groupings, [])], recursive := true)) z
            SEMI JOIN territories t ON t.level = z.level AND t.code = z.code AND t.geo_year = g.geo_year
        ),
        sizes AS (SELECT geo_year, level, code, count(*) AS n FROM communes GROUP BY ALL),
        shared AS (
            SELECT a.geo_year, a.level AS child_level, a.code AS child_code, b.level AS parent_level,
                   b.code AS parent_code, count(*) AS n
            FROM communes a JOIN communes b USING (geo_year, codgeo)
            WHERE a.level <> b.level OR a.code <> b.code
            GROUP BY ALL
        ),
        contained AS (
            SELECT s.* FROM shared s
            JOIN sizes c ON c.geo_year = s.geo_year AND c.level = s.child_level AND c.code = s.child_code AND c.n = s.n
            JOIN sizes p ON p.geo_year = s.geo_year AND p.level = s.parent_level AND p.code = s.parent_code
                        AND p.n > s.n
        ),
        pop AS (
            SELECT level, code, geo_year, value FROM indicator_values
            WHERE indicator_id = 'population' AND period = (geo_year - 2)::VARCHAR
        )
        SELECT c.table_id, c.indicator, c.period, c.figure_id AS child_figure_id, c.territory AS child_territory,
               p.figure_id AS parent_figure_id, p.territory AS parent_territory, c.value AS child_value,
               p.value AS parent_value, c.value / nullif(p.value, 0) AS printed_share,
               cp.value / nullif(pp.value, 0) AS population_share,
               c.value <= p.value AND (cp.value IS NULL OR pp.value IS NULL OR
                   c.value / nullif(p.value, 0) BETWEEN 0.5 * cp.value / pp.value AND 2 * cp.value / pp.value)
                   AS consistent
        FROM f c
        JOIN contained k ON k.geo_year = c.geo_year AND k.child_level = c.level AND k.child_code = c.code
        JOIN f p ON p.table_id = c.table_id AND p.indicator = c.indicator AND p.period IS NOT DISTINCT FROM c.period
                AND p.geo_year = c.geo_year AND p.level = k.parent_level AND p.code = k.parent_code
        LEFT JOIN pop cp ON cp.level = c.level AND cp.code = c.code AND cp.geo_year = c.geo_year
        LEFT JOIN pop pp ON pp.level = p.level AND pp.code = p.code AND pp.geo_year = p.geo_year
        ORDER BY c.table_id, c.indicator, c.figure_id, p.figure_id""")
    con.unregister("_counts")
    failures = con.sql("SELECT * FROM check_published_nesting WHERE NOT consistent").df()
    for child, rows in failures.groupby("child_figure_id"):
        i = result.index[result["figure_id"] == child][0]
        finding = " ; ".join(
            f"l'effectif imprimé {fmt(r.child_value, 0)} fait {fmt(100 * r.printed_share, 1)} % des "
            f"{fmt(r.parent_value, 0)} imprimés pour « {r.parent_territory} », qui le contient, alors que sa "
            f"population fait {fmt(100 * r.population_share, 1)} % de celle de ce territoire"
            for r in rows.itertuples()
        )
        if result.at[i, "status"] == "inconsistent_input":
            result.at[i, "explanation"] = f"{result.at[i, 'explanation']} Emboîtement : {finding}."
            result.at[i, "decided_by"] = f"{result.at[i, 'decided_by']},published_nesting"
        else:
            result.at[i, "explanation"] = f"Constat : {finding}. {result.at[i, 'explanation']}"
            result.at[i, "status"], result.at[i, "decided_by"] = "inconsistent_input", "published_nesting"
    return result


def _name_missing_datasets(result: pd.DataFrame, fmap: dict) -> pd.DataFrame:
    """Every figure left not_computable names the dataset that would compute it (missing_datasets.yml), or is a
    printed number that is not a statistic (not_statistical)."""
    # 400 KB: libyaml's loader where PyYAML has it (0.05 s instead of 0.5 s), the same mapping
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    needs = yaml.load(MISSING_DATASETS.read_text(encoding="utf-8"), Loader=loader) if MISSING_DATASETS.exists() else {}
    for column in MISSING_COLUMNS:
        result[f"missing_{column}"] = None
    for i in result.index[result["status"] == "not_computable"]:
        need = needs.get(result.at[i, "figure_id"]) or {}
        if need.get("kind") in ("not_statistical", "qualitative") or result.at[i, "decided_by"] == "qualitative":
            result.at[i, "status"] = "not_statistical"
            if need.get("kind") == "not_statistical":
                what = f": {need['note']}" if need.get("note") else ""
                result.at[i, "explanation"] = f"pas une statistique du territoire (missing_datasets.yml){what}"
            continue
        for column in MISSING_COLUMNS:
            if need.get(column) is not None:
                result.at[i, f"missing_{column}"] = str(need[column])
        if need.get("product") and str(need["product"]) not in result.at[i, "explanation"]:
            named = (
                f"donnée manquante : {need['product']} ({need.get('producer')}) ; "
                f"variables : {need.get('variables')} ; "
                f"géographie : {need.get('geography')} ; année : {need.get('year')}"
            )
            placeholders = {f"donnée manquante : {text}" for text in fmap["not_yet"].values()}
            placeholder = result.at[i, "explanation"] in placeholders
            result.at[i, "explanation"] = named if placeholder else f"{named}. {result.at[i, 'explanation']}"
    return result


def _emd_check(out: dict, fig: dict, rule: dict, precision: int, emd: pd.DataFrame) -> dict:
    """Mobility figures are ranges over the agglomerations' surveys: check each configured survey against it."""
    if emd.empty:
        out["explanation"] = (
            "donnée manquante : enquêtes ménages déplacements (EMD Béthune et Lens 2005–2006, Douai et "
            "Valenciennes 2012, microdonnées standard du Cerema, non publiques) : déclarer le manifeste et les "
            "fichiers de chaque enquête sous `emd` dans origins.yml (docs/emd-surveys.md), chaque enquête est alors "
            "comparée à la fourchette imprimée"
        )
        return out
    whole = emd[(emd.ventilation == "ensemble") & emd.indicateur.isin(rule["emd"])]
    values = whole.groupby("enquete")["valeur"].sum()
    if values.empty:  # e.g. car occupancy needs the legs file, which a delivery may lack
        surveys = ", ".join(sorted(emd.enquete.unique()))
        out["explanation"] = (f"donnée manquante : aucune enquête configurée ({surveys}) ne donne "
                              f"{' + '.join(rule['emd'])}")
        return out
    low = 0.0 if rule.get("upper_bound") else fig["value"]
    high = fig["value"] if rule.get("upper_bound") or pd.isna(fig["value_max"]) else fig["value_max"]
    inside = {s: low <= at_precision(v, precision) <= high for s, v in values.items()}
    out["computed_value"] = float(values.mean()) if len(values) else None
    out["status"] = "reproduced" if inside and all(inside.values()) else "differs"
    listing = "; ".join(
        f"{s} : {fmt(v, precision + 1)} ({'dans la fourchette' if inside[s] else 'hors de la fourchette'})"
        for s, v in values.items()
    )
    out["explanation"] = (
        f"Fourchette publiée [{fmt(low, precision)} ; {fmt(high, precision)}] "
        f"({' + '.join(rule['emd'])}) ; enquêtes : {listing}. Valeur recalculée = moyenne des enquêtes."
    )
    return out


# Census flows between two territories of different levels (an EPCI and a grouping): summed from the commune
# pairs of mart_navettes_flux, each end taken by its membership in geo_commune of the same geography.
FLOW_SIDES = {
    "epci": "m.epci = '{code}'",
    "grouping": "list_contains(m.groupings, '{code}')",
    "arrondissement": "m.arrondissement = '{code}'",
    "ze2010": "m.ze2010 = '{code}'",
}


def _flow_totals(con: duckdb.DuckDBPyConnection, fmap: dict) -> dict[str, tuple[dict[str, float], str | None]]:
    """Figure id → ({census edition: the commuters from its origin to its destination}, the configured flow
    sources) for every `flow_change` figure of figure_map.yml, on the figure's geography (flows carried there
    through the passage tables)."""
    configured = [s for s, in con.sql(
        "SELECT source_id FROM cfg_sources WHERE source_id IN ('insee_fd_mobpro', 'insee_base_flux_mobpro') "
        "AND sha256 NOT LIKE 'not_configured:%' ORDER BY source_id").fetchall()]
    out: dict[str, tuple[dict[str, float], str | None]] = {}
    for figure_id, rule in (fmap.get("prose") or {}).items():
        flow = (rule or {}).get("flow_change")
        if not flow:
            continue
        o, d = flow["origin"], flow["destination"]
        rows = con.sql(f"""
            SELECT f.recensement, sum(f.actifs_occupes_flux) AS w, count(*) AS pairs
            FROM mart_navettes_flux f
            JOIN geo_commune m ON m.geo_year = f.millesime_geo AND m.codgeo = f.origine
            JOIN geo_commune n ON n.geo_year = f.millesime_geo AND n.codgeo = f.destination
            WHERE f.niveau = 'commune' AND f.dimension = 'ensemble' AND f.millesime_geo = {int(flow["geo_year"])}
              AND f.recensement IN ('{flow["from"]}', '{flow["to"]}')
              AND {FLOW_SIDES[o["level"]].format(code=o["code"])}
              AND {FLOW_SIDES[d["level"]].format(code=d["code"]).replace("m.", "n.")}
            GROUP BY ALL""").fetchall()
        out[figure_id] = ({str(edition): float(w) for edition, w, _ in rows}, ",".join(configured) or None)
    return out


def _flow_change(fig: dict, rule: dict, fmap: dict, found: tuple[dict[str, float], str | None]) -> dict:
    """A change between two census editions of the commuters from one territory to another (%). Without any of
    the two editions in the warehouse, the figure is left to missing_datasets.yml as before; with one only, the
    missing edition is named."""
    flow = rule["flow_change"]
    totals, source_id = found
    out = _reproduce(fig, None, fmap, {}, set(), None, None, None, None, None)  # the not-computable row
    if not totals:
        return out
    precision = int(rule.get("precision", fig["precision"]))
    out["precision"] = precision
    missing = [e for e in (flow["from"], flow["to"]) if e not in totals]
    sources = "fichier détail MOBPRO (insee_fd_mobpro) ou base flux (insee_base_flux_mobpro)"
    if missing:
        out["explanation"] = (
            f"donnée manquante : recensement {', '.join(missing)} des navettes domicile-travail, {sources} ; "
            f"recensement(s) présent(s) dans l'entrepôt : {', '.join(sorted(totals))}")
        return out
    before, after = totals[flow["from"]], totals[flow["to"]]
    if not before:
        out["explanation"] = f"aucun actif occupé de l'origine vers la destination au recensement {flow['from']}"
        return out
    computed = 100 * (after / before - 1)
    rounded = at_precision(computed, precision)
    out.update(
        computed_value=computed, difference=computed - fig["value"], decided_by="flow_change",
        status="reproduced" if rounded == fig["value"] else "differs", source_id=source_id,
        source_kind="independent",
    )
    text = (
        f"Recalculé : {fmt(computed, precision + 2)} % ({fmt(before, 0)} actifs occupés au recensement "
        f"{flow['from']}, {fmt(after, 0)} en {flow['to']}, flux sommés sur les paires de communes de la géographie "
        f"{flow['geo_year']}), soit {fmt(rounded, precision)} à la précision imprimée ; imprimé : {fig['value_text']}"
    )
    if out["status"] == "differs":
        text += f" ; écart {fmt(out['difference'], precision + 2)} points"
    out["explanation"] = text + (f". {rule['note']}" if rule.get("note") else "")
    return out


@dataclass
class Check:
    """What one rule found on one figure: a finding (the printed input contradicts something) or a note."""

    rule: str
    finding: str | None = None
    note: str | None = None
    evidence: float | None = None  # the value the rule recomputed, when it recomputes one
    arithmetic: bool = True  # the document's own arithmetic redone (a pass makes the figure `consistent`)


@dataclass
class Context:
    fig: dict
    rule: dict
    precision: int
    level: str | None
    code: str | None
    geo_year: int | None
    where: str
    row_values: dict
    by_row: dict
    check: pd.DataFrame
    bounds: dict
    ors_breaks: dict


def check_identity(c: Context) -> Check | None:
    identity = _identity(c.rule, c.row_values, c.precision, c.fig["value"])
    if identity is None:
        return None
    expected, how = identity
    if c.rule["identity"] == "rate" and "reproduit" in how.replace("ne reproduit pas", ""):
        return Check("identity", note=f"Contrôle de convention : {how}.", evidence=expected)
    if at_precision(expected, c.precision) == c.fig["value"]:
        return Check("identity", note=f"La valeur imprimée découle de sa propre ligne ({how}).", evidence=expected)
    return Check(
        "identity",
        finding=f"la valeur imprimée ne découle pas de sa propre ligne : {how} = {fmt(expected, c.precision)}",
        evidence=expected,
    )


def check_components(c: Context) -> Check:
    parts = [c.row_values[k] for k in c.rule["components"]]
    total = c.row_values[c.rule["total"]]
    if abs(sum(parts) - total) <= 0.1 + 1e-9:
        return Check(
            "components",
            note=f"Naturel + migratoire = {fmt(sum(parts), 1)}, égal au total imprimé {fmt(total, 1)} "
            "à la précision imprimée.",
            evidence=sum(parts),
        )
    flipped = parts[0] - parts[1]
    hint = (
        f" ; avec le signe opposé ({fmt(parts[0], 1)} + {fmt(-parts[1], 1)} = {fmt(flipped, 1)}) it "
        "tombe juste : le signe semble mal imprimé"
        if abs(flipped - total) <= 0.1 + 1e-9
        else ""
    )
    return Check(
        "components",
        finding=f"naturel + migratoire ({fmt(parts[0], 1)} + {fmt(parts[1], 1)} = {fmt(sum(parts), 1)}) "
        f"ne donne pas le taux total imprimé {fmt(total, 1)}{hint}",
        evidence=sum(parts),
    )


def check_row_sum_zero(c: Context) -> Check:
    parts = [c.row_values[k] for k in c.rule["row_sum_zero"]]
    tolerance = 0.05 * len(parts) + 1e-9  # each printed change is rounded to 0.1 point
    if abs(sum(parts)) > tolerance:
        return Check(
            "row_sum_zero",
            finding=f"les évolutions de la ligne totalisent {fmt(sum(parts), 1)} points, et non 0 (les parts d'un "
            f"total évoluent de zéro au total ; l'arrondi tolère ±{fmt(tolerance, 2)})",
            evidence=sum(parts),
        )
    return Check(
        "row_sum_zero",
        note=f"Les évolutions de la ligne totalisent {fmt(sum(parts), 1)} points (0 à l'arrondi près).",
        evidence=sum(parts),
    )


def check_gap_of(c: Context) -> Check:
    start, end = (c.row_values[k] for k in c.rule["gap_of"])
    if abs((end - start) - c.fig["value"]) > 0.1 + 1e-9:
        return Check(
            "gap_of",
            finding=f"l'écart imprimé {fmt(c.fig['value'], 1)} n'est pas la différence des parts imprimées "
            f"({fmt(end, 1)} − {fmt(start, 1)} = {fmt(end - start, 1)})",
            evidence=end - start,
        )
    return Check(
        "gap_of",
        note=f"L'écart est égal à la différence des parts imprimées ({fmt(end, 1)} − {fmt(start, 1)}).",
        evidence=end - start,
    )


def check_total_row(c: Context) -> Check | None:
    if c.fig["territory"] != c.rule["total_row"]:
        return None
    parts = [c.by_row.get((c.fig["table_id"], t), {}).get(c.fig["indicator"]) for t in c.rule["parts"]]
    if any(p is None for p in parts):
        return None
    listing = " + ".join(fmt(p, 0) for p in parts)
    if abs(sum(parts) - c.fig["value"]) > 0.5:
        return Check(
            "total_row",
            finding=f"le total {fmt(c.fig['value'], 0)} n'est pas la somme de ses parties ({listing} = "
            f"{fmt(sum(parts), 0)})",
            evidence=sum(parts),
        )
    return Check("total_row", note=f"Le total est égal à la somme de ses parties ({listing}).", evidence=sum(parts))


def check_same_as(c: Context) -> Check:
    ref = c.rule["same_as"]
    value = c.by_row.get((ref["table"], ref["territory"]), {}).get(ref["column"])
    if value is None:
        return Check("same_as", note=f"Absent du tableau {ref['table']}.", arithmetic=False)
    if value != c.fig["value"]:
        return Check(
            "same_as",
            finding=f"le texte donne {fmt(c.fig['value'], c.precision)} là où le tableau {ref['table']} imprime "
            f"{fmt(value, c.precision)} pour « {ref['territory']} »",
            evidence=value,
        )
    return Check(
        "same_as",
        note=f"Cohérent avec le tableau {ref['table']} (« {ref['territory']} » : {fmt(value, c.precision)}).",
        evidence=value,
    )


def check_persons_of(c: Context) -> Check | None:
    ref = c.rule["persons_of"]
    row = c.by_row.get((ref["table"], ref["territory"]), {})
    parts = [row.get(k) for k in ref["columns"]]
    if any(p is None for p in parts):
        return None
    total = sum(parts)
    if total == c.fig["value"]:
        return Check(
            "persons_of",
            note=f"Égal à la somme du tableau {ref['table']}, « {ref['territory']} » ({fmt(total, 0)}).",
            evidence=total,
        )
    which = [k for k, p in zip(ref["columns"], parts, strict=True) if p == c.fig["value"]]
    hint = f" ; il est égal à la seule colonne {which[0]}" if which else ""
    return Check(
        "persons_of",
        finding=f"le texte donne {fmt(c.fig['value'], 0)} personnes là où le tableau {ref['table']}, "
        f"« {ref['territory']} », "
        f"totalise {fmt(total, 0)} ({' + '.join(fmt(p, 0) for p in parts)})" + hint,
        evidence=total,
    )


def check_ors_rank(c: Context) -> Check:
    rank_breaks = c.ors_breaks.get(c.fig["territory"])
    if rank_breaks:
        return Check("ors_rank", finding=rank_breaks)
    return Check("ors_rank", note="Rang compris entre 1 et 198, cohérent avec les valeurs des autres rangs imprimés.")


def check_plausibility(c: Context) -> Check | None:
    group = c.rule["plausibility"]
    count_col, share_col, ok_col = GROUPS[group]
    check = c.check
    hit = check[
        (check.level == c.level)
        & (check.code == c.code)
        & (check.geo_year == c.geo_year)
        & (check.census_year == int(c.rule["period"]))
    ]
    if not len(hit):
        return None
    row = hit.iloc[0]
    low, high = c.bounds[group]
    share = f"{fmt(row[count_col], 0)} sur {fmt(row.population, 0)} habitants = {fmt(100 * row[share_col], 1)} %"
    if bool(row[ok_col]):
        return Check(
            "plausibility",
            note=f"Plausible au regard de la population réelle : {share}.",
            arithmetic=False,
            evidence=100 * row[share_col],
        )
    check = check.assign(_bounds=[tuple(c.bounds[group])] * len(check))
    return Check(
        "plausibility",
        finding=f"invraisemblable au regard de la population réelle de {c.where}, recensement {c.rule['period']} : "
        f"{share}, hors de [{fmt(100 * low, 0)} %, {fmt(100 * high, 0)} %]" + _swap_hint(check, row, group),
        evidence=100 * row[share_col],
    )


# One function per rule of figure_map.yml, run in this order when the rule names its key.
RULES: dict[str, Callable[[Context], Check | None]] = {
    "identity": check_identity,
    "components": check_components,
    "row_sum_zero": check_row_sum_zero,
    "gap_of": check_gap_of,
    "total_row": check_total_row,
    "same_as": check_same_as,
    "persons_of": check_persons_of,
    "ors": check_ors_rank,
    "plausibility": check_plausibility,
}


def _computed(rule: dict, lookup: dict, level, code, geo_year) -> tuple[float | None, float | None, str | None]:
    """The figure's value in the warehouse (and in the other rate convention), with its source id."""
    computed = other = source_id = None
    if "indicator" in rule:
        key = (level, code, int(geo_year), str(rule["period"]))
        computed, source_id = lookup.get((rule["indicator"], *key), (None, None))
        other = lookup.get((rule["other"], *key), (None, None))[0] if "other" in rule else None
    if "change" in rule:  # a change in points between two periods of one indicator
        change = rule["change"]
        ends = [
            lookup.get((change["indicator"], level, code, int(geo_year), change[k]), (None, None))
            for k in ("from", "to")
        ]
        if all(v is not None and not pd.isna(v) for v, _ in ends):
            computed, source_id = ends[1][0] - ends[0][0], ends[1][1]
    return computed, other, source_id


def _reproduce(fig, rule, fmap, lookup, extract_sources, check, bounds, by_row, ors_breaks, emd) -> dict:
    out = {
        "figure_id": fig["figure_id"],
        "table_id": fig["table_id"],
        "territory": fig["territory"],
        "indicator": fig["indicator"],
        "period": fig["period"],
        "published_value": fig["value"],
        "precision": fig["precision"],
        "computed_value": None,
        "computed_other_convention": None,
        "difference": None,
        "status": "not_computable",
        "decided_by": None,
        "source_id": None,
        "source_kind": None,
        "evidence_value": None,
        "explanation": "",
    }
    if fig["value"] is None or pd.isna(fig["value"]):
        out["decided_by"] = "qualitative"
        out["explanation"] = "énoncé qualitatif : aucun nombre imprimé"
        return out
    if rule is None:
        out["decided_by"] = "missing_input"
        out["explanation"] = f"donnée manquante : {fmap['not_yet'].get(fig['table_id'], fmap['not_yet']['prose'])}"
        return out
    precision = int(rule.get("precision", fig["precision"] if not pd.isna(fig["precision"]) else 0))
    out["precision"] = precision
    level, code = rule.get("level", fig["level"]), rule.get("code", fig["code"])
    geo_year = rule.get("geo_year", fig["geo_year"])
    mapped = level is not None and not pd.isna(level)
    if ("indicator" in rule or "change" in rule) and not mapped:
        out["decided_by"] = "crosswalk"
        out["explanation"] = f"le territoire imprimé « {fig['territory']} » est absent de la table de correspondance"
        return out
    where = f"{level} {code} (COG {geo_year})" if mapped else fig["territory"]
    computed, other, source_id = _computed(rule, lookup, level, code, geo_year)
    out["computed_value"], out["computed_other_convention"] = computed, other
    if source_id is not None:
        out["source_id"] = source_id
        out["source_kind"] = "document_extract" if source_id in extract_sources else "independent"
    if "emd" in rule:
        out["decided_by"] = "emd_range"
        return _emd_check(out, fig, rule, precision, emd)

    context = Context(
        fig,
        rule,
        precision,
        level,
        code,
        geo_year,
        where,
        by_row[(fig["table_id"], fig["territory"])],
        by_row,
        check,
        bounds,
        ors_breaks,
    )
    rule_keys = set(rule) | ({"ors"} if rule.get("ors_rank") else set())
    checks = [c for key, fn in RULES.items() if key in rule_keys and (c := fn(context)) is not None]
    findings = [c for c in checks if c.finding]
    notes = [c.note for c in checks if c.note]
    passed = [c for c in checks if c.arithmetic and not c.finding]
    if checks:
        out["evidence_value"] = next((c.evidence for c in findings or checks if c.evidence is not None), None)

    if computed is not None and not pd.isna(computed):
        out["difference"] = computed - fig["value"]
    if rule.get("note"):
        notes.append(rule["note"])
    if findings:
        out["status"] = "inconsistent_input"
        out["decided_by"] = ",".join(c.rule for c in findings)
        out["explanation"] = "Constat : " + " ; ".join(c.finding for c in findings) + ". " + " ".join(notes)
    elif computed is None or pd.isna(computed):
        reason = (
            rule.get("missing")
            or rule.get("indicator")
            or "aucune donnée indépendante ; le chiffre est comparé au tableau qu'il cite"
        )
        if passed:
            # no independent input, but the document's own arithmetic was redone and holds
            out["status"] = "consistent"
            out["decided_by"] = ",".join(c.rule for c in passed)
            out["explanation"] = f"{' '.join(notes)} Non reproduit : donnée indépendante manquante : {reason}."
        else:
            out["decided_by"] = "missing_input"
            out["explanation"] = f"donnée manquante : {reason}. " + " ".join(notes)
    elif rule.get("missing") and source_id in extract_sources and level in rule.get("by_construction", [level]):
        out["decided_by"] = "missing_input"
        out["explanation"] = (
            f"donnée indépendante manquante : {rule['missing']} ; la valeur livrée est égale à la valeur imprimée "
            "par construction. " + " ".join(notes)
        )
    else:
        rounded = at_precision(computed, precision)
        out["decided_by"] = "change" if "change" in rule else "indicator"
        if rounded != fig["value"]:
            out["status"] = "differs"
        else:
            # equal: recomputed from independent data, or only the document's arithmetic on its printed counts
            out["status"] = "consistent" if source_id in extract_sources else "reproduced"
        conv = f" ({rule['indicator']})" if "other" in rule else ""
        origin = (" à partir des effectifs imprimés dans le diagnostic lui-même (extrait livré)"
                  if source_id in extract_sources else "")
        text = (
            f"Recalculé : {fmt(computed, precision + 2)}{conv} pour {where}{origin}, soit "
            f"{fmt(rounded, precision)} à la précision imprimée ; imprimé : {fig['value_text']}"
        )
        if out["status"] == "differs":
            rel = f", {fmt(100 * out['difference'] / fig['value'], 3)} %" if fig["value"] else ""
            text += f" ; écart {fmt(out['difference'], precision + 2)}{rel}"
        if other is not None and not pd.isna(other):
            text += (
                f". Autre convention ({rule['other']}) : {fmt(other, precision + 2)} → "
                f"{'reproduit' if at_precision(other, precision) == fig['value'] else 'ne reproduit pas'}"
            )
        out["explanation"] = text + ". " + " ".join(notes)
    out["explanation"] = out["explanation"].strip()
    return out
