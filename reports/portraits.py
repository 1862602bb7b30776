"""Territory portraits: one HTML page per territory, on the latest geography, and an index page.

A portrait shows the territory's long population series on its current geography, its average annual variation
rates in both conventions, the indicators the warehouse holds for it, and a comparison with the département and
région that hold most of its population and France métropolitaine. Every figure is read from the warehouse.
`observatoire portrait` and `make report` call `write_portraits`.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from reports.editions import editions_section
from reports.flows import portrait_blocks as flow_blocks
from reports.maps import locator_block
from reports.render import (
    Block,
    date_fr,
    figure,
    flag_words,
    fr,
    image_file,
    line_chart,
    quarter_fr,
    short_label,
    slug,
    to_html,
    to_markdown,
)
from reports.today import (
    GROUPING,
    MAJORITY,
    latest_census,
    latest_geo,
    members,
    population_source,
    scalar,
    unemployment,
)
from transforms.levels import LEVEL_NAMES
from transforms.levels import LEVELS as ALL_LEVELS
from warehouse.db import connect_readonly

# Portraits are drawn on the current geography (ze2010 is a former zoning) and compared with France
# métropolitaine, which has no portrait of its own.
LEVELS = tuple(lv for lv in ALL_LEVELS if lv not in ("ze2010", "france_metro"))


INDEX_LINK = "← Index des portraits"


class UnknownTerritory(ValueError):
    """The level or code does not exist on the latest geography (the message lists what does)."""


def _containers(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int, census: str) -> pd.DataFrame:
    """The département and région holding most of the territory's population, then France métropolitaine."""
    if level == "grouping":
        where = "list_contains(c.groupings, ?)"
    elif level == "commune":
        where = "c.codgeo = ?"
    else:
        where = f"c.{level} = ?"
    rows = []
    for container in ("departement", "region"):
        if container == level:
            continue
        found = con.execute(
            f"""SELECT c.{container} AS code FROM geo_commune c
                JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = 'commune'
                     AND v.code = c.codgeo AND v.geo_year = c.geo_year AND v.period = ?
                WHERE c.geo_year = ? AND {where} GROUP BY ALL ORDER BY sum(v.value) DESC LIMIT 1""",
            [census, geo_year, code],
        ).fetchall()
        if found:
            rows.append((container, found[0][0]))
    rows.append(("france_metro", "FM"))
    frame = pd.DataFrame(rows, columns=["level", "code"])
    labels = con.execute("SELECT level, code, label FROM territories WHERE geo_year = ?", [geo_year]).df()
    return frame.merge(labels, on=["level", "code"], how="left")


