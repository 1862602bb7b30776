"""Figure-by-figure reproduction of the diagnostic: published value, computed value, difference, status, why.

Runs inside the build (before publication) on the new warehouse: it loads the published figures (reference
data, never read by the transforms) and compares them with `indicator_values` through `figure_map.yml`.
Statuses: reproduced (equal at the printed precision) · differs · not_computable (the missing input named) ·
inconsistent_input (the published input contradicts real data or its own table; evidence in the explanation).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from sources.ors import rank_order_breaks

FIGURE_MAP = Path(__file__).parent / "figure_map.yml"
STATUSES = ("reproduced", "differs", "not_computable", "inconsistent_input")
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
    return f"{value:,.{max(precision, 0)}f}".replace(",", " ")


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
            name: "reproduces" if at_precision(v, precision) == printed else "does not reproduce"
            for name, v in (("linear", linear), ("compound", compound))
        }
        return linear, (
            f"from the printed populations, linear {fmt(linear, 3)} % {verdict['linear']}, "
            f"compound {fmt(compound, 3)} % {verdict['compound']}"
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
                f"; the count printed for {other.code} would give {fmt(100 * share, 1)} % here: the two rows look "
                "exchanged in the printed table"
            )
    return ""


def run(con: duckdb.DuckDBPyConnection, validated_dir: Path) -> dict:
    fmap = yaml.safe_load(FIGURE_MAP.read_text(encoding="utf-8"))
    figures = pd.read_parquet(validated_dir / "diagnostic.parquet")
    crosswalk = pd.read_parquet(validated_dir / "diagnostic_crosswalk.parquet")
    con.register("_figures", figures)
    con.register("_crosswalk", crosswalk)
    con.execute("CREATE OR REPLACE TABLE diagnostic_crosswalk AS SELECT * FROM _crosswalk ORDER BY table_id, territory")
    con.execute("""CREATE OR REPLACE TABLE published_figures AS
        SELECT f.*, c.level, c.code, c.geo_year FROM _figures f
        LEFT JOIN _crosswalk c ON c.table_id = f.table_id AND c.territory = f.territory ORDER BY f.figure_id""")
    con.unregister("_figures")
    con.unregister("_crosswalk")

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
        r[0] for r in con.sql("SELECT source_id FROM cfg_sources WHERE files LIKE '%diagnostic%'").fetchall()
    }
    check = con.sql("SELECT * FROM check_age_counts_vs_population").df()
    bounds = dict(con.sql("SELECT age_group, [min_share, max_share] FROM cfg_age_plausibility").fetchall())
    published = con.sql("SELECT * FROM published_figures").df()
    emd = con.sql("SELECT * FROM mart_mobilite").df()
    ors = pd.read_parquet(validated_dir / "ors_indicateurs.parquet")
    ors_breaks = {
        r.territoire: f"rank {r.rang} breaks the order of the values of the other printed ranks "
        f"(value {fmt(r.valeur, 0)})"
        for r in rank_order_breaks(ors).itertuples()
    }
    ors_breaks |= {
        r.territoire: f"rank {r.rang} outside 1–{r.nb_territoires}"
        for r in ors.itertuples()
        if not pd.isna(r.rang) and not 1 <= r.rang <= r.nb_territoires
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
        rows.append(_reproduce(fig, rule, fmap, lookup, extract_sources, check, bounds, by_row, ors_breaks, emd))
    result = pd.DataFrame(rows)
    con.register("_repro", result)
    con.execute("CREATE OR REPLACE TABLE reproduction AS SELECT * FROM _repro ORDER BY figure_id")
    con.unregister("_repro")
    counts = result.groupby("status").size().to_dict()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def _emd_check(out: dict, fig: dict, rule: dict, precision: int, emd: pd.DataFrame) -> dict:
    """Mobility figures are ranges over the agglomerations' surveys: check each configured survey against it."""
    if emd.empty:
        out["explanation"] = (
            "missing input: household travel surveys (EMD Béthune and Lens 2005–2006, Douai and "
            "Valenciennes 2012, Cerema standard microdata, not public): list their files under "
            "`emd` in origins.yml and each survey is checked against the printed range"
        )
        return out
    whole = emd[(emd.ventilation == "ensemble") & emd.indicateur.isin(rule["emd"])]
    values = whole.groupby("enquete")["valeur"].sum()
    low = 0.0 if rule.get("upper_bound") else fig["value"]
    high = fig["value"] if rule.get("upper_bound") or pd.isna(fig["value_max"]) else fig["value_max"]
    inside = {s: low <= at_precision(v, precision) <= high for s, v in values.items()}
    out["computed_value"] = float(values.mean()) if len(values) else None
    out["status"] = "reproduced" if inside and all(inside.values()) else "differs"
    listing = "; ".join(
        f"{s}: {fmt(v, precision + 1)} ({'within' if inside[s] else 'outside'})" for s, v in values.items()
    )
    out["explanation"] = (
        f"Published range [{fmt(low, precision)}, {fmt(high, precision)}] "
        f"({' + '.join(rule['emd'])}); surveys: {listing}. computed_value = mean of the surveys."
    )
    return out


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
        "explanation": "",
    }
    if fig["value"] is None or pd.isna(fig["value"]):
        out["explanation"] = "qualitative statement: no number printed"
        return out
    if rule is None:
        out["explanation"] = f"missing input: {fmap['not_yet'].get(fig['table_id'], fmap['not_yet']['prose'])}"
        return out
    precision = int(rule.get("precision", fig["precision"] if not pd.isna(fig["precision"]) else 0))
    out["precision"] = precision
    level, code = rule.get("level", fig["level"]), rule.get("code", fig["code"])
    geo_year = rule.get("geo_year", fig["geo_year"])
    mapped = level is not None and not pd.isna(level)
    if ("indicator" in rule or "change" in rule) and not mapped:
        out["explanation"] = f"printed territory « {fig['territory']} » is not in the crosswalk"
        return out
    computed = other = source_id = None
    where = f"{level} {code} (COG {geo_year})" if mapped else fig["territory"]
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
    out["computed_value"], out["computed_other_convention"] = computed, other
    notes, findings = [], []

    row_values = by_row[(fig["table_id"], fig["territory"])]
    identity = _identity(rule, row_values, precision, fig["value"]) if "identity" in rule else None
    if identity is not None:
        expected, how = identity
        if rule["identity"] == "rate" and "reproduces" in how.replace("does not reproduce", ""):
            notes.append(f"Convention check: {how}.")
        elif at_precision(expected, precision) == fig["value"]:
            notes.append(f"The printed value follows from its own row ({how}).")
        else:
            findings.append(f"the printed value does not follow from its own row: {how} = {fmt(expected, precision)}")

    if "components" in rule:
        parts = [row_values[c] for c in rule["components"]]
        total = row_values[rule["total"]]
        gap = sum(parts) - total
        if abs(gap) > 0.1 + 1e-9:
            flipped = parts[0] - parts[1]
            hint = (
                (
                    f"; with the opposite sign ({fmt(parts[0], 1)} + {fmt(-parts[1], 1)} = {fmt(flipped, 1)}) it "
                    "adds up, so the sign looks misprinted"
                )
                if abs(flipped - total) <= 0.1 + 1e-9
                else ""
            )
            findings.append(
                f"natural + migratory ({fmt(parts[0], 1)} + {fmt(parts[1], 1)} = {fmt(sum(parts), 1)}) "
                f"does not add up to the printed total rate {fmt(total, 1)}{hint}"
            )
        else:
            notes.append(
                f"Natural + migratory = {fmt(sum(parts), 1)} matches the printed total {fmt(total, 1)} "
                "at the printed precision."
            )

    if "row_sum_zero" in rule:
        parts = [row_values[c] for c in rule["row_sum_zero"]]
        tolerance = 0.05 * len(parts) + 1e-9  # each printed change is rounded to 0.1 point
        if abs(sum(parts)) > tolerance:
            findings.append(
                f"the changes of the row sum to {fmt(sum(parts), 1)} points, not 0 (shares of a total "
                f"move by zero in sum; rounding allows ±{fmt(tolerance, 2)})"
            )
        else:
            notes.append(f"The changes of the row sum to {fmt(sum(parts), 1)} points (0 within rounding).")

    if "gap_of" in rule:
        start, end = (row_values[c] for c in rule["gap_of"])
        if abs((end - start) - fig["value"]) > 0.1 + 1e-9:
            findings.append(
                f"the printed gap {fmt(fig['value'], 1)} is not the difference of the printed shares "
                f"({fmt(end, 1)} − {fmt(start, 1)} = {fmt(end - start, 1)})"
            )
        else:
            notes.append(f"The gap equals the difference of the printed shares ({fmt(end, 1)} − {fmt(start, 1)}).")

    if "total_row" in rule and fig["territory"] == rule["total_row"]:
        parts = [by_row.get((fig["table_id"], t), {}).get(fig["indicator"]) for t in rule["parts"]]
        if all(p is not None for p in parts):
            if abs(sum(parts) - fig["value"]) > 0.5:
                findings.append(
                    f"the total {fmt(fig['value'], 0)} is not the sum of its parts "
                    f"({' + '.join(fmt(p, 0) for p in parts)} = {fmt(sum(parts), 0)})"
                )
            else:
                notes.append(f"The total equals the sum of its parts ({' + '.join(fmt(p, 0) for p in parts)}).")

    if "same_as" in rule:
        ref = rule["same_as"]
        value = by_row.get((ref["table"], ref["territory"]), {}).get(ref["column"])
        if value is None:
            notes.append(f"Not found in {ref['table']}.")
        elif value != fig["value"]:
            findings.append(
                f"the text says {fmt(fig['value'], precision)} where {ref['table']} prints "
                f"{fmt(value, precision)} for « {ref['territory']} »"
            )
        else:
            notes.append(f"Consistent with {ref['table']} (« {ref['territory']} »: {fmt(value, precision)}).")

    if "persons_of" in rule:
        ref = rule["persons_of"]
        row = by_row.get((ref["table"], ref["territory"]), {})
        parts = [row.get(c) for c in ref["columns"]]
        if all(p is not None for p in parts):
            total = sum(parts)
            if total != fig["value"]:
                which = [c for c, p in zip(ref["columns"], parts, strict=True) if p == fig["value"]]
                hint = f"; it equals the column {which[0]} alone" if which else ""
                findings.append(
                    f"the text gives {fmt(fig['value'], 0)} persons where {ref['table']} « "
                    f"{ref['territory']} » sums to {fmt(total, 0)} ({' + '.join(fmt(p, 0) for p in parts)})" + hint
                )
            else:
                notes.append(f"Equal to the sum of {ref['table']} « {ref['territory']} » ({fmt(total, 0)}).")

    if "emd" in rule:
        return _emd_check(out, fig, rule, precision, emd)

    if "ors" in rule or rule.get("ors_rank"):
        rank_breaks = ors_breaks.get(fig["territory"])
        if rank_breaks:
            findings.append(rank_breaks)
        else:
            notes.append("Rank within 1–198 and consistent with the values of the other printed ranks.")

    if "plausibility" in rule:
        group = rule["plausibility"]
        count_col, share_col, ok_col = GROUPS[group]
        hit = check[
            (check.level == level)
            & (check.code == code)
            & (check.geo_year == geo_year)
            & (check.census_year == int(rule["period"]))
        ]
        if len(hit):
            row = hit.iloc[0]
            low, high = bounds[group]
            share = (
                f"{fmt(row[count_col], 0)} of {fmt(row.population, 0)} inhabitants = {fmt(100 * row[share_col], 1)} %"
            )
            if not bool(row[ok_col]):
                check = check.assign(_bounds=[tuple(bounds[group])] * len(check))
                findings.append(
                    f"implausible against the real population of {where}, census {rule['period']}: "
                    f"{share}, outside [{fmt(100 * low, 0)} %, {fmt(100 * high, 0)} %]" + _swap_hint(check, row, group)
                )
            else:
                notes.append(f"Plausible against the real population: {share}.")

    if computed is not None and not pd.isna(computed):
        out["difference"] = computed - fig["value"]
    if rule.get("note"):
        notes.append(rule["note"])
    if findings:
        out["status"] = "inconsistent_input"
        out["explanation"] = "Finding: " + "; ".join(findings) + ". " + " ".join(notes)
    elif computed is None or pd.isna(computed):
        reason = (
            rule.get("missing")
            or rule.get("indicator")
            or "no independent input; the figure is checked against the table it quotes"
        )
        out["explanation"] = f"missing input: {reason}. " + " ".join(notes)
    elif rule.get("missing") and source_id in extract_sources and level in rule.get("by_construction", [level]):
        out["explanation"] = (
            f"missing independent input: {rule['missing']}; the bundled value equals the printed "
            "one by construction. " + " ".join(notes)
        )
    else:
        rounded = at_precision(computed, precision)
        out["status"] = "reproduced" if rounded == fig["value"] else "differs"
        conv = f" ({rule['indicator']})" if "other" in rule else ""
        text = (
            f"Computed {fmt(computed, precision + 2)}{conv} for {where}, {fmt(rounded, precision)} at the "
            f"printed precision; printed {fig['value_text']}"
        )
        if out["status"] == "differs":
            rel = f", {fmt(100 * out['difference'] / fig['value'], 3)} %" if fig["value"] else ""
            text += f"; difference {fmt(out['difference'], precision + 2)}{rel}"
        if other is not None and not pd.isna(other):
            text += (
                f". Other convention ({rule['other']}): {fmt(other, precision + 2)} → "
                f"{'reproduces' if at_precision(other, precision) == fig['value'] else 'does not reproduce'}"
            )
        out["explanation"] = text + ". " + " ".join(notes)
    out["explanation"] = out["explanation"].strip()
    return out
