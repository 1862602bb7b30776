"""Census flows in the publication (issue 23): home–work commuting (FD_MOBPRO or base flux) and residential
migration one year before the census (FD_MIGCOM or base flux).

Everything is read from the published warehouse: the territories' indicators (mart_navettes_territoires,
mart_migrations), their flows with each EPCI outside them (mart_flux_partenaires), the edition and its geography
(edition N on the COG of 1 January N+2). Counts are weighted census counts: each one shown carries INSEE's
reliability mark (≥ 500 fiable, 200–500 à prendre avec précaution, < 200 peu fiable: the marts' `flags` where the
mart gives one for that number, else the same thresholds on the count), and flows under 100 are not detailed,
as in INSEE's own tables. Counts are rounded to the unit here, at display.
Without a flow source, each section is one French sentence naming the INSEE file that would feed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from reports.maps import MapError, flow_map, map_block
from reports.render import Block, fr, short_label, slug

GROUPING = "bassin_minier"
MAJORITY = 0.5  # as reports/today.py: an EPCI « of the Bassin minier » has half its population in it
HIDDEN_BELOW = 100  # INSEE's flow tables leave out flows under 100
CAUTION_BELOW, LOW_BELOW = 500, 200  # INSEE's reliability thresholds of a weighted count (the marts' flags)
TOP_REPORT, TOP_EPCI, TOP_PORTRAIT = 10, 3, 5
FLAGS = ("use_with_caution", "low_reliability")  # transforms/flags.yml
MARK = {None: "", "use_with_caution": "\u00a0*", "low_reliability": "\u00a0**"}
WORD = {None: "fiable", "use_with_caution": "à prendre avec précaution", "low_reliability": "peu fiable"}
LEGEND = ("Fiabilité des effectifs pondérés du recensement, selon les seuils de l'Insee : sans marque, 500 ou plus "
          "(fiable) ; * de 200 à moins de 500 (à prendre avec précaution) ; ** moins de 200 (peu fiable). Une part "
          "ou un taux porte la marque de l'effectif sur lequel il repose. Comme dans les tableaux de l'Insee, les "
          "flux de moins de 100 personnes ne sont pas détaillés.")
# source_id → the file's name for the reader, per flow kind
PRODUCTS = {
    "insee_fd_mobpro": "fichier détail MOBPRO",
    "insee_base_flux_mobpro": "base des flux de mobilité domicile – lieu de travail",
    "insee_fd_migcom": "fichier détail MIGCOM",
    "insee_base_flux_migcom": "base des flux de mobilité résidentielle",
}


@dataclass(frozen=True)
class Kind:
    """One flow kind and its words."""

    flux: str  # mart_flux_partenaires.flux
    title: str
    detail: str  # source_id of the detail file, then of the base flux file
    base: str
    unit: str  # what a count counts
    out_words: str  # destination: header of the partner column
    in_words: str  # origine
    named: str  # the detail file, for the reader


COMMUTING = Kind("navettes", "Déplacements domicile-travail", "insee_fd_mobpro", "insee_base_flux_mobpro",
                 "actifs occupés", "lieu de travail", "lieu de résidence",
                 "fichier détail « Mobilités professionnelles des individus » (MOBPRO)")
MIGRATION = Kind("migrations", "Migrations résidentielles", "insee_fd_migcom", "insee_base_flux_migcom",
                 "personnes", "nouvelle résidence", "résidence un an avant",
                 "fichier détail « Migrations résidentielles » (MIGCOM)")


def reliability(value: float | None, flag: str | None = "") -> str | None:
    """The flag of a count: the mart's own when given (None or '' = reliable), else INSEE's thresholds."""
    if flag != "":
        return next((f for f in FLAGS if f in str(flag or "").split(",")), None)
    if value is None or pd.isna(value):
        return None
    return "low_reliability" if value < LOW_BELOW else ("use_with_caution" if value < CAUTION_BELOW else None)


def count(value: float | None, flag: str | None = "") -> str:
    """A weighted count for the reader: rounded to the unit, with its mark; « moins de 100 » below INSEE's floor."""
    if value is None or pd.isna(value):
        return ""
    if abs(value) < HIDDEN_BELOW:
        return "moins de 100" + MARK["low_reliability"]
    return fr(value) + MARK[reliability(value, flag)]


