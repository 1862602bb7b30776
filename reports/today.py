"""« Le diagnostic sur les données d'aujourd'hui »: the diagnostic's tables on the latest geography and data.

Everything is a query on the published warehouse: the latest geography vintage, the latest census period, the
latest unemployment edition and quarter are read, never written here, so a new delivery of a source changes this
section at the next nightly build without a code change. A territory « of the Bassin minier » is an EPCI or zone
d'emploi with at least half of its population (latest census) in the communes of the grouping.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from reports.editions import NOT_UPDATED, with_editions
from reports.flows import commuting_blocks, migration_blocks
from reports.render import (
    Block,
    bar_chart,
    figure,
    flag_words,
    fr,
    line_chart,
    pretty_indicator,
    quarter_fr,
    section,
    short_label,
    slug,
)
from transforms.runner import discover, themes

GROUPING = "bassin_minier"
MAJORITY = 0.5  # share of a territory's population inside the grouping that makes it « of the Bassin minier »
# theme → (marts, sources proper to it, diagnostic tables): declared by the marts' YAML (transforms/runner.py themes)
THEMES = themes(discover())
HISTORICAL_FLAG = "compilation_not_insee_series"  # transforms/flags.yml
HISTORICAL_NOTE = ("populations 1968–1999 issues d'une compilation (COGugaison), et non de la série historique de "
                   "l'Insee à géographie constante (écarts jusqu'à 2,4 %)")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def population_source(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int, first: int | str,
                      census: str) -> str:
    """Source line of a population table or chart; it says what the 1968–1999 populations are wherever the
    territory's values carry the flag of the compilation (not where INSEE's séries historiques replace them)."""
    flagged = scalar(
        con,
        "SELECT count(*) FROM indicator_values WHERE indicator_id = 'population' AND level = ? AND code = ? "
        "AND geo_year = ? AND list_contains(string_split(flags, ','), ?)",
        [level, code, geo_year, HISTORICAL_FLAG],
    )
    return f"Insee, recensements {first}–{census}, COG {geo_year}" + (f" ; {HISTORICAL_NOTE}" if flagged else "")


def latest_geo(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, "SELECT max(geo_year) FROM territories WHERE level = 'epci'"))


def latest_census(con: duckdb.DuckDBPyConnection, geo_year: int) -> str:
    return scalar(
        con,
        "SELECT max(period) FROM indicator_values WHERE indicator_id = 'population' AND level = 'grouping' "
        "AND code = ? AND geo_year = ?",
        [GROUPING, geo_year],
    )


def members(con: duckdb.DuckDBPyConnection, level: str, geo_year: int, census: str) -> pd.DataFrame:
    """EPCI or zones d'emploi holding communes of the grouping: code, label, share of their population inside."""
    return con.execute(
        f"""
        WITH communes AS (
            SELECT c.{level} AS code, list_contains(c.groupings, ?) AS inside, v.value AS population
            FROM geo_commune c
            JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = 'commune'
                 AND v.code = c.codgeo AND v.geo_year = c.geo_year AND v.period = ?
            WHERE c.geo_year = ?)
        SELECT communes.code, t.label, sum(population) FILTER (inside) / sum(population) AS share_inside
        FROM communes JOIN territories t ON t.level = ? AND t.code = communes.code AND t.geo_year = ?
        GROUP BY ALL HAVING sum(population) FILTER (inside) > 0
        ORDER BY share_inside DESC, code""",
        [GROUPING, census, geo_year, level, geo_year],
    ).df()


def comparators(con: duckdb.DuckDBPyConnection, geo_year: int) -> pd.DataFrame:
    """The départements and région that hold the grouping, and France métropolitaine."""
    return con.execute(
        """
        WITH d AS (SELECT DISTINCT departement AS code, 'departement' AS level FROM geo_commune
                   WHERE geo_year = ? AND list_contains(groupings, ?)
                   UNION SELECT DISTINCT region, 'region' FROM geo_commune
                   WHERE geo_year = ? AND list_contains(groupings, ?)
                   UNION SELECT 'FM', 'france_metro')
        SELECT level, code, label FROM d JOIN territories t USING (level, code)
        WHERE t.geo_year = ? ORDER BY CASE level WHEN 'departement' THEN 1 WHEN 'region' THEN 2 ELSE 3 END, code""",
        [geo_year, GROUPING, geo_year, GROUPING, geo_year],
    ).df()


