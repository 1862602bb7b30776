"""Census flows in the publication (issue 23, item 6): the report's « Migrations résidentielles » and
« Déplacements domicile-travail » sections, the flow map, the portraits' flow section — on a small-geography
warehouse built with SYNTHETIC FD_MOBPRO / FD_MIGCOM files (tests/flux_publication_home.py). Expected flows are
computed here with pandas from the generated rows and the bundled COG membership table, never read back from the
warehouse; without a flow source, each section is one French sentence naming the INSEE file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

import pandas as pd
import pytest

from reports import flows
from reports.render import Block, fr, short_label
from tests.flux_publication_home import EDITION, GEO_YEAR, build_flow_home, membership
from tests.test_publication import _english_or_internal, _reader_text

BASSIN_MINIER = ("622", "627", "593", "596")  # its arrondissements (transforms/config.yml)
EPCI = "246200364"  # CA de Lens - Liévin, the same code in 2022 and 2024
SOURCE_MOBPRO = f"Insee, recensement {EDITION}, fichier détail MOBPRO ; géographie au 1er janvier {GEO_YEAR}"
SOURCE_MIGCOM = f"Insee, recensement {EDITION}, fichier détail MIGCOM ; géographie au 1er janvier {GEO_YEAR}"


@pytest.fixture(scope="module")
def published(small_home, small_data, tmp_path_factory):
    """The warehouse with flows, its report and two portraits (the grouping, one EPCI)."""
    from reports.portraits import write_portraits
    from reports.report import write_report
    from warehouse.db import connect_readonly

    work = tmp_path_factory.mktemp("flux-publication")
    home, mob, mig = build_flow_home(small_home, small_data, work)
    path = home / "warehouse" / "observatoire.duckdb"
    report = write_report(path, work / "out")
    portraits = {}
    for level, code in (("grouping", "bassin_minier"), ("epci", EPCI)):
        page = write_portraits(path, work / "out" / "portraits", level, code)[0]
        portraits[level] = unescape(page.read_text(encoding="utf-8"))
    con = connect_readonly(path)
    yield {"con": con, "html": unescape(report["html"].read_text(encoding="utf-8")), "portraits": portraits,
           "img": work / "out" / "img", "mob": mob, "mig": mig, "member": membership(GEO_YEAR, small_data)}
    con.close()


def _expected(rows: pd.DataFrame, member: pd.DataFrame, here: str, there: str, inside, sens: str,
              territory: str) -> pd.DataFrame:
    """Partners of a territory from the generated rows (each a move from the commune in column `here` to the one in
    `there`): IPONDI summed by the EPCI of the commune at the other end, outside the territory (99999 abroad),
    largest first; label and INSEE's reliability word."""
    w = rows["IPONDI"].astype(float)
    home_in = rows[here].map(inside).fillna(False).astype(bool)
    other_in = rows[there].map(inside).fillna(False).astype(bool)
    if sens == "destination":
        pick, other = home_in & ~other_in, rows[there]
    else:
        pick, other = other_in & ~home_in, rows[here]
    partner = other[pick].map(lambda c: "99999" if c == "99999" else member["epci"].get(c, "ZZZZZ"))
    out = w[pick].groupby(partner).sum().sort_values(ascending=False).rename("weight").reset_index()
    out.columns = ["partner", "weight"]
    out["share"] = 100 * out.weight / out.weight.sum()
    out["word"] = ["peu fiable" if v < 200 else "à prendre avec précaution" if v < 500 else "fiable"
                   for v in out.weight]
    straddling = set(member.loc[[c for c in member.index if inside(c)], "epci"])
    out["straddles"] = out.partner.isin(straddling)
    return out


def _labels(con, partners: pd.Series, straddles: pd.Series, territory: str) -> list[str]:
    names = dict(con.execute("SELECT code, label FROM territories WHERE level = 'epci' AND geo_year = ?",
                             [GEO_YEAR]).fetchall())
    return ["Étranger" if p == "99999" else short_label(names[p]) + (f" (communes hors {territory})" if s else "")
            for p, s in zip(partners, straddles, strict=True)]


def _number(text: str) -> float:
    return float(text.rstrip("*").replace("\u00a0", "").replace("\u202f", "").replace(",", ".").replace("−", "-"))


def _tables(blocks: list[Block]) -> list[pd.DataFrame]:
    return [b.content for b in blocks if b.kind == "table"]