def marked(text: str, flag: str | None) -> str:
    """A ratio or balance with the mark of the count it rests on."""
    return text + MARK[reliability(None, flag)] if text else text


def said(flag: str | None, inside: bool = False) -> str:
    """The mark in words, for sentences (« » when reliable); `inside` a parenthesis already: « , peu fiable »."""
    found = reliability(None, flag)
    if not found:
        return ""
    return f", {WORD[found]}" if inside else f" ({WORD[found]})"


@dataclass(frozen=True)
class Edition:
    """The latest census edition of a flow kind in the warehouse."""

    census: str
    geo_year: int
    source_ids: tuple[str, ...]

    def source(self) -> str:
        files = " et ".join(PRODUCTS.get(s, s) for s in self.source_ids)
        return f"Insee, recensement {self.census}, {files} ; géographie au 1er janvier {self.geo_year}"


def edition(con: duckdb.DuckDBPyConnection, kind: Kind) -> Edition | None:
    found = con.execute(
        "SELECT recensement, millesime_geo, list_sort(list_distinct(list(source_id))) FROM mart_flux_partenaires "
        "WHERE flux = ? GROUP BY ALL ORDER BY recensement DESC, millesime_geo DESC LIMIT 1", [kind.flux]).fetchall()
    if not found:
        return None
    census, geo_year, sources = found[0]
    return Edition(str(census), int(geo_year), tuple(sources))


def not_configured(kind: Kind, geo_year: int) -> str:
    """One sentence: which INSEE file would feed the section (edition N on the geography of 1 January N+2)."""
    return (f"{kind.title} : pas de données de flux configurées. Cette partie se calcule depuis le {kind.named} du "
            f"recensement de l'Insee (édition {geo_year - 2}, sur la géographie au 1er janvier {geo_year}, ou une "
            f"édition antérieure), ou depuis sa {PRODUCTS[kind.base]} ; le fichier se déclare dans la configuration "
            "des sources de l'observatoire (fichier et clé nommés dans l'annexe technique).")