def printed_table(con: duckdb.DuckDBPyConnection, table_id: str) -> pd.DataFrame:
    """A table of the 2013 edition as printed: one row per territory, one column per printed indicator."""
    printed = con.execute(
        "SELECT territory, indicator, value, precision, figure_id FROM published_figures WHERE table_id = ? "
        "AND value IS NOT NULL ORDER BY figure_id", [table_id]).df()
    printed["text"] = [fr(v, p) for v, p in zip(printed.value, printed.precision, strict=True)]
    wide = printed.pivot(index="territory", columns="indicator", values="text").fillna("")
    wide.columns = [pretty_indicator(c) for c in wide.columns]
    return wide.reset_index().rename(columns={"territory": "territoire (2013)"})


def territory_set(con: duckdb.DuckDBPyConnection, geo_year: int, census: str) -> pd.DataFrame:
    """The rows of the « today » tables: the grouping, its EPCI and zones d'emploi, then the comparisons."""
    parts = [pd.DataFrame({"level": ["grouping"], "code": [GROUPING], "groupe": ["Bassin minier"]})]
    arrondissements = con.execute(
        "SELECT member_code FROM cfg_grouping_members WHERE grouping_code = ? AND member_level = 'arrondissement' "
        "ORDER BY member_code", [GROUPING]).fetchall()
    parts.append(pd.DataFrame({"level": "arrondissement", "code": [r[0] for r in arrondissements],
                               "groupe": "Arrondissements"}))
    for level, name in (("epci", f"EPCI {geo_year}"), ("ze2020", "Zones d'emploi 2020")):
        m = members(con, level, geo_year, census)
        m = m[m.share_inside >= MAJORITY]
        parts.append(pd.DataFrame({"level": level, "code": m.code, "groupe": name}))
    comp = comparators(con, geo_year)
    parts.append(pd.DataFrame({"level": comp.level, "code": comp.code, "groupe": "Comparaison"}))
    out = pd.concat(parts, ignore_index=True)
    labels = con.execute("SELECT level, code, label FROM territories WHERE geo_year = ?", [geo_year]).df()
    out = out.merge(labels, on=["level", "code"], how="left")
    prefix = out.level.map({"ze2020": "ZE ", "departement": "Dép. ", "region": "Région ",
                            "arrondissement": "Arr. "}).fillna("")
    out["label"] = prefix + out.label.map(short_label)
    return out


def variation_periods(con: duckdb.DuckDBPyConnection, census: str) -> tuple[str, str]:
    """The long period from 1999 (the diagnostic's start) and the latest five-year period, both ending at census."""
    rows = con.execute(
        "SELECT from_census FROM cfg_variation_periods WHERE to_census = ? ORDER BY from_census", [int(census)]
    ).fetchall()
    starts = [r[0] for r in rows]
    long_start = 1999 if 1999 in starts else starts[0]
    return f"{long_start}-{census}", f"{max(starts)}-{census}"


def population_table(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, geo_year: int, census: str) -> pd.DataFrame:
    long, short = variation_periods(con, census)
    con.register("_rows", rows[["level", "code"]])
    try:
        frame = con.execute(
            """
            SELECT r.level, r.code,
                   any_value(e.population_fin) FILTER (e.periode = ?) AS pop_fin,
                   any_value(e.population_debut) FILTER (e.periode = ?) AS pop_debut,
                   any_value(e.variation) FILTER (e.periode = ?) AS variation,
                   any_value(e.taux_annuel_compose_pct) FILTER (e.periode = ?) AS long_compose,
                   any_value(e.taux_annuel_lineaire_pct) FILTER (e.periode = ?) AS long_lineaire,
                   any_value(e.taux_annuel_compose_pct) FILTER (e.periode = ?) AS court_compose,
                   any_value(e.taux_annuel_lineaire_pct) FILTER (e.periode = ?) AS court_lineaire
            FROM _rows r LEFT JOIN mart_evolution_population e
                 ON e.niveau = r.level AND e.code = r.code AND e.millesime_geo = ?
            GROUP BY ALL""",
            [long, long, long, long, long, short, short, geo_year],
        ).df()
    finally:
        con.unregister("_rows")
    frame = rows.merge(frame, on=["level", "code"], how="left")
    y0, y1 = long.split("-")
    s0 = short.split("-")[0]
    return pd.DataFrame(
        {
            "groupe": frame.groupe,
            "territoire": frame.label,
            f"population {y1}": frame.pop_fin.map(fr),
            f"population {y0}": frame.pop_debut.map(fr),
            f"variation {y0}–{y1}": frame.variation.map(lambda v: fr(v, 0, sign=True)),
            f"taux annuel {y0}–{y1} composé (%)": frame.long_compose.map(lambda v: fr(v, 2, sign=True)),
            f"taux annuel {y0}–{y1} linéaire (%)": frame.long_lineaire.map(lambda v: fr(v, 2, sign=True)),
            f"taux annuel {s0}–{y1} composé (%)": frame.court_compose.map(lambda v: fr(v, 2, sign=True)),
            f"taux annuel {s0}–{y1} linéaire (%)": frame.court_lineaire.map(lambda v: fr(v, 2, sign=True)),
        }
    ), frame