def _series(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> pd.Series:
    return con.execute(
        "SELECT recensement, population FROM mart_population WHERE niveau = ? AND code = ? AND millesime_geo = ? "
        "ORDER BY recensement",
        [level, code, geo_year],
    ).df().set_index("recensement")["population"]


def _rates(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int, census: str) -> pd.DataFrame:
    """Intercensal periods (1968–1999), the rolling five-year periods, and 1999 → latest census."""
    return con.execute(
        """SELECT periode, population_debut, population_fin, variation, taux_annuel_compose_pct,
                  taux_annuel_lineaire_pct
           FROM mart_evolution_population
           WHERE niveau = ? AND code = ? AND millesime_geo = ?
             AND (left(periode, 4) <> '1999' OR right(periode, 4) = ?)
           ORDER BY right(periode, 4), left(periode, 4)""",
        [level, code, geo_year, census],
    ).df()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def portrait_blocks(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int, census: str
                    ) -> tuple[str, list[Block]]:
    label = scalar(con, "SELECT label FROM territories WHERE level = ? AND code = ? AND geo_year = ?",
                   [level, code, geo_year])
    name = short_label(label)
    series = _series(con, level, code, geo_year)
    rates = _rates(con, level, code, geo_year, census)
    containers = _containers(con, level, code, geo_year, census)
    src = population_source(con, level, code, geo_year, series.index[0], census)
    blocks = [
        Block("h1", f"{name} — portrait de territoire"),
        Block("p", f"{_capital(LEVEL_NAMES.get(level, level))} {code}, géographie au 1er janvier {geo_year} ; "
                   f"nom officiel : {label}. Tous les recensements depuis {series.index[0]} sont ramenés sur ce "
                   "périmètre par les tables de passage communales."),
        Block("links", [(INDEX_LINK, "index.html"), ("Le diagnostic du Bassin minier", "../diagnostic.html")]),
        Block("p", f"Paru le {date_fr(datetime.now(UTC).date())}."),
        Block("toc"),
        Block("h2", "Chiffres clés", "chiffres-cles"),
    ]
    last = rates[rates.periode.str.endswith(census)]
    key = [f"Population au recensement {census} : {fr(series.get(census))} habitants."]
    for r in last.sort_values("periode").itertuples():
        key.append(
            f"{r.periode.replace('-', '–')} : {fr(r.variation, 0, sign=True)} habitants ; taux annuel moyen "
            f"{fr(r.taux_annuel_compose_pct, 2, sign=True)} % (composé), {fr(r.taux_annuel_lineaire_pct, 2, sign=True)}"
            " % (linéaire)."
        )
    blocks.append(Block("list", key))
    if (located := locator_block(con, level, code, geo_year)) is not None:
        blocks.append(located)
    blocks += [
        Block("h2", f"Population depuis {series.index[0]}", "population"),
        figure(line_chart({name: series}, f"{name} : population {series.index[0]}–{census}", "habitants"),
               f"{slug(code)}_population", "Population", "habitants", src, f"Géographie {geo_year}"),
        Block("h2", "Taux de variation annuels moyens", "taux"),
        Block("p", "Deux conventions : composée ((P1/P0)^(1/n) − 1, celle de l'Insee) et linéaire "
                   "((P1 − P0)/P0/n)."),
        Block("table", pd.DataFrame({
            "période": rates.periode.str.replace("-", "–"),
            "population début": rates.population_debut.map(fr),
            "population fin": rates.population_fin.map(fr),
            "variation": rates.variation.map(lambda v: fr(v, 0, sign=True)),
            "taux composé (%)": rates.taux_annuel_compose_pct.map(lambda v: fr(v, 2, sign=True)),
            "taux linéaire (%)": rates.taux_annuel_lineaire_pct.map(lambda v: fr(v, 2, sign=True)),
        })),
    ]
    # comparison with the département, région, France
    compared = pd.concat([pd.DataFrame({"level": [level], "code": [code], "label": [label]}), containers])
    compared["label"] = compared.label.map(short_label)
    index_series, rows = {}, []
    for r in compared.itertuples():
        s = _series(con, r.level, r.code, geo_year)
        if len(s):
            index_series[r.label] = 100 * s / s.iloc[0]
        rr = _rates(con, r.level, r.code, geo_year, census)
        rr = rr[rr.periode.str.endswith(census)].set_index("periode")
        rows.append({"territoire": r.label, f"population {census}": fr(s.get(census)),
                     **{f"taux {p.replace('-', '–')} composé (%)": fr(rr.at[p, "taux_annuel_compose_pct"], 2, sign=True)
                        for p in rr.index},
                     **{f"taux {p.replace('-', '–')} linéaire (%)": fr(rr.at[p, "taux_annuel_lineaire_pct"], 2,
                                                                        sign=True) for p in rr.index}})
    blocks += [
        Block("h2", "Comparaison avec le département, la région et la France", "comparaison"),
        Block("table", pd.DataFrame(rows).fillna("")),
        figure(line_chart(index_series, f"Population, indice base 100 en {series.index[0]}",
                          f"indice (100 = {series.index[0]})"),
               f"{slug(code)}_indice", "Population comparée", f"indice base 100 en {series.index[0]}", src,
               f"Géographie {geo_year} ; département et région : ceux qui portent la plus grande part de la "
               "population du territoire"),
    ]
    blocks += dossier_blocks(con, level, code, compared[["level", "code", "label"]].reset_index(drop=True))
    blocks += _unemployment_blocks(con, level, code, geo_year, census)
    blocks += flow_blocks(con, level, code, geo_year)  # census flows (reports/flows.py)
    blocks += [
        Block("h2", "Indicateurs disponibles pour ce territoire", "indicateurs"),
        Block("p", "La dernière valeur de chaque indicateur que l'observatoire tient pour ce territoire, avec sa "
                   "période et la géographie sur laquelle elle est calculée."),
        Block("table", available_values(con, level, code)),
        *editions_section(con),  # which edition each theme's figures come from, and how old it is
        Block("h2", "Pour citer ce portrait", "citer"),
        Block("p", f"Observatoire du Bassin minier, « {name} — portrait de territoire », paru le "
                   f"{date_fr(datetime.now(UTC).date())}, d'après les données de l'Insee et des autres producteurs "
                   "cités sous chaque tableau (licence ouverte ; base dérivée sous licence ODbL)."),
        Block("p", "Contact : l'équipe de l'observatoire, par le dépôt public du projet (une erreur constatée se "
                   "signale en ouvrant un ticket)."),
    ]
    return name, blocks


def _unemployment_blocks(con, level: str, code: str, geo_year: int, census: str) -> list[Block]:
    """Zones d'emploi: their own series; other territories: the zone that holds most of their population."""
    if level == "ze2020":
        zone = code
    elif level in ("epci", "commune", "arrondissement", "grouping"):
        where = {"grouping": "list_contains(c.groupings, ?)", "commune": "c.codgeo = ?"}.get(level, f"c.{level} = ?")
        found = con.execute(
            f"""SELECT c.ze2020 FROM geo_commune c
                JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = 'commune'
                     AND v.code = c.codgeo AND v.geo_year = c.geo_year AND v.period = ?
                WHERE c.geo_year = ? AND {where} GROUP BY ALL ORDER BY sum(v.value) DESC LIMIT 1""",
            [census, geo_year, code]).fetchall()
        zone = found[0][0] if found else None
    else:
        return []
    if zone is None:
        return []
    edition, quarter, series = unemployment(con, [zone])
    if series.empty:
        return []
    zone_label = series.columns[0]
    s = series[zone_label]
    text = (f"Taux de chômage localisé de la zone d'emploi {zone_label} au {quarter_fr(quarter)}"
            f"{_provisional(con, zone, quarter)} : {fr(s.get(quarter), 1)} % (Insee, édition du "
            f"{quarter_fr(edition)}).")
    if level != "ze2020":
        text += (" L'Insee ne publie pas ce taux pour ce territoire : c'est celui de la zone d'emploi 2020 qui "
                 "porte la plus grande part de sa population.")
    return [
        Block("h2", "Chômage", "chomage"),
        Block("p", text),
        figure(line_chart({zone_label: s, **_unemployment_comparators(con, s.index)},
                          f"Taux de chômage, zone d'emploi {zone_label}, {quarter_fr(s.index[0])} – "
                          f"{quarter_fr(quarter)}",
                          "% de la population active", x_is_text=True),
               f"chomage_{slug(zone)}_{slug(code)}", "Taux de chômage", "% de la population active",
               f"Insee, taux de chômage localisés, édition du {quarter_fr(edition)}",
               f"Zone d'emploi 2020 {zone_label}" + _comparators_note(con, s.index)),
    ]


def _provisional(con, zone: str, quarter: str) -> str:
    flags = scalar(con, "SELECT string_agg(flags, ',') FROM mart_chomage WHERE zonage = 'ze2020' AND code = ? "
                   "AND trimestre = ?", [zone, quarter])
    return flag_words("provisional" if "provisional" in str(flags or "") else "")


def _unemployment_comparators(con, quarters) -> dict[str, pd.Series]:
    """Département, région and France series of the same quarters, where the warehouse holds them."""
    frame = con.execute(
        "SELECT niveau, libelle, trimestre, taux_chomage_pct FROM mart_chomage WHERE niveau IN ('departement', "
        "'region', 'france_metro') AND edition = (SELECT max(edition) FROM mart_chomage WHERE zonage = 'ze2020')"
    ).df()
    out = {}
    for (niveau, libelle), group in frame.groupby(["niveau", "libelle"]):
        s = group.set_index("trimestre").taux_chomage_pct.reindex(quarters)
        if s.notna().sum() > 1:
            out[{"departement": "Dép. ", "region": "Région "}.get(niveau, "") + libelle] = s
    return out


def _comparators_note(con, quarters) -> str:
    if _unemployment_comparators(con, quarters):
        return " ; département, région et France métropolitaine en pointillés"
    return (" ; la livraison reçue ne contient pas les taux du département, de la région et de la France pour ces "
            "trimestres : pas de ligne de comparaison")


def _targets(con, geo_year: int, census: str, level: str | None, code: str | None,
             grouping: str | None) -> list[tuple[str, str]]:
    if grouping:
        known = [r[0] for r in con.execute("SELECT grouping_code FROM cfg_groupings ORDER BY 1").fetchall()]
        if grouping not in known:
            raise UnknownTerritory(f"unknown grouping {grouping!r}; choose among {', '.join(known)}")
        if grouping != GROUPING:
            return [("grouping", grouping)]
        out = [("grouping", grouping)]
        for lv in ("epci", "ze2020"):
            m = members(con, lv, geo_year, census)
            out += [(lv, c) for c in m[m.share_inside >= MAJORITY].code]
        return out
    if level not in LEVELS:
        raise UnknownTerritory(f"unknown level {level!r}; choose among {', '.join(LEVELS)}")
    if not scalar(con, "SELECT count(*) FROM territories WHERE level = ? AND code = ? AND geo_year = ?",
                  [level, code, geo_year]):
        raise UnknownTerritory(f"no {level} with code {code!r} in the {geo_year} geography; find codes with "
                               f"`observatoire territories --level {level} --geo-year {geo_year} --search …`")
    return [(level, code)]


def write_portraits(warehouse_path: Path, out_dir: Path, level: str | None = None, code: str | None = None,
                    grouping: str | None = None) -> list[Path]:
    """Portraits of one territory (level + code) or of a grouping and its EPCI and zones d'emploi, plus index.html."""
    con = connect_readonly(warehouse_path)
    try:
        geo_year = latest_geo(con)
        census = latest_census(con, geo_year)
        targets = _targets(con, geo_year, census, level, code, grouping)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "img").mkdir(exist_ok=True)
        written, index = [], []
        for lv, cd in targets:
            name, blocks = portrait_blocks(con, lv, cd, geo_year, census)
            stem = f"{lv}-{slug(cd)}"
            for b in blocks:
                if b.kind == "figure":
                    (out_dir / "img" / image_file(b)).write_bytes(b.content)
            (out_dir / f"{stem}.md").write_text(to_markdown(blocks, "img"), encoding="utf-8")
            path = out_dir / f"{stem}.html"
            path.write_text(to_html(blocks, f"{name} — portrait", links={INDEX_LINK: "index.html"}), encoding="utf-8")
            written.append(path)
            population = scalar(con, "SELECT population FROM mart_population WHERE niveau = ? AND code = ? "
                                     "AND millesime_geo = ? AND recensement = ?", [lv, cd, geo_year, census])
            index.append((LEVEL_NAMES.get(lv, lv), name, path.name, population))
        written.append(_write_index(out_dir, index, geo_year, census))
        return written
    finally:
        con.close()


