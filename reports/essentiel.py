"""« L'essentiel »: one screen of the Bassin minier's key figures beside its départements, région and France.

Every figure and every sentence is generated from the published warehouse: the latest geography and period of
each indicator are queried, the comparisons are computed here from those values (differences of rates, never an
average of rates). A flag of a value (provisional, suppressed) is shown in the reader's words.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from reports.render import Block, date_fr, flag_words, fr, quarter_fr

GROUPING = "bassin_minier"
# indicator → (label for the reader, unit shown after the number, decimals); the order is the table's
KEY_FIGURES = {
    "population": ("Population", "hab.", 0),
    "taux_variation_annuel_moyen_compose": ("Variation annuelle moyenne de la population", "% par an", 2),
    "taux_variation_annuel_solde_naturel": ("Variation due au solde naturel", "% par an", 2),
    "taux_variation_annuel_solde_migratoire_apparent": ("Variation due au solde migratoire apparent", "% par an", 2),
    "densite_population": ("Densité de population", "hab./km²", 1),
    "taux_chomage_recensement_15_64_ans": ("Chômage des 15–64 ans au recensement", "%", 1),
    "taux_vacance_logements": ("Logements vacants", "% des logements", 1),
}
RATES = {k for k, (_, unit, _) in KEY_FIGURES.items() if unit.startswith("%")}


def comparison_territories(con: duckdb.DuckDBPyConnection, geo_year: int) -> pd.DataFrame:
    """The grouping, then the départements and the région that hold it, then France métropolitaine."""
    return con.execute(
        """
        WITH d AS (SELECT 'grouping' AS level, ? AS code, 0 AS rank
                   UNION SELECT DISTINCT 'departement', departement, 1 FROM geo_commune
                   WHERE geo_year = ? AND list_contains(groupings, ?)
                   UNION SELECT DISTINCT 'region', region, 2 FROM geo_commune
                   WHERE geo_year = ? AND list_contains(groupings, ?)
                   UNION SELECT 'france_metro', 'FM', 3)
        SELECT d.level, d.code, coalesce(t.label, 'Bassin minier') AS label FROM d
        LEFT JOIN territories t ON t.level = d.level AND t.code = d.code AND t.geo_year = ?
        ORDER BY rank, code""",
        [GROUPING, geo_year, GROUPING, geo_year, GROUPING, geo_year],
    ).df()


def latest_values(con: duckdb.DuckDBPyConnection, indicator: str, places: pd.DataFrame,
                  period: str | None = None) -> tuple[str | None, int | None, dict[str, tuple[float, str]]]:
    """The latest period (or `period`) of an indicator that the grouping has, on its latest geography: values
    of every comparison territory for that period and geography (value, flags), keyed by level:code."""
    found = con.execute(
        "SELECT period, geo_year FROM indicator_values WHERE indicator_id = ? AND level = 'grouping' AND code = ? "
        "AND value IS NOT NULL AND (? IS NULL OR period = ?) "
        "ORDER BY regexp_extract(period, '([0-9]{4})(-T[1-4])?$', 1) DESC, period DESC, geo_year DESC LIMIT 1",
        [indicator, GROUPING, period, period],
    ).fetchall()
    if not found:
        return None, None, {}
    period, geo_year = found[0]
    out = {}
    for r in places.itertuples():
        rows = con.execute(
            "SELECT value, coalesce(flags, '') FROM indicator_values WHERE indicator_id = ? AND level = ? "
            "AND code = ? AND period = ? AND geo_year = ?", [indicator, r.level, r.code, period, geo_year]
        ).fetchall()
        if rows:
            out[f"{r.level}:{r.code}"] = rows[0]
    return period, geo_year, out


def _period_words(period: str) -> str:
    if "-" in period and "T" not in period:
        a, b = period.split("-")
        return f"{a}\u2060–\u2060{b}"  # word joiners: a period never breaks across lines
    return quarter_fr(period)


def _versus(value: float, other: float, rate: bool, decimals: int) -> str:
    """« 0,45 point au-dessus » / « 12,3 % au-dessous »: a difference of rates in points, of levels in %."""
    if rate:
        gap = value - other
        if round(gap, decimals) == 0:
            return "au même niveau"
        unit = "point" if abs(round(gap, decimals)) < 2 else "points"
        return f"{fr(abs(gap), decimals)} {unit} {'au-dessus' if gap > 0 else 'au-dessous'}"
    if not other:
        return ""
    ratio = value / other
    return f"{fr(ratio, 1)} fois" if ratio >= 1 else f"{fr(100 * (1 - ratio), 0)} % de moins que"


def unemployment_summary(con: duckdb.DuckDBPyConnection, zones: list[str]) -> tuple[str, list[str]]:
    """Latest localised unemployment rates of the Bassin minier's zones d'emploi: the sentence and what changed
    since the previous quarter (the previous edition of the series)."""
    if not zones:
        return "", []
    edition = con.execute("SELECT max(edition) FROM mart_chomage WHERE zonage = 'ze2020'").fetchall()[0][0]
    frame = con.execute(
        "SELECT code, libelle, trimestre, taux_chomage_pct, coalesce(flags, '') AS flags FROM mart_chomage "
        f"WHERE zonage = 'ze2020' AND edition = ? AND code IN ({', '.join('?' for _ in zones)}) "
        "AND taux_chomage_pct IS NOT NULL ORDER BY trimestre",
        [edition, *zones],
    ).df()
    if frame.empty:
        return "", []
    quarters = sorted(frame.trimestre.unique())
    last, before = quarters[-1], (quarters[-2] if len(quarters) > 1 else None)
    now = frame[frame.trimestre == last].sort_values("taux_chomage_pct")
    flags = flag_words(",".join(f for f in now["flags"] if "provisional" in f) and "provisional")
    low, high = now.iloc[0], now.iloc[-1]
    others = con.execute(
        "SELECT count(*) FROM mart_chomage WHERE edition = ? AND niveau IN ('departement', 'region', "
        "'france_metro')", [edition]).fetchall()[0][0]
    sentence = (
        f"Taux de chômage au {quarter_fr(last)}{flags} : de {fr(low.taux_chomage_pct, 1)} % (zone d'emploi de "
        f"{low.libelle}) à {fr(high.taux_chomage_pct, 1)} % ({high.libelle}) dans les {len(now)} zones d'emploi du "
        "Bassin minier. L'Insee ne publie pas ce taux pour le Bassin minier entier, et un taux ne se moyenne pas."
        + ("" if others else " La livraison reçue ne contient pas les taux du département, de la région et de la "
                             "France pour ce trimestre : la comparaison n'est pas possible ici.")
    )
    changes = []
    if before is not None:
        prev = frame[frame.trimestre == before].set_index("code").taux_chomage_pct
        cur = now.set_index("code").taux_chomage_pct
        delta = (cur - prev.reindex(cur.index)).dropna()
        if len(delta):
            up, down = int((delta.round(1) > 0).sum()), int((delta.round(1) < 0).sum())
            changes.append(
                f"Chômage : nouveau trimestre publié, le {quarter_fr(last)}{flags} ; par rapport au "
                f"{quarter_fr(before)}, le taux augmente dans {up} zone{'s' if up > 1 else ''} d'emploi, baisse "
                f"dans {down} et reste stable dans {len(delta) - up - down}."
            )
    return sentence, changes


def income_summary(con: duckdb.DuckDBPyConnection, geo_year: int) -> str:
    """Medians exist by commune only: the range of the Bassin minier's communes, never an average of medians."""
    found = con.execute(
        "SELECT max(periode) FROM mart_revenus WHERE niveau = 'commune' AND mediane_niveau_vie IS NOT NULL"
    ).fetchall()[0][0]
    if found is None:
        return ""
    frame = con.execute(
        """SELECT r.libelle, r.mediane_niveau_vie AS m FROM mart_revenus r
           JOIN geo_commune c ON c.codgeo = r.code AND c.geo_year = r.millesime_geo
           WHERE r.niveau = 'commune' AND r.periode = ? AND list_contains(c.groupings, ?)
           AND r.millesime_geo = (SELECT max(millesime_geo) FROM mart_revenus WHERE periode = ?)""",
        [found, GROUPING, found],
    ).df()
    frame = frame.drop_duplicates("libelle")
    if frame.empty:
        return ""
    known = frame.dropna(subset=["m"]).sort_values("m")
    hidden = len(frame) - len(known)
    return (
        f"Revenus {found} : l'Insee publie la médiane du niveau de vie par commune ; une médiane ne s'additionne "
        "ni ne se moyenne, le Bassin minier n'en a donc pas. Parmi ses communes, elle va de "
        f"{fr(known.m.iloc[0])} € ({known.libelle.iloc[0]}) à {fr(known.m.iloc[-1])} € ({known.libelle.iloc[-1]})"
        + (f" ; {hidden} commune{'s sont soumises' if hidden > 1 else ' est soumise'} au secret statistique."
           if hidden else ".")
    )