def population_index(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, geo_year: int) -> dict[str, pd.Series]:
    """Population of each territory at every census, as an index (first census = 100): magnitudes differ."""
    series = {}
    for r in rows.itertuples():
        s = con.execute(
            "SELECT recensement, population FROM mart_population WHERE niveau = ? AND code = ? "
            "AND millesime_geo = ? ORDER BY recensement",
            [r.level, r.code, geo_year],
        ).df().set_index("recensement")["population"]
        if len(s):
            series[r.label] = 100 * s / s.iloc[0]
    return series


def unemployment(con: duckdb.DuckDBPyConnection, codes: list[str]) -> tuple[str, str, pd.DataFrame]:
    """Latest ZE2020 edition and quarter, and the series of the given zones (quarter × zone)."""
    edition = scalar(con, "SELECT max(edition) FROM mart_chomage WHERE zonage = 'ze2020'")
    quarter = scalar(con, "SELECT max(trimestre) FROM mart_chomage WHERE zonage = 'ze2020' AND edition = ?", [edition])
    series = con.execute(
        "SELECT libelle, trimestre, taux_chomage_pct FROM mart_chomage WHERE zonage = 'ze2020' AND edition = ? "
        f"AND code IN ({', '.join('?' for _ in codes) or 'NULL'}) ORDER BY trimestre",
        [edition, *codes],
    ).df()
    return edition, quarter, series.pivot(index="trimestre", columns="libelle", values="taux_chomage_pct")


def cell_flags(con: duckdb.DuckDBPyConnection, edition: str, codes: list[str]) -> dict[tuple[str, str], str]:
    """(zone label, quarter) → the flags of the ZE2020 rates of `edition` in mart_chomage (rates with flags only)."""
    found = con.execute(
        "SELECT libelle, trimestre, flags FROM mart_chomage WHERE zonage = 'ze2020' AND edition = ? "
        f"AND flags IS NOT NULL AND code IN ({', '.join('?' for _ in codes) or 'NULL'})",
        [edition, *codes],
    ).fetchall()
    return {(label, quarter): flags for label, quarter, flags in found}


def source_status(con: duckdb.DuckDBPyConnection, source_ids: list[str]) -> list[str]:
    """What each source of a theme holds in this build: a delivery, the diagnostic's own figures, or nothing."""
    rows = dict(con.execute("SELECT source_id, coalesce(files, '') FROM cfg_sources").fetchall())
    out = []
    for source_id in source_ids:
        files = [f for f in rows.get(source_id, "").split(", ") if f]
        extracts = [f for f in files if "diagnostic" in f]  # extracts of the document are named so
        delivered = [f for f in files if f not in extracts]
        if not files:
            out.append(f"{source_id} : aucun fichier livré (à déclarer dans origins.yml)")
        elif not delivered:
            out.append(f"{source_id} : seulement les chiffres imprimés dans le diagnostic de 2013 "
                       f"({', '.join(extracts)})")
        else:
            out.append(f"{source_id} : livré ({', '.join(delivered)})"
                       + (f" et extrait du diagnostic ({', '.join(extracts)})" if extracts else ""))
    return out