def territory_label(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> str | None:
    found = con.execute("SELECT label FROM territories WHERE level = ? AND code = ? AND geo_year = ?",
                        [level, code, geo_year]).fetchall()
    return short_label(found[0][0]) if found and found[0][0] else None


def partner_label(code: str, label: str | None, partial: bool, territory: str) -> str:
    if code == "99999":
        return "Étranger"
    if code == "ZZZZZ":
        return "communes hors EPCI"
    name = short_label(label or code)
    return f"{name} (communes hors {territory})" if partial else name


def partners(con: duckdb.DuckDBPyConnection, kind: Kind, ed: Edition, level: str, code: str, sens: str
             ) -> pd.DataFrame:
    """Every partner of the territory in one direction, largest first: partner, label, count, share, flag."""
    frame = con.execute(
        "SELECT partenaire, libelle_partenaire, partenaire_partiel, flux_effectif AS effectif, "
        "flux_total_sens AS effectif_total_sens, flux_part_pct AS part_pct, rang, "
        "flags AS flag FROM mart_flux_partenaires WHERE flux = ? AND niveau = ? AND code = ? AND sens = ? "
        "AND recensement = ? AND millesime_geo = ? ORDER BY rang, partenaire",
        [kind.flux, level, code, sens, ed.census, ed.geo_year]).df()
    name = territory_label(con, level, code, ed.geo_year) or code
    frame["label"] = [partner_label(c, lab, p, name) for c, lab, p in
                      zip(frame.partenaire, frame.libelle_partenaire, frame.partenaire_partiel, strict=True)]
    return frame


def shown(frame: pd.DataFrame, n: int) -> tuple[pd.DataFrame, int]:
    """The first n partners with a flow of 100 or more, and how many partners are not shown."""
    kept = frame[frame.effectif >= HIDDEN_BELOW].head(n)
    return kept, len(frame) - len(kept)


def top_table(kind: Kind, frame: pd.DataFrame, sens: str, n: int) -> tuple[pd.DataFrame, str]:
    """The table of the main partners and the sentence under it (what is not shown)."""
    kept, rest = shown(frame, n)
    partner = kind.out_words if sens == "destination" else kind.in_words
    share = "part des départs (%)" if sens == "destination" else "part des arrivées (%)"
    table = pd.DataFrame({
        "rang": range(1, len(kept) + 1),
        partner: kept.label,
        kind.unit: [count(v, f) for v, f in zip(kept.effectif, kept.flag, strict=True)],
        share: [marked(fr(v, 1), f) for v, f in zip(kept.part_pct, kept.flag, strict=True)],
        "fiabilité": [WORD[reliability(None, f)] for f in kept.flag],
    })
    total = frame.effectif_total_sens.iloc[0] if len(frame) else None
    note = (f"Total des {'départs' if sens == 'destination' else 'arrivées'} : {count(total)} {kind.unit}"
            + (f" ; {rest} autre{'s' if rest > 1 else ''} territoire{'s' if rest > 1 else ''} non "
               f"détaillé{'s' if rest > 1 else ''} (flux plus petits"
               + (", dont ceux de moins de 100" if (frame.effectif < HIDDEN_BELOW).any() else "") + ")"
               if rest else "") + ".")
    return table, note


def item(row) -> str:
    """« Lens-Liévin 1 234 (12,3 %) » with marks, for a cell listing several partners."""
    return f"{row.label} {count(row.effectif, row.flag)} ({fr(row.part_pct, 1)}\u00a0%)"


def epci_of_grouping(con: duckdb.DuckDBPyConnection, geo_year: int) -> pd.DataFrame:
    """EPCI of the flows' geography with at least half of their population in the grouping (as reports/today.py,
    on the flows' geography: EPCI codes change between vintages)."""
    census = con.execute(
        "SELECT max(period) FROM indicator_values WHERE indicator_id = 'population' AND level = 'grouping' "
        "AND code = ? AND geo_year = ?", [GROUPING, geo_year]).fetchall()[0][0]
    if census is None:
        return pd.DataFrame(columns=["code", "label"])
    return con.execute(
        """WITH communes AS (
               SELECT c.epci AS code, list_contains(c.groupings, ?) AS inside, v.value AS population
               FROM geo_commune c
               JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = 'commune'
                    AND v.code = c.codgeo AND v.geo_year = c.geo_year AND v.period = ?
               WHERE c.geo_year = ?)
           SELECT communes.code, t.label FROM communes
           JOIN territories t ON t.level = 'epci' AND t.code = communes.code AND t.geo_year = ?
           GROUP BY ALL HAVING sum(population) FILTER (inside) >= ? * sum(population) ORDER BY t.label""",
        [GROUPING, census, geo_year, geo_year, MAJORITY]).df()


def comparison_rows(con: duckdb.DuckDBPyConnection, geo_year: int) -> pd.DataFrame:
    """The grouping, its EPCI, then the départements and région holding it and France métropolitaine."""
    epci = epci_of_grouping(con, geo_year)
    rest = con.execute(
        """WITH d AS (SELECT DISTINCT departement AS code, 'departement' AS level, 1 AS o FROM geo_commune
                      WHERE geo_year = ? AND list_contains(groupings, ?)
                      UNION SELECT DISTINCT region, 'region', 2 FROM geo_commune
                      WHERE geo_year = ? AND list_contains(groupings, ?)
                      UNION SELECT 'FM', 'france_metro', 3)
           SELECT level, code, label FROM d JOIN territories t USING (level, code) WHERE t.geo_year = ?
           ORDER BY o, code""", [geo_year, GROUPING, geo_year, GROUPING, geo_year]).df()
    rows = pd.concat([pd.DataFrame({"level": ["grouping"], "code": [GROUPING], "label": ["Bassin minier"]}),
                      epci.assign(level="epci")[["level", "code", "label"]], rest], ignore_index=True)
    prefix = rows.level.map({"departement": "Dép. ", "region": "Région "}).fillna("")
    rows["label"] = prefix + rows.label.map(short_label)
    return rows


def _indicators(con: duckdb.DuckDBPyConnection, mart: str, ed: Edition, rows: pd.DataFrame,
                extra: str = "") -> pd.DataFrame:
    con.register("_rows", rows[["level", "code"]])
    try:
        frame = con.execute(
            f"SELECT m.* FROM {mart} m JOIN _rows r ON m.niveau = r.level AND m.code = r.code "
            f"WHERE m.recensement = ? AND m.millesime_geo = ? {extra}", [ed.census, ed.geo_year]).df()
    finally:
        con.unregister("_rows")
    frame = frame.rename(columns={"flags": "flag"})
    return rows.merge(frame, left_on=["level", "code"], right_on=["niveau", "code"], how="inner")


# ---------------------------------------------------------------- the report's sections


def commuting_blocks(con: duckdb.DuckDBPyConnection, number: str, report_geo: int) -> list[Block]:
    """« Déplacements domicile-travail »: indicators, main destinations and origins, the flow map."""
    kind = COMMUTING
    heading = Block("h3", f"{number} {kind.title}".strip(), "today-navettes")
    ed = edition(con, kind)
    if ed is None:
        return [heading, Block("p", not_configured(kind, report_geo))]
    rows = comparison_rows(con, ed.geo_year)
    ind = _indicators(con, "mart_navettes_territoires", ed, rows)
    table = pd.DataFrame({
        "territoire": ind.label,
        "actifs occupés résidents": [count(v) for v in ind.actifs_occupes_residents],
        "travaillant dans le territoire": [count(v) for v in ind.actifs_internes],
        "sortants": [count(v) for v in ind.actifs_sortants],
        "entrants": [count(v) for v in ind.actifs_entrants],
        "hors de leur commune (%)": [marked(fr(v, 1), f) for v, f in zip(ind.part_travail_hors_commune_pct,
                                                                         ind.flag, strict=True)],
        "hors de leur EPCI (%)": [marked(fr(v, 1), f) for v, f in zip(ind.part_travail_hors_epci_pct, ind.flag,
                                                                      strict=True)],
        "hors de leur zone d'emploi (%)": [marked(fr(v, 1), f) for v, f in zip(ind.part_travail_hors_ze_pct,
                                                                               ind.flag, strict=True)],
    })
    blocks = [heading, *(Block("p", t) for t in _commuting_text(con, kind, ed, ind)),
              Block("p", f"Actifs occupés de 15 ans ou plus selon leur commune de résidence et leur commune de "
                         f"travail, recensement {ed.census}, géographie au 1er janvier {ed.geo_year}. Sortants : "
                         "résidents travaillant hors du territoire (étranger compris) ; entrants : résidents du "
                         "reste de la France venant y travailler. Les parts sont des rapports de sommes."),
              Block("table", table)]
    blocks += _top_blocks(con, kind, ed, [("destination", "Principaux lieux de travail des actifs résidant dans "
                                                          "le Bassin minier, hors du Bassin minier"),
                                          ("origine", "Principaux lieux de résidence des actifs venant travailler "
                                                      "dans le Bassin minier")])
    blocks += _epci_partners(con, kind, ed, rows, "principaux lieux de travail hors de l'EPCI",
                             "principaux lieux de résidence des actifs entrants")
    blocks.append(Block("p", LEGEND))
    blocks.append(Block("p", f"Source : {ed.source()}."))
    if (drawn := flow_map_block(con, kind, "destination", "grouping", GROUPING, ed, TOP_REPORT)) is not None:
        blocks.append(drawn)
    return blocks


def migration_blocks(con: duckdb.DuckDBPyConnection, number: str, report_geo: int) -> list[Block]:
    """« Migrations résidentielles »: entrants, sortants, solde and rate; main origins and destinations."""
    kind = MIGRATION
    heading = Block("h3", f"{number} {kind.title}".strip(), "today-migrations")
    ed = edition(con, kind)
    if ed is None:
        return [heading, Block("p", not_configured(kind, report_geo))]
    rows = comparison_rows(con, ed.geo_year)
    ind = _indicators(con, "mart_migrations", ed, rows, "AND m.tranche_age = 'ensemble'")
    young = _indicators(con, "mart_migrations", ed, rows, "AND m.tranche_age = '15-29'").set_index(
        ["level", "code"])
    young = young.reindex(pd.MultiIndex.from_frame(ind[["level", "code"]]))
    table = pd.DataFrame({
        "territoire": ind.label,
        "déjà résidents un an avant": [count(v) for v in ind.migrants_iso],
        "arrivés d'ailleurs en France (entrants)": [count(v) for v in ind.migrants_entrants],
        "partis ailleurs en France (sortants)": [count(v) for v in ind.migrants_sortants],
        "solde": [marked(fr(v, 0, sign=True), f) for v, f in zip(ind.solde_migratoire_interne, ind.flag,
                                                                 strict=True)],
        "taux de migration nette interne (‰)": [marked(fr(v, 1, sign=True), f) for v, f in
                                                zip(ind.taux_migration_nette_interne_pmille, ind.flag,
                                                    strict=True)],
        "dont 15–29 ans : taux (‰)": [marked(fr(v, 1, sign=True), f) for v, f in
                                      zip(young.taux_migration_nette_interne_pmille, young.flag, strict=True)],
    })
    blocks = [heading, *(Block("p", t) for t in _migration_text(con, kind, ed, ind)),
              Block("p", f"Personnes selon leur commune de résidence au recensement {ed.census} et un an "
                         f"auparavant, géographie au 1er janvier {ed.geo_year}. Entrants : résidents qui habitaient "
                         "ailleurs en France un an avant ; sortants : habitants d'alors partis ailleurs en France. "
                         "Taux de migration nette interne (Observatoire des territoires) : (entrants − sortants) "
                         "rapportés à la moyenne des populations de début et de fin de période, en pour mille. Les "
                         "arrivées de l'étranger n'y entrent pas (le recensement ne voit pas les départs à "
                         "l'étranger)."),
              Block("table", table)]
    blocks += _top_blocks(con, kind, ed, [("origine", "D'où viennent les nouveaux habitants du Bassin minier "
                                                      "(résidence un an avant, hors du Bassin minier)"),
                                          ("destination", "Où sont partis les habitants du Bassin minier")])
    blocks += _epci_partners(con, kind, ed, rows, "principales destinations des partants",
                             "principales origines des arrivants")
    blocks.append(Block("p", LEGEND))
    blocks.append(Block("p", f"Source : {ed.source()}."))
    if (drawn := flow_map_block(con, kind, "origine", "grouping", GROUPING, ed, TOP_REPORT)) is not None:
        blocks.append(drawn)
    return blocks


def _top_blocks(con, kind: Kind, ed: Edition, directions: list[tuple[str, str]]) -> list[Block]:
    blocks = []
    for sens, title in directions:
        frame = partners(con, kind, ed, "grouping", GROUPING, sens)
        if frame.empty:
            continue
        table, note = top_table(kind, frame, sens, TOP_REPORT)
        blocks += [Block("p", f"{title} :"), Block("table", table), Block("p", note)]
    return blocks


def _epci_partners(con, kind: Kind, ed: Edition, rows: pd.DataFrame, out_title: str, in_title: str
                   ) -> list[Block]:
    epci = rows[rows.level == "epci"]
    out = []
    for r in epci.itertuples():
        cells = {}
        for sens, title in (("destination", out_title), ("origine", in_title)):
            kept, _ = shown(partners(con, kind, ed, "epci", r.code, sens), TOP_EPCI)
            cells[f"{title} ({TOP_EPCI} premiers)"] = " ; ".join(item(p) for p in kept.itertuples()) or "—"
        out.append({"EPCI": r.label, **cells})
    if not out:
        return []
    return [Block("p", f"Les EPCI du Bassin minier (géographie au 1er janvier {ed.geo_year}) et leurs "
                       f"principaux partenaires hors de l'EPCI, {kind.unit} et part du total :"),
            Block("table", pd.DataFrame(out))]


def _first(frame: pd.DataFrame) -> str | None:
    """The main partner in France (abroad is said apart), as words."""
    kept, _ = shown(frame[frame.partenaire != "99999"], 1)
    if kept.empty:
        return None
    r = kept.iloc[0]
    return f"{r.label} ({count(r.effectif, r.flag)}, {fr(r.part_pct, 1)}\u00a0%{said(r.flag, True)})"


def _abroad(frame: pd.DataFrame) -> float | None:
    found = frame.loc[frame.partenaire == "99999", "effectif"]
    return float(found.iloc[0]) if len(found) and found.iloc[0] >= HIDDEN_BELOW else None


def _commuting_text(con, kind: Kind, ed: Edition, ind: pd.DataFrame) -> list[str]:
    text = []
    ours = ind[ind.level == "grouping"]
    if len(ours):
        r = ours.iloc[0]
        sentence = (f"Au recensement {ed.census}, {fr(r.part_travail_hors_commune_pct, 1)}\u00a0% des "
                    f"{count(r.actifs_occupes_residents, r.flag)} actifs occupés résidant dans le Bassin minier "
                    f"travaillent hors de leur commune{said(r.flag)}, et {fr(r.part_travail_hors_epci_pct, 1)}\u00a0% "
                    "hors de leur EPCI.")
        out = partners(con, kind, ed, "grouping", GROUPING, "destination")
        if (dest := _first(out)) is not None:
            sentence += f" Hors du Bassin minier, ils vont d'abord vers : {dest}."
        if (abroad := _abroad(out)) is not None:
            sentence += f" {count(abroad)} actifs travaillent à l'étranger."
        if (orig := _first(partners(con, kind, ed, "grouping", GROUPING, "origine"))) is not None:
            sentence += (f" À l'inverse, {count(r.actifs_entrants)} actifs venus d'ailleurs en France y "
                         f"travaillent, d'abord depuis : {orig}.")
        text.append(sentence)
    epci = ind[ind.level == "epci"].dropna(subset=["part_travail_hors_epci_pct"]).sort_values(
        "part_travail_hors_epci_pct")
    if len(epci) > 1:
        lo, hi = epci.iloc[0], epci.iloc[-1]
        text.append(f"Parmi les EPCI du Bassin minier, la part des actifs travaillant hors de leur EPCI va de "
                    f"{fr(lo.part_travail_hors_epci_pct, 1)}\u00a0% ({lo.label}{said(lo.flag, True)}) à "
                    f"{fr(hi.part_travail_hors_epci_pct, 1)}\u00a0% ({hi.label}{said(hi.flag, True)}).")
    return text


def _migration_text(con, kind: Kind, ed: Edition, ind: pd.DataFrame) -> list[str]:
    text = []
    ours = ind[ind.level == "grouping"]
    if len(ours):
        r = ours.iloc[0]
        balance = r.solde_migratoire_interne
        sentence = (f"Un an avant le recensement {ed.census}, {count(r.migrants_entrants)} habitants actuels du "
                    f"Bassin minier résidaient ailleurs en France, et {count(r.migrants_sortants)} de ses habitants "
                    f"d'alors sont partis ailleurs en France : le solde des "
                    f"échanges résidentiels est {'négatif' if balance < 0 else 'positif' if balance > 0 else 'nul'} "
                    f"({fr(balance, 0, sign=True)} personnes, taux de migration nette interne de "
                    f"{fr(r.taux_migration_nette_interne_pmille, 1, sign=True)}\u00a0‰{said(r.flag, True)}).")
        came = partners(con, kind, ed, "grouping", GROUPING, "origine")
        if (orig := _first(came)) is not None:
            sentence += f" Les nouveaux habitants venus d'ailleurs en France arrivent d'abord de : {orig}."
        if (abroad := _abroad(came)) is not None:
            sentence += f" {count(abroad)} habitants sont arrivés de l'étranger dans l'année."
        text.append(sentence)
    epci = ind[ind.level == "epci"].dropna(subset=["taux_migration_nette_interne_pmille"]).sort_values(
        "taux_migration_nette_interne_pmille")
    if len(epci) > 1:
        lo, hi = epci.iloc[0], epci.iloc[-1]
        low, high = (fr(r.taux_migration_nette_interne_pmille, 1, sign=True) for r in (lo, hi))
        text.append(f"Parmi les EPCI du Bassin minier, le taux de migration nette interne va de {low}\u00a0‰ "
                    f"({lo.label}{said(lo.flag, True)}) à {high}\u00a0‰ ({hi.label}{said(hi.flag, True)}).")
    return text


# ---------------------------------------------------------------- portraits


PORTRAIT_LEVELS = ("grouping", "epci", "ze2020")  # the levels of mart_flux_partenaires


def portrait_blocks(con: duckdb.DuckDBPyConnection, level: str, code: str, geo_year: int) -> list[Block]:
    """A portrait's « Flux » section: where its employed residents work and where its newcomers lived a year
    before (top 5 each, with marks), and a small flow map of the commuting."""
    blocks = [Block("h2", "Déplacements domicile-travail et migrations résidentielles", "flux")]
    eds = {kind.flux: edition(con, kind) for kind in (COMMUTING, MIGRATION)}
    if all(ed is None for ed in eds.values()):
        return blocks + [Block("p", "Pas de données de flux configurées : les principaux lieux de travail des "
                                    "actifs et les principales origines des nouveaux habitants se calculent depuis "
                                    "les fichiers détail MOBPRO et MIGCOM du recensement de l'Insee (ou ses bases "
                                    f"des flux), édition {geo_year - 2} ou antérieure, à déclarer dans la "
                                    "configuration des sources de l'observatoire.")]
    if level not in PORTRAIT_LEVELS:
        return blocks + [Block("p", "Les principaux flux sont publiés pour le Bassin minier, les EPCI et les zones "
                                    "d'emploi.")]
    for kind, sens, title in ((COMMUTING, "destination", "Où travaillent les actifs qui y résident"),
                              (MIGRATION, "origine", "D'où viennent les nouveaux habitants (résidence un an avant)")):
        ed = eds[kind.flux]
        blocks.append(Block("h3", title, f"flux-{kind.flux}"))
        if ed is None:
            blocks.append(Block("p", not_configured(kind, geo_year)))
            continue
        name = territory_label(con, level, code, ed.geo_year)
        if name is None:
            blocks.append(Block("p", f"Ce territoire n'existe pas dans la géographie au 1er janvier {ed.geo_year} "
                                     f"des flux du recensement {ed.census} : pas de flux publié pour lui."))
            continue
        frame = partners(con, kind, ed, level, code, sens)
        if frame.empty:
            blocks.append(Block("p", f"Aucun flux vers ou depuis ce territoire au recensement {ed.census}."))
            continue
        table, note = top_table(kind, frame, sens, TOP_PORTRAIT)
        what = ("lieux de travail, hors du territoire, de ses actifs occupés" if sens == "destination" else
                "lieux de résidence, un an avant le recensement, de ses nouveaux habitants")
        lead = (f"{name} : principaux {what} (au plus {TOP_PORTRAIT}), recensement {ed.census}, géographie au "
                f"1er janvier {ed.geo_year}.")
        blocks += [Block("p", lead), Block("table", table), Block("p", note),
                   Block("p", f"Source : {ed.source()}.")]
        if kind is COMMUTING and (drawn := flow_map_block(con, kind, sens, level, code, ed, TOP_PORTRAIT,
                                                          small=True)) is not None:
            blocks.append(drawn)
    blocks.append(Block("p", LEGEND))
    return blocks


def flow_map_block(con: duckdb.DuckDBPyConnection, kind: Kind, sens: str, level: str, code: str, ed: Edition, top: int,
                   small: bool = False) -> Block | None:
    """The map of a territory's main flows in one direction (those shown in its table), or None when nothing can
    be drawn (no geometry, no flow of 100 or more)."""
    kept, _ = shown(partners(con, kind, ed, level, code, sens), top)
    if kept.empty:
        return None
    name = territory_label(con, level, code, ed.geo_year) or code
    flows = pd.DataFrame({"partenaire": kept.partenaire, "label": kept.label, "effectif": kept.effectif,
                          "flag": [reliability(None, f) for f in kept.flag],
                          "text": [count(v, f) for v, f in zip(kept.effectif, kept.flag, strict=True)]})
    what = {("navettes", "destination"): "où travaillent ses actifs occupés",
            ("navettes", "origine"): "d'où viennent les actifs qui y travaillent",
            ("migrations", "origine"): "d'où viennent ses nouveaux habitants",
            ("migrations", "destination"): "où sont partis ses habitants"}[(kind.flux, sens)]
    title = f"{name} : {what}, principaux flux hors du territoire (recensement {ed.census})"
    try:
        figure_ = flow_map(con, level, code, ed.geo_year, flows, sens == "destination", title, kind.unit,
                           ed.source(), small)
    except MapError:  # no outline for this geography: the tables say it all
        return None
    return map_block(figure_, f"flux_{kind.flux}_{sens}_{level}_{slug(code)}")