def latest_census_change(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest census population of the grouping against the one before (each on its latest geography)."""
    rows = con.execute(
        "SELECT period, value, geo_year FROM indicator_values WHERE indicator_id = 'population' "
        "AND level = 'grouping' "
        "AND code = ? QUALIFY row_number() OVER (PARTITION BY period ORDER BY geo_year DESC) = 1 "
        "ORDER BY period DESC LIMIT 2", [GROUPING]).fetchall()
    if len(rows) < 2:
        return None
    (new, value, geo_new), (old, before, geo_old) = rows
    same = geo_new == geo_old
    return (f"Population : le recensement {new} est le plus récent, {fr(value)} habitants dans le Bassin minier "
            f"(géographie {geo_new}), contre {fr(before)} au recensement {old} (géographie {geo_old})"
            + (f", soit {fr(value - before, 0, sign=True)}." if same else
               " : les périmètres diffèrent, la variation annuelle du tableau est calculée, elle, à géographie "
               "constante."))


def essentiel_blocks(con: duckdb.DuckDBPyConnection, geo_year: int, zones: list[str], published: date,
                     census_change: str | None = None) -> list[Block]:
    places = comparison_territories(con, geo_year)
    names = {f"{r.level}:{r.code}": r.label for r in places.itertuples()}
    rows, sentences = [], []
    split_period = latest_values(con, "taux_variation_annuel_solde_naturel", places)[0]
    for indicator, (label, unit, decimals) in KEY_FIGURES.items():
        # the total change is shown for the latest period, and again for the period of its natural/migratory split
        periods = [None, split_period] if indicator == "taux_variation_annuel_moyen_compose" else [None]
        for wanted in dict.fromkeys(periods):
            period, _, values = latest_values(con, indicator, places, wanted)
            if not values:
                continue
            row = {"indicateur": label, "période": _period_words(period), "unité": unit}
            for key, name in names.items():
                v = values.get(key)
                row[name] = "" if v is None else fr(v[0], decimals, sign=indicator in RATES and "variation" in
                                                    indicator) + flag_words(
                    ",".join(f for f in v[1].split(",") if f in ("provisional", "suppressed")))
            rows.append(row)
            ours, france = values.get(f"grouping:{GROUPING}"), values.get("france_metro:FM")
            if ours and france and indicator != "population":
                sentences.append(
                    f"{label} ({_period_words(period)}) : {fr(ours[0], decimals)} {unit} dans le Bassin minier, "
                    f"{_versus(ours[0], france[0], indicator in RATES, decimals)} de la France métropolitaine "
                    f"({fr(france[0], decimals)})."
                    if indicator in RATES else
                    f"{label} ({_period_words(period)}) : {fr(ours[0], decimals)} {unit} dans le Bassin minier, "
                    f"{_versus(ours[0], france[0], False, decimals)} celle de la France métropolitaine "
                    f"({fr(france[0], decimals)} {unit})."
                )
    table = pd.DataFrame(rows)
    unemployment, changes = unemployment_summary(con, zones)
    income = income_summary(con, geo_year)
    if census_change := census_change or latest_census_change(con):
        changes.insert(0, census_change)
    blocks = [
        Block("h2", "L'essentiel", "essentiel"),
        Block("p", f"Paru le {date_fr(published)}. Les chiffres clés du Bassin minier, à côté de ses départements, "
                   "de sa région et de la France métropolitaine, chacun à sa date la plus récente."),
        Block("table", table),
        Block("list", [s for s in (*sentences, unemployment, income) if s]),
    ]
    if changes:
        blocks += [Block("p", "Nouveau dans cette édition :"), Block("list", changes)]
    return blocks