def mart_latest(con: duckdb.DuckDBPyConnection, mart: str) -> tuple[int, int | None]:
    """Rows of a mart and its latest geography vintage (None when empty or without a vintage column)."""
    columns = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [mart]).fetchall()}
    latest = "max(millesime_geo)" if "millesime_geo" in columns else "NULL"
    n, year = con.execute(f"SELECT count(*), {latest} FROM {mart}").fetchall()[0]
    return int(n), year


def perimeter(con: duckdb.DuckDBPyConnection, geo_year: int, census: str, rows: pd.DataFrame) -> list[Block]:
    """What changed between the 2013 edition's geography and today's, in numbers read from the warehouse."""
    edition_geo = int(scalar(con, "SELECT max(geo_year) FROM diagnostic_crosswalk WHERE level = 'epci'"))
    communes = dict(con.execute(
        "SELECT geo_year, count(*) FROM geo_commune WHERE list_contains(groupings, ?) AND geo_year IN (?, ?) "
        "GROUP BY ALL", [GROUPING, edition_geo, geo_year]).fetchall())
    edition_census = str(edition_geo - 2)
    pops = dict(con.execute(
        "SELECT geo_year, value FROM indicator_values WHERE indicator_id = 'population' AND level = 'grouping' "
        "AND code = ? AND period = ? AND geo_year IN (?, ?)", [GROUPING, edition_census, edition_geo, geo_year]
    ).fetchall())
    grouping_members = ", ".join(r[0] for r in con.execute(
        "SELECT t.level || ' ' || t.label FROM cfg_grouping_members m JOIN territories t "
        "ON t.level = m.member_level AND t.code = m.member_code AND t.geo_year = ? "
        "WHERE m.grouping_code = ? ORDER BY t.label", [geo_year, GROUPING]).fetchall())
    n_epci_2013 = scalar(con, "SELECT count(DISTINCT code) FROM diagnostic_crosswalk WHERE level = 'epci'")
    n_ze_2013 = scalar(con, "SELECT count(*) FROM cfg_grouping_members WHERE member_level = 'ze2010'")
    n_epci = int((rows.level == "epci").sum())
    n_ze = int((rows.level == "ze2020").sum())
    partial = pd.concat([members(con, lv, geo_year, census).assign(level=lv) for lv in ("epci", "ze2020")])
    partial = partial[partial.share_inside < MAJORITY]
    text = [
        f"Édition 2013 : géographie au 1er janvier {edition_geo}, recensement {edition_census}, "
        f"{n_epci_2013} EPCI et {n_ze_2013} zones d'emploi 2010 cités. Aujourd'hui : géographie au 1er janvier "
        f"{geo_year}, recensement {census}, {n_epci} EPCI et {n_ze} zones d'emploi 2020 ayant au moins "
        f"{int(MAJORITY * 100)} % de leur population dans le Bassin minier.",
        f"Le Bassin minier ({grouping_members}) compte "
        f"{fr(communes.get(edition_geo))} communes en {edition_geo} et {fr(communes.get(geo_year))} en "
        f"{geo_year}. Sa population du recensement {edition_census} vaut "
        f"{fr(pops.get(edition_geo))} habitants sur le périmètre {edition_geo} et {fr(pops.get(geo_year))} sur "
        f"le périmètre {geo_year} : l'écart mesure le seul effet du changement de périmètre.",
    ]
    if len(partial):
        text.append(
            "Territoires touchant le Bassin minier pour moins de la moitié de leur population (hors tableaux) : "
            + " ; ".join(f"{r.label} ({fr(100 * r.share_inside, 1)} %)" for r in partial.itertuples())
            + "."
        )
    return [Block("note", t) for t in text]