def _check_top(table: pd.DataFrame, want: pd.DataFrame, labels: list[str], n: int) -> None:
    kept = want[want.weight >= flows.HIDDEN_BELOW].head(n)
    assert len(table) == len(kept) and len(kept) >= 3
    got_labels = table.iloc[:, 1].tolist()
    assert got_labels == [lab for lab, keep in zip(labels, want.weight >= flows.HIDDEN_BELOW, strict=True)
                          if keep][:n]
    for got, weight in zip(table.iloc[:, 2], kept.weight, strict=True):
        assert abs(_number(got) - weight) <= 0.55, (got, weight)  # rounded to 0.1 in the mart, to 1 at display
        assert got.endswith("\u00a0**") == (weight < 200) and got.endswith("\u00a0*") == (200 <= weight < 500)
    for got, share in zip(table.iloc[:, 3], kept.share, strict=True):
        assert abs(_number(got) - share) <= 0.051
    assert table["fiabilité"].tolist() == kept.word.tolist()


def _section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"')[1].split("<h3 ")[0].split("<h2 ")[0]


def test_commuting_section_lists_the_top_destinations_and_origins(published):
    con, mob, member = published["con"], published["mob"], published["member"]
    inside = member["arr"].isin(BASSIN_MINIER).to_dict().get
    geo = con.sql("SELECT max(geo_year) FROM territories WHERE level = 'epci'").fetchall()[0][0]
    tables = _tables(flows.commuting_blocks(con, "1.8", geo))
    for sens, table in (("destination", tables[1]), ("origine", tables[2])):
        want = _expected(mob, member, "COMMUNE", "DCLT", inside, sens, "Bassin minier")
        _check_top(table, want, _labels(con, want.partner, want.straddles, "Bassin minier"), flows.TOP_REPORT)
    html = _section(published["html"], "today-navettes")
    assert "Déplacements domicile-travail" in published["html"]
    assert SOURCE_MOBPRO in html and "500 ou plus" in html and "à prendre avec précaution" in html
    assert "peu fiable" in html and "moins de 100" in html
    # the share of residents working outside their commune, for the grouping, from the rows (abroad is outside)
    home_in = mob["COMMUNE"].map(inside).fillna(False).astype(bool)
    w = mob["IPONDI"].astype(float)[home_in]
    outside = w[mob.loc[home_in, "DCLT"] != mob.loc[home_in, "COMMUNE"]].sum()
    assert f"{fr(100 * outside / w.sum(), 1)}\u00a0% des {fr(w.sum())}" in html
    # residents, internal, outgoing (abroad included) and incoming workers of the grouping
    weight = mob["IPONDI"].astype(float)
    work_in = mob["DCLT"].map(inside).fillna(False).astype(bool)
    row = tables[0].iloc[0]
    assert row["territoire"] == "Bassin minier"
    for column, want in (("actifs occupés résidents", weight[home_in].sum()),
                         ("travaillant dans le territoire", weight[home_in & work_in].sum()),
                         ("sortants", weight[home_in & ~work_in].sum()),
                         ("entrants", weight[~home_in & work_in].sum())):
        assert abs(_number(row[column]) - want) <= 0.55, column


def test_migration_section_lists_origins_rate_and_marks(published):
    con, mig, member = published["con"], published["mig"], published["member"]
    inside = member["arr"].isin(BASSIN_MINIER).to_dict().get
    geo = con.sql("SELECT max(geo_year) FROM territories WHERE level = 'epci'").fetchall()[0][0]
    tables = _tables(flows.migration_blocks(con, "", geo))
    for sens, table in (("origine", tables[1]), ("destination", tables[2])):
        want = _expected(mig, member, "DCRAN", "COMMUNE", inside, sens, "Bassin minier")  # moves DCRAN → COMMUNE
        _check_top(table, want, _labels(con, want.partner, want.straddles, "Bassin minier"), flows.TOP_REPORT)
    # ENTR, SORT and the net internal migration rate of the grouping, by hand (abroad is outside internal moves)
    w = mig["IPONDI"].astype(float)
    now = mig["COMMUNE"].map(inside).fillna(False).astype(bool)
    before = mig["DCRAN"].map(inside).fillna(False).astype(bool)
    entr = w[now & ~before & (mig["DCRAN"] != "99999")].sum()
    sort = w[before & ~now].sum()
    iso = w[now & before].sum()
    rate = 1000 * (entr - sort) / ((iso + sort + iso + entr) / 2)
    row = tables[0].iloc[0]
    assert row["territoire"] == "Bassin minier"
    assert abs(_number(row.iloc[1]) - iso) <= 0.55
    assert abs(_number(row.iloc[2]) - entr) <= 0.55 and abs(_number(row.iloc[3]) - sort) <= 0.55
    assert abs(_number(row.iloc[5]) - rate) <= 0.051
    mark = "\u00a0**" if min(entr, sort) < 200 else "\u00a0*" if min(entr, sort) < 500 else ""
    assert row.iloc[5].endswith(mark) and (mark or not row.iloc[5].endswith("*"))
    html = _section(published["html"], "today-migrations")
    assert SOURCE_MIGCOM in html and "taux de migration nette interne" in html and "‰" in html