def _write_index(out_dir: Path, entries: list[tuple[str, str, str, float]], geo_year: int, census: str) -> Path:
    blocks = [
        Block("h1", "Portraits de territoire"),
        Block("links", [("← Le diagnostic du Bassin minier", "../diagnostic.html")]),
        Block("p", f"Paru le {date_fr(datetime.now(UTC).date())}."),
        Block("p", f"Géographie au 1er janvier {geo_year}, recensement {census}. Un portrait par territoire : série "
                   "longue de population et ses composantes, âges, densité, ménages et logements, emploi, revenus, "
                   "chômage, chacun comparé au département, à la région et à la France métropolitaine."),
    ]
    links = {}
    for level_name in dict.fromkeys(e[0] for e in entries):
        items = []
        for _, name, file, population in (e for e in entries if e[0] == level_name):
            item = f"{name} — {fr(population)} habitants en {census}"
            links[item] = file
            items.append(item)
        heading = level_name[0].upper() + level_name[1:]  # « EPCI » stays in capitals
        blocks += [Block("h2", heading, slug(level_name)), Block("list", items)]
    path = out_dir / "index.html"
    path.write_text(to_html(blocks, "Portraits de territoire", links=links), encoding="utf-8")
    (out_dir / "index.md").write_text(
        "\n".join([f"# Portraits de territoire (géographie {geo_year})", ""]
                  + [f"- [{html.escape(n)}]({f})" for _, n, f, _ in entries]) + "\n", encoding="utf-8")
    return path