def today_blocks(con: duckdb.DuckDBPyConnection) -> list[Block]:
    geo_year = latest_geo(con)
    census = latest_census(con, geo_year)
    rows = territory_set(con, geo_year, census)
    long, short = variation_periods(con, census)
    blocks = [
        *section(
            1,
            "Le diagnostic sur les données d'aujourd'hui",
            f"Les tableaux du diagnostic que les données livrées permettent de calculer, sur la géographie la plus "
            f"récente (COG {geo_year}) et les dernières données (recensement {census}, dernier trimestre de "
            "chômage publié), à côté de l'édition 2013. Cette section est recalculée à chaque rafraîchissement "
            "nocturne : une nouvelle livraison d'une source la met à jour sans changement de code.",
        ),
        Block("h3", "Périmètres : 2013 et aujourd'hui", "perimetres"),
        *perimeter(con, geo_year, census, rows),
    ]
    # --- population
    table, frame = population_table(con, rows, geo_year, census)
    src = population_source(con, "grouping", GROUPING, geo_year, 1968, census)
    blocks += [
        Block("h3", "1.1 Population et migrations", "today-population"),
        Block(
            "p",
            f"Population au recensement {census} et taux de variation annuels moyens dans les deux "
            "conventions : composée ((P1/P0)^(1/n) − 1, celle de l'Insee) et linéaire ((P1 − P0)/P0/n). "
            f"Tous les territoires sur la géographie {geo_year} ; les recensements anciens y sont ramenés par les "
            "tables de passage communales.",
        ),
        Block("table", table),
        Block("p", "Édition 2013, tel qu'imprimé (géographie 2011, recensements 1990–2009 ; tableaux 2 et 3) : les "
                   "arrondissements ont gardé leur code, les EPCI de 2011 ont fusionné depuis (voir Périmètres)."),
        Block("table", printed_table(con, "t2")),
        Block("table", printed_table(con, "t3")),
    ]
    y0, y1 = short.split("-")
    charted = frame[frame.level.isin(["grouping", "epci", "departement", "region", "france_metro"])]
    blocks.append(
        figure(
            bar_chart(charted.label.tolist(), charted.court_compose.tolist(),
                      f"Taux de variation annuel moyen de la population, {y0}–{y1}", "% par an (convention composée)",
                      decimals=2, highlight=set(frame[frame.groupe.isin(["Bassin minier", "Comparaison"])].label)),
            "today_taux_variation", f"Taux de variation annuel moyen {y0}–{y1}", "% par an, convention composée",
            src, f"EPCI du Bassin minier (bleu), le Bassin minier et les territoires de comparaison (rouge), "
                 f"géographie {geo_year} ; zones d'emploi et arrondissements dans le tableau",
        )
    )
    index_rows = rows[rows.groupe.isin(["Bassin minier", "Comparaison"])]
    first = scalar(con, "SELECT min(recensement) FROM mart_population WHERE millesime_geo = ?", [geo_year])
    blocks.append(
        figure(
            line_chart(population_index(con, index_rows, geo_year),
                       f"Population depuis {first}, indice base 100 en {first}", f"indice (100 = {first})"),
            "today_population_indice", "Évolution de la population", f"indice base 100 au recensement {first}",
            src, f"Géographie {geo_year}, recensements {first}–{census}",
        )
    )
    # --- youth and the themes that need deliveries
    blocks += migration_blocks(con, "", geo_year)  # census flows (reports/flows.py)
    blocks += _theme_availability(con, "Jeunesse", "1.2", geo_year)
    # --- unemployment
    ze = rows[rows.level == "ze2020"]
    edition, quarter, series = unemployment(con, ze.code.tolist())
    blocks += [Block("h3", "1.3 Emploi et chômage", "today-emploi")]
    if quarter is None or series.empty:
        blocks.append(Block("note", "Aucun taux de chômage localisé sur les zones d'emploi 2020 dans l'entrepôt."))
    else:
        published = con.execute(
            """SELECT p.territory, r.published_value FROM reproduction r JOIN published_figures p USING (figure_id)
               WHERE p.table_id = 'prose' AND p.indicator = 'taux de chômage' AND p.level = 'ze2010'
               ORDER BY r.published_value DESC"""
        ).df()
        a_year_before = f"{int(quarter[:4]) - 1}{quarter[4:]}"
        first_q = quarter_fr(series.index[0])
        provisional = flag_words("provisional" if scalar(
            con, "SELECT bool_or(list_contains(string_split(coalesce(flags, ''), ','), 'provisional')) "
            "FROM mart_chomage WHERE zonage = 'ze2020' AND edition = ? AND trimestre = ?", [edition, quarter]) else "")
        cells = cell_flags(con, edition, ze.code.tolist())  # each flagged value says so (provisoire), in the table too
        latest = pd.DataFrame(
            {
                "zone d'emploi 2020": series.columns,
                f"taux au {quarter_fr(quarter)} (%)": [
                    fr(series.at[quarter, c], 1) + flag_words(cells.get((c, quarter)))
                    for c in series.columns
                ],
                f"taux au {quarter_fr(a_year_before)} (%)": [
                    fr(series.at[a_year_before, c], 1) + flag_words(cells.get((c, a_year_before)))
                    if a_year_before in series.index else "" for c in series.columns
                ],
                "taux au 1er trimestre 2013 (%) (série révisée)": [
                    fr(series.at["2013-T1", c], 1) if "2013-T1" in series.index else "" for c in series.columns
                ],
                f"plus bas depuis le {first_q} (%)": [fr(series[c].min(), 1) for c in series.columns],
                f"plus haut depuis le {first_q} (%)": [fr(series[c].max(), 1) for c in series.columns],
            }
        )
        latest = latest.iloc[series.loc[quarter].reset_index(drop=True).sort_values(ascending=False).index]
        others = scalar(
            con, "SELECT count(*) FROM mart_chomage WHERE edition = ? AND niveau IN ('departement', 'region', "
            "'france_metro')", [edition])
        blocks += [
            Block(
                "p",
                f"Taux de chômage localisés de l'Insee (édition du {quarter_fr(edition)}, données corrigées des "
                f"variations saisonnières) des zones d'emploi 2020 du Bassin minier, au {quarter_fr(quarter)}"
                f"{provisional} et depuis le {first_q}. "
                "L'Insee ne publie pas ce taux par EPCI, et un taux ne se moyenne pas sans les effectifs de "
                "chômeurs : aucun taux n'est calculé pour le Bassin minier entier.",
            ),
            Block("table", latest),
            Block(
                "p",
                "Édition 2013 (zones d'emploi 2010, 1er trimestre 2013, tel qu'imprimé) : "
                + " ; ".join(f"{r.territory} {fr(r.published_value, 1)} %" for r in published.itertuples())
                + ". Les zonages 2010 et 2020 diffèrent : les valeurs ne se comparent pas zone à zone.",
            ),
            figure(
                line_chart({c: series[c] for c in series.columns},
                           f"Taux de chômage des zones d'emploi du Bassin minier, {quarter_fr(series.index[0])} – "
                           f"{quarter_fr(quarter)}",
                           "% de la population active", x_is_text=True),
                "today_chomage_serie", "Taux de chômage trimestriel", "% de la population active",
                f"Insee, taux de chômage localisés, édition du {quarter_fr(edition)}",
                f"Zones d'emploi 2020, {quarter_fr(series.index[0])} – {quarter_fr(quarter)}{provisional}",
            ),
        ]
        if not others:
            blocks.append(Block("p", f"L'édition du {quarter_fr(edition)} livrée ne contient que les zones "
                                     "d'emploi : pas de taux départemental, régional ou national pour comparaison."))
    blocks += _theme_availability(con, "Emploi et chômage", None, geo_year, marts_only=["mart_emploi"],
                                  sources_only=["urssaf_effectifs"], label="Emploi salarié privé (Urssaf)")
    blocks += census_theme(con, rows, "Activité et chômage au recensement", "1.4")
    blocks += census_theme(con, rows, "Logement", "1.5")
    blocks += income_theme(con, rows, "1.6", geo_year)
    for number, theme in zip(("1.7", "1.8", "1.9", "1.10"), ("Formation", "Navettes domicile-travail", "Santé",
                                                              "Mobilité"), strict=True):
        blocks += (commuting_blocks(con, number, geo_year) if theme == "Navettes domicile-travail"
                   else _theme_availability(con, theme, number, geo_year))
    return with_editions(con, blocks)  # under each theme: the edition of each source it shows, and its age