def test_flow_sections_and_map_are_french(published):
    html = published["html"]
    for anchor in ("today-migrations", "today-navettes"):
        section = _section(html, anchor)
        assert _english_or_internal(_reader_text(section)) == [], anchor
    svg = (published["img"] / "flux_navettes_destination_grouping_bassin-minier.svg").read_bytes()
    root = ET.fromstring(svg)
    text = " ".join(t.strip() for e in root.iter() if e.tag.endswith("text") for t in e.itertext() if t.strip())
    assert "Largeur : effectif du flux" in text and "Trait : fiabilité (Insee)" in text
    assert "fiable (500 ou plus)" in text and "peu fiable (moins de 200)" in text and "actifs occupés" in text
    assert f"Source : {SOURCE_MOBPRO}" in text and "© IGN — ADMIN EXPRESS COG 2018" in text
    assert "Hors de la carte" in text and "Étranger" in text  # abroad is listed beside the map
    english = re.compile(r"\b(the|and|of|with|from|by|map|legend|source:|flow|flows|not)\b", re.I)
    assert not english.search(text), english.search(text)
    assert not re.search(r"\d\.\d", text)  # decimal comma
    assert (published["img"] / "flux_migrations_origine_grouping_bassin-minier.svg").exists()


def test_portraits_show_main_destinations_and_origins(published):
    con, mob, mig, member = published["con"], published["mob"], published["mig"], published["member"]
    page = published["portraits"]["epci"]
    assert "Déplacements domicile-travail et migrations résidentielles" in page
    assert _english_or_internal(_reader_text(page)) == []
    section = page.split('id="flux"')[1]
    in_epci = (member["epci"] == EPCI).to_dict().get
    name = short_label(con.execute("SELECT label FROM territories WHERE level = 'epci' AND code = ? "
                                   "AND geo_year = ?", [EPCI, GEO_YEAR]).fetchall()[0][0])
    for rows, here, there, sens in ((mob, "COMMUNE", "DCLT", "destination"), (mig, "DCRAN", "COMMUNE", "origine")):
        want = _expected(rows, member, here, there, in_epci, sens, name)
        kept = want[want.weight >= flows.HIDDEN_BELOW].head(flows.TOP_PORTRAIT)
        for label, weight, word in zip(_labels(con, kept.partner, kept.straddles, name), kept.weight, kept.word,
                                       strict=True):
            assert f">{label}<" in section and word in section, label
            assert fr(round(weight, 1)) in section or fr(round(weight, 1) + 1) in section or \
                fr(round(weight, 1) - 1) in section
    assert "data:image/svg+xml" in section  # the mini flow map
    assert "Déplacements domicile-travail et migrations résidentielles" in published["portraits"]["grouping"]


def test_without_flow_sources_each_section_names_the_insee_file(small_home):
    from warehouse.db import connect_readonly

    con = connect_readonly(small_home / "warehouse" / "observatoire.duckdb")
    try:
        geo = con.sql("SELECT max(geo_year) FROM territories WHERE level = 'epci'").fetchall()[0][0]
        commuting = flows.commuting_blocks(con, "1.8", geo)
        migration = flows.migration_blocks(con, "", geo)
        portrait = flows.portrait_blocks(con, "epci", EPCI, geo)
    finally:
        con.close()
    for blocks, file in ((commuting, "(MOBPRO)"), (migration, "(MIGCOM)")):
        assert [b.kind for b in blocks] == ["h3", "p"]  # no empty table
        sentence = blocks[1].content
        assert "pas de données de flux configurées" in sentence and "fichier détail" in sentence and file in sentence
        assert f"édition {geo - 2}" in sentence and "configuration des sources" in sentence
        assert _english_or_internal(sentence) == []
    assert "Pas de données de flux configurées" in portrait[1].content
    assert _english_or_internal(portrait[1].content) == []


@pytest.mark.slow  # headless Chromium (tests/test_browser.py)
def test_flow_pages_read_at_1280_px_and_in_print(published, tmp_path):
    """The report and the EPCI portrait with flows in a real browser: every image (the flow maps) loads, nothing is
    wider than the window, on screen and with the A4 stylesheet; screenshots under reports/out/screenshots."""
    from tests.test_browser import CHROMEDRIVER, CHROMIUM, _assert_readable, _look

    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium not installed: run `make browser` (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        out = published["img"].parent
        for page, name in ((out / "diagnostic.html", "flux-diagnostic"),
                           (out / "portraits" / f"epci-{EPCI}.html", "flux-portrait")):
            seen = _look(driver, page, name, max_shots=12)
            _assert_readable(seen)
            printed = _look(driver, page, f"print-{name}", media="print", max_shots=4)
            assert printed["errors"] == [] and printed["overflow"]["wide"] == [], printed["overflow"]
    finally:
        driver.quit()