def run_cli(
    warehouse_path: Path, level: str | None, code: str | None, grouping: str | None, target: Path, echo=print
) -> int:
    """`observatoire portrait`: exit code 0 written, 1 no warehouse, 4 bad option value (the message says why)."""
    if not grouping and not (level and code):
        echo("give --grouping, or --level and --code")
        return 4
    try:
        paths = write_portraits(warehouse_path, target, level, code, grouping)
    except FileNotFoundError as exc:
        echo(str(exc))
        return 1
    except UnknownTerritory as exc:
        echo(str(exc))
        return 4
    echo(f"{len(paths) - 1} portrait(s); index: {paths[-1]}")
    return 0


# the sections of INSEE's « dossier complet » that the warehouse's data allow, each a list of catalogue indicators
DOSSIER = {
    "Population et ses composantes": [
        "population", "taux_variation_annuel_moyen_compose", "naissances", "deces", "solde_naturel",
        "solde_migratoire_apparent", "taux_natalite", "taux_mortalite", "taux_variation_annuel_solde_naturel",
        "taux_variation_annuel_solde_migratoire_apparent"],
    "Âges": ["pop_moins_20_ans", "pop_60_ans_et_plus", "part_moins_20_ans", "part_60_ans_et_plus", "indice_jeunesse"],
    "Superficie et densité": ["superficie", "densite_population"],
    "Ménages et logements": [
        "menages", "logements", "residences_principales", "residences_secondaires", "logements_vacants",
        "taux_vacance_logements", "part_residences_secondaires", "part_proprietaires"],
    "Emploi et activité": [
        "population_15_64_ans", "actifs_15_64_ans", "taux_activite_15_64_ans", "chomeurs_15_64_ans",
        "taux_chomage_recensement_15_64_ans", "emplois_lieu_travail", "emplois_salaries_lieu_travail",
        "emplois_par_actif_occupe_15_64_ans", "etablissements_actifs"],
    "Revenus": ["mediane_niveau_vie", "premier_decile_niveau_vie", "neuvieme_decile_niveau_vie",
                "rapport_interdecile_d9_d1", "taux_pauvrete", "part_menages_fiscaux_imposes"],
}
SHOWN_FLAGS = ("provisional", "suppressed")