def _theme_availability(con: duckdb.DuckDBPyConnection, theme: str, number: str | None, geo_year: int,
                        marts_only: list[str] | None = None, sources_only: list[str] | None = None,
                        label: str | None = None) -> list[Block]:
    """For a theme: in the reader's words, whether it is updated on today's data and, if not, which producer's
    data would update it. The tables, rows and sources behind this are listed in the annex (availability_audit)."""
    marts, sources, _ = THEMES[theme]
    sources = sources_only or sources
    label = label or theme
    blocks = [Block("h3", f"{number} {theme}", slug(f"today {theme}"))] if number else []
    computable = any((latest := mart_latest(con, m)[1]) is not None and latest >= geo_year
                     for m in marts_only or marts)
    if computable:
        return blocks
    # the sources not delivered (nothing, or only the 2013 document's own figures): what would update the theme
    rows = con.execute(
        "SELECT producer, product, coalesce(files, '') FROM cfg_sources WHERE source_id IN (SELECT unnest(?)) "
        "AND producer IS NOT NULL ORDER BY 1, 2", [sources]).fetchall()
    products = [(producer, product.split(" — ")[0]) for producer, product, files in rows
                if all("diagnostic" in f for f in files.split(", ") if f)]
    blocks.append(Block("p", f"{label} : {NOT_UPDATED}, faute de données livrées à l'observatoire "
                             "sur la géographie d'aujourd'hui ; le tableau de l'édition 2013 figure dans la partie "
                             "« L'édition 2013 recalculée », l'état des données dans l'annexe technique."
                        + (" Données qui le permettraient : " + " ; ".join(
                            f"{producer}, {product.split(' (')[0]}" for producer, product in products) + "."
                           if products else "")))
    return blocks


def availability_audit(con: duckdb.DuckDBPyConnection, geo_year: int) -> pd.DataFrame:
    """Annex: every theme's tables (rows, latest geography) and sources (what was delivered)."""
    rows = []
    for theme, (marts, sources, _) in THEMES.items():
        for mart in marts:
            n, latest = mart_latest(con, mart)
            state = ("vide" if n == 0 else "sans géographie (chiffres de l'édition 2013)" if latest is None
                     else f"géographie {latest}" + ("" if latest >= geo_year else f" (pas encore {geo_year})"))
            rows.append({"thème": theme, "table ou source": mart, "lignes": fr(n), "état": state})
        for line in source_status(con, [s for s in sources if s.replace("_", "").isalnum()]):
            name, _, state = line.partition(" : ")
            rows.append({"thème": theme, "table ou source": name, "lignes": "", "état": state})
    return pd.DataFrame(rows)


# theme sections from the comparateur's census marts: column → (header for the reader, decimals)
CENSUS_THEMES = {
    "Logement": ("mart_logement", {
        "menages": ("ménages", 0), "logements": ("logements", 0),
        "taux_vacance_pct": ("logements vacants (%)", 1),
        "part_residences_secondaires_pct": ("résidences secondaires (%)", 1),
        "part_proprietaires_pct": ("propriétaires occupants (% des résidences principales)", 1),
    }, "taux_vacance_pct", "la part des logements vacants"),
    "Activité et chômage au recensement": ("mart_activite", {
        "actifs_15_64_ans": ("actifs de 15 à 64 ans", 0),
        "taux_activite_15_64_pct": ("taux d'activité des 15–64 ans (%)", 1),
        "taux_chomage_recensement_15_64_pct": ("taux de chômage des 15–64 ans au recensement (%)", 1),
        "emplois_lieu_travail": ("emplois au lieu de travail", 0),
        "emplois_pour_100_actifs_occupes": ("emplois pour 100 actifs occupés résidents", 1),
    }, "taux_chomage_recensement_15_64_pct", "le taux de chômage des 15–64 ans au recensement"),
}