def dossier_table(con: duckdb.DuckDBPyConnection, places: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """One row per indicator the territory (first place) has: its latest period on its latest geography, the
    value of every place for that same period and geography, the unit and the source with its vintage."""
    first = places.iloc[0]
    producers = {k: (p or "", (d or "").split(" — ")[0].split(" (")[0]) for k, p, d in con.execute(
        "SELECT source_id, producer, product FROM cfg_sources").fetchall()}
    rows = []
    for indicator in indicators:
        found = con.execute(
            "SELECT v.period, v.geo_year, c.label, c.unit, c.precision, v.source_id FROM indicator_values v "
            "JOIN indicator_catalogue c ON c.id = v.indicator_id WHERE v.indicator_id = ? AND v.level = ? "
            "AND v.code = ? ORDER BY v.geo_year DESC, regexp_extract(v.period, '([0-9]{4})(-T[1-4])?$', 1) DESC, "
            "v.period DESC LIMIT 1",
            [indicator, first.level, first.code]).fetchall()
        if not found:
            continue
        period, geo, label, unit, precision, source_id = found[0]
        decimals = 0 if precision is None else int(float(precision))
        row = {"indicateur": label, "période": period.replace("-", "–") if "T" not in period else quarter_fr(period),
               "unité": unit or ""}
        for r in places.itertuples():
            got = con.execute(
                "SELECT value, coalesce(flags, '') FROM indicator_values WHERE indicator_id = ? AND level = ? "
                "AND code = ? AND period = ? AND geo_year = ?", [indicator, r.level, r.code, period, geo]).fetchall()
            if not got:
                row[r.label] = ""
                continue
            value, flags = got[0]
            shown = flag_words(",".join(f for f in flags.split(",") if f in SHOWN_FLAGS))
            row[r.label] = (fr(value, decimals) + shown) if value is not None else shown.strip(" ()") or "—"
        producer, product = producers.get(str(source_id).split(",")[0].strip(), ("", ""))
        named = ", ".join(x for x in (producer.split(" (")[0], product) if x)
        row["source"] = f"{named} ; géographie {geo}" if named else f"géographie {geo}"
        rows.append(row)
    return pd.DataFrame(rows)


def dossier_blocks(con: duckdb.DuckDBPyConnection, level: str, code: str, places: pd.DataFrame) -> list[Block]:
    blocks = []
    for section_title, indicators in DOSSIER.items():
        table = dossier_table(con, places, indicators)
        anchor = slug(f"dossier {section_title}")
        if section_title == "Revenus" and level != "commune":
            who = "une zone d'emploi" if level == "ze2020" else (
                "un EPCI" if level == "epci" else "ce territoire")
            blocks += [Block("h2", section_title, anchor), Block("p", (
                "L'Insee publie la médiane du niveau de vie et le taux de pauvreté par commune (FiLoSoFi) ; "
                f"l'observatoire n'en a pas reçu pour {who}. Une médiane ou un taux de pauvreté ne s'additionne ni "
                "ne se moyenne sur les communes : il n'est donc pas calculé ici. Les valeurs des communes sont dans "
                "le rapport (partie Revenus)."))]
            continue
        if table.empty:
            continue
        blocks += [Block("h2", section_title, anchor), Block("table", table)]
    return blocks


def available_values(con: duckdb.DuckDBPyConnection, level: str, code: str) -> pd.DataFrame:
    """« Indicateurs disponibles »: the latest value of every indicator the territory has, with its period."""
    frame = con.execute(
        """SELECT c.label AS indicateur, v.period, v.value, c.unit AS unité, c.precision, v.geo_year,
                  coalesce(v.flags, '') AS flags
           FROM indicator_values v JOIN indicator_catalogue c ON c.id = v.indicator_id
           WHERE v.level = ? AND v.code = ?
           QUALIFY row_number() OVER (PARTITION BY v.indicator_id
                                      ORDER BY v.geo_year DESC,
                                               regexp_extract(v.period, '([0-9]{4})(-T[1-4])?$', 1) DESC,
                                               v.period DESC) = 1
           ORDER BY indicateur""", [level, code]).df()
    return pd.DataFrame({
        "indicateur": frame.indicateur,
        "période": [quarter_fr(p) if "T" in p else p.replace("-", "–") for p in frame.period],
        "valeur": [fr(v, 0 if pd.isna(p) else int(float(p))) + flag_words(
            ",".join(f for f in fl.split(",") if f in SHOWN_FLAGS))
            for v, p, fl in zip(frame.value, frame.precision, frame["flags"], strict=True)],
        "unité": frame["unité"].fillna(""),
        "géographie": frame.geo_year.astype(str),
    })