def census_theme(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, theme: str, number: str) -> list[Block]:
    """A theme of the census (comparateur de territoires): the table for the Bassin minier, its EPCI and the
    comparisons on the mart's latest geography and census, and sentences generated from it."""
    mart, columns, key, words = CENSUS_THEMES[theme]
    found = con.execute(f"SELECT max(millesime_geo), max(recensement) FROM {mart} WHERE niveau = 'grouping'"
                        ).fetchall()[0]
    if found[0] is None:
        return []
    geo, census = found
    frame = con.execute(
        f"SELECT niveau AS level, code, {', '.join(columns)} FROM {mart} WHERE millesime_geo = ? "
        "AND recensement = ?", [geo, census]).df().drop_duplicates(["level", "code"])
    picked = rows[rows.level.isin(["grouping", "epci", "departement", "region", "france_metro"])]
    frame = picked.merge(frame, on=["level", "code"], how="inner")
    if frame.empty:
        return []
    table = pd.DataFrame({"territoire": frame.label,
                          **{h: frame[c].map(lambda v, d=d: fr(v, d)) for c, (h, d) in columns.items()}})
    ours = frame[frame.level == "grouping"][key]
    france = frame[frame.level == "france_metro"][key]
    epci = frame[frame.level == "epci"].sort_values(key)
    header, decimals = columns[key]
    text = []
    if len(ours) and len(france):
        gap = float(ours.iloc[0] - france.iloc[0])
        side = "au-dessus" if gap > 0 else "au-dessous"
        text.append(f"Au recensement {census}, {words} vaut {fr(ours.iloc[0], decimals)} % dans le Bassin minier, "
                    f"{fr(abs(gap), decimals)} point{'s' if abs(round(gap, decimals)) >= 2 else ''} {side} de la "
                    f"France métropolitaine ({fr(france.iloc[0], decimals)} %).")
    if len(epci) > 1:
        text.append(f"Parmi les EPCI du Bassin minier, il va de {fr(epci[key].iloc[0], decimals)} % "
                    f"({epci.label.iloc[0]}) à {fr(epci[key].iloc[-1], decimals)} % ({epci.label.iloc[-1]}).")
    return [
        Block("h3", f"{number} {theme}", slug(f"today {theme}")),
        *(Block("p", t) for t in text),
        Block("table", table),
        Block("p", f"Source : Insee, comparateur de territoires, recensement {census}, géographie {geo}. Les taux "
                   "sont des rapports de sommes (numérateurs et dénominateurs additionnés sur les communes)."),
    ]


def income_theme(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, number: str, geo_year: int) -> list[Block]:
    """Income: FiLoSoFi publishes medians and poverty rates by commune; a grouping or an EPCI has none here
    (a median is neither summed nor averaged). Per EPCI of the Bassin minier: its communes' range."""
    found = con.execute("SELECT max(periode) FROM mart_revenus WHERE mediane_niveau_vie IS NOT NULL").fetchall()[0][0]
    if found is None:
        return []
    frame = con.execute(
        """SELECT c.epci, r.code, r.mediane_niveau_vie AS m, r.taux_pauvrete_pct AS p FROM mart_revenus r
           JOIN geo_commune c ON c.codgeo = r.code AND c.geo_year = r.millesime_geo
           WHERE r.niveau = 'commune' AND r.periode = ? AND list_contains(c.groupings, ?)
           AND r.millesime_geo = (SELECT max(millesime_geo) FROM mart_revenus WHERE periode = ?)""",
        [found, GROUPING, found]).df().drop_duplicates("code")
    geo = scalar(con, "SELECT max(millesime_geo) FROM mart_revenus WHERE periode = ?", [found])
    labels = con.execute("SELECT code, label FROM territories WHERE level = 'epci' AND geo_year = ?", [geo]).df()
    out = []
    for epci, group in frame.groupby("epci"):
        known = group.dropna(subset=["m"])
        out.append({
            "EPCI (géographie des revenus)": short_label(labels.set_index("code").label.get(epci, epci)),
            "communes": len(group),
            "médiane publiée": len(known),
            "secret statistique": len(group) - len(known),
            "_sort": known.m.min(),
            "médiane la plus basse (€)": fr(known.m.min()),
            "médiane la plus haute (€)": fr(known.m.max()),
            "taux de pauvreté publié le plus haut (%)": fr(group.p.max(), 1),
        })
    table = pd.DataFrame(out)
    table = table.sort_values("_sort").drop(columns="_sort")
    return [
        Block("h3", f"{number} Revenus", "today-revenus"),
        Block("p", f"Revenus {found} (Insee, FiLoSoFi, géographie {geo}). L'Insee publie la médiane du niveau de "
                   "vie et le taux de pauvreté par commune, et les tait pour les petites communes (secret "
                   "statistique). Une médiane ou un taux de pauvreté ne s'additionne ni ne se moyenne : ni le Bassin "
                   "minier ni un EPCI n'en ont ici, seulement l'étendue des valeurs de leurs communes."),
        Block("table", table),
    ]
