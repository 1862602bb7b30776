"""The publication: the French report (today's data, the 2013 edition, the annex) and the territory portraits."""

import re
import subprocess
import sys
import venv
from html import unescape

import pytest

from reports.portraits import UnknownTerritory, write_portraits
from reports.render import date_fr, quarter_fr
from reports.report import write_report
from reports.today import GROUPING, MAJORITY, latest_census, latest_geo
from sources.ingestion.settings import get_settings


@pytest.fixture(scope="module")
def report(built_home, tmp_path_factory):
    paths = write_report(get_settings().warehouse_path, tmp_path_factory.mktemp("report"))
    # text checks on the unescaped page (the HTML writes ' as &#x27;)
    return unescape(paths["html"].read_text(encoding="utf-8")), paths["md"].read_text(encoding="utf-8")


def _bassin_minier_members(con, level: str) -> list[str]:
    # Independent of reports.today: majority of the latest census population inside the grouping, by hand in SQL.
    # the latest geography that has this level (geography 2025, from the populations légales, has no EPCI or ZE)
    geo = con.sql(f"SELECT max(geo_year) FROM geo_commune WHERE {level} IS NOT NULL").fetchall()[0][0]
    return [r[0] for r in con.execute(
        f"""SELECT t.label FROM geo_commune c
            JOIN indicator_values v ON v.indicator_id = 'population' AND v.level = 'commune' AND v.code = c.codgeo
                 AND v.geo_year = c.geo_year
                 AND v.period = (SELECT max(period) FROM indicator_values WHERE indicator_id = 'population'
                                 AND level = 'commune' AND geo_year = c.geo_year)
            JOIN territories t ON t.level = ? AND t.code = c.{level} AND t.geo_year = c.geo_year
            WHERE c.geo_year = ? GROUP BY t.label
            HAVING sum(v.value) FILTER (list_contains(c.groupings, 'bassin_minier')) >= ? * sum(v.value)""",
        [level, geo, MAJORITY]).fetchall()]


def test_report_is_a_self_contained_french_publication(report):
    html, md = report
    assert "http://" not in html and "https://" not in html, "no CDN or remote asset"
    assert '<nav class="toc">' in html and "**Sommaire**" in md
    assert html.count("data:image/png;base64,") >= 5
    for section in ("Le diagnostic sur les données d'aujourd'hui", "L'édition 2013 recalculée", "Annexe"):
        assert section in html
    for theme in ("Population et migrations", "Jeunesse", "Emploi et chômage", "Formation", "Navettes", "Santé",
                  "Mobilité"):
        assert theme in html
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    assert captions and all("Unité" in c and "Source" in c for c in captions)


def test_today_section_covers_the_grouping_and_each_epci_and_zone(report, warehouse):
    html, _ = report
    today = html.split('<h2 id="le-diagnostic-sur-les-donnees')[1].split("<h2 ")[0]
    geo = latest_geo(warehouse)
    census = latest_census(warehouse, geo)
    assert f"COG {geo}" in today and f"recensement {census}" in today
    assert "composé" in today and "linéaire" in today
    epci = _bassin_minier_members(warehouse, "epci")
    zones = _bassin_minier_members(warehouse, "ze2020")
    assert len(epci) >= 5 and len(zones) >= 3
    short = {"Communauté d'agglomération": "CA", "Communauté de communes": "CC"}
    for label in epci:
        for long, abbr in short.items():
            label = label.replace(long, abbr)
        assert label in today, label
    quarter = warehouse.sql("SELECT max(trimestre) FROM mart_chomage WHERE zonage = 'ze2020'").fetchall()[0][0]
    assert f"taux au {quarter_fr(quarter)} (%)" in today
    rates = warehouse.execute(
        "SELECT libelle, taux_chomage_pct FROM mart_chomage WHERE zonage = 'ze2020' AND trimestre = ?", [quarter]
    ).df().set_index("libelle")
    for zone in zones:
        assert f"{rates.at[zone, 'taux_chomage_pct']:.1f}".replace(".", ",") in today
    assert GROUPING and "Bassin minier" in today


def test_annex_lists_explained_figures_and_counts_the_rest(report, warehouse):
    html, _ = report
    annex = html.split('<h2 id="annexe')[1]
    explained = [r[0] for r in warehouse.sql(
        "SELECT figure_id FROM reproduction WHERE status IN ('differs', 'inconsistent_input')").fetchall()]
    assert explained and all(f">{f}<" in annex for f in explained)
    not_computable = [r[0] for r in warehouse.sql(
        "SELECT figure_id FROM reproduction WHERE status = 'not_computable'").fetchall()]
    assert not any(f">{f}<" in html for f in not_computable), "not_computable figures are counted, not listed"
    assert "par donnée manquante" in annex


def test_portraits_of_the_bassin_minier_and_bad_values(built_home, warehouse, tmp_path):
    paths = write_portraits(get_settings().warehouse_path, tmp_path, grouping="bassin_minier")
    expected = 1 + len(_bassin_minier_members(warehouse, "epci")) + len(_bassin_minier_members(warehouse, "ze2020"))
    assert len(paths) == expected + 1 and paths[-1].name == "index.html"
    index = paths[-1].read_text(encoding="utf-8")
    assert all(f'href="{p.name}"' in index for p in paths[:-1])
    page = paths[1].read_text(encoding="utf-8")
    for part in ("Population depuis", "composé", "linéaire", "Comparaison avec le département", "France métropolitaine",
                 "Indicateurs disponibles"):
        assert part in page
    with pytest.raises(UnknownTerritory, match="choose among"):
        write_portraits(get_settings().warehouse_path, tmp_path / "x", level="epic", code="1")
    with pytest.raises(UnknownTerritory, match="no epci with code"):
        write_portraits(get_settings().warehouse_path, tmp_path / "x", level="epci", code="000")


def test_published_warehouse_opens_in_duckdb_1_4(built_home, tmp_path):
    # DuckDB 1.4 (LTS: DBeaver, R, packaged CLIs) in its own venv, from PyPI; skipped only when PyPI is unreachable.
    env = tmp_path / "duckdb14"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    install = subprocess.run([python, "-m", "pip", "install", "-q", "duckdb==1.4.4"], capture_output=True, text=True,
                             timeout=300)
    if install.returncode:
        pytest.skip(f"duckdb 1.4.4 not installable here: {install.stderr[-300:]}")
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
              "print(con.sql(\"SELECT count(*) FROM indicator_values WHERE indicator_id = 'population'\")"
              ".fetchall()[0][0])")
    out = subprocess.run([python, "-c", script, str(get_settings().warehouse_path)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 1_000_000
    assert sys.version_info >= (3, 11)


# English the publication used to show, and the shapes of internal names (tables, columns, source ids, files,
# settings): none may appear outside the technical annex
ENGLISH = ("Computed", "difference", "not printed", "same paragraph", "Finding", "missing input", "within",
           "outside", "Published range", "reproduces", "printed", "Not found", " the ", " of the ", "extract of")
INTERNAL = re.compile(r"\b(mart|int|stg|cfg|check)_[a-z_]+|\b(insee|dgcl|urssaf|ors|ign)_[a-z_]+|_pct\b|"
                      r"origins\.yml|figure_id|geo_year|source_id|\.csv\b|\.parquet\b|`|\b\d{4}-T[1-4]\b")


def _reader_text(page: str) -> str:
    """What a reader reads before the technical annex: the page's text without markup, styles and images."""
    page = page.split('id="annexe-technique"')[0]
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "\n", re.sub(r'(src|href)="[^"]*"', "", page)))


def _english_or_internal(text: str) -> list[str]:
    found = [w for w in ENGLISH if w in text]
    found += sorted({m.group(0) for m in INTERNAL.finditer(text)})
    return found


def test_no_english_nor_internal_name_outside_the_technical_annex(report, built_home, tmp_path):
    html, _ = report
    assert 'id="annexe-technique"' in html
    assert _english_or_internal(_reader_text(html)) == []
    for accentless in ("aucun diplome", "moyenne francaise", "plus eleve", "evol (points)"):
        assert accentless not in html
    for page in write_portraits(get_settings().warehouse_path, tmp_path, grouping="bassin_minier"):
        text = _reader_text(page.read_text(encoding="utf-8"))
        assert _english_or_internal(text) == [], page.name
        if page.name.startswith("ze2020-"):
            assert "EPCI" not in text, page.name


def test_essentiel_comes_first_with_the_date_and_the_comparisons(report, warehouse):
    html, _ = report
    first = html.split('<h2 id="essentiel">')[1].split("<h2 ")[0]
    assert html.index('id="essentiel"') < html.index('<nav class="toc">'), "L'essentiel before the contents"
    from datetime import UTC, datetime

    assert f"Paru le {date_fr(datetime.now(UTC).date())}" in first
    for place in ("Bassin minier", "Nord", "Pas-de-Calais", "Hauts-de-France", "France métropolitaine"):
        assert place in first
    # independent: the grouping's latest census population, read here in SQL, in French digits
    census, population = warehouse.sql(
        "SELECT period, value FROM indicator_values WHERE indicator_id = 'population' AND level = 'grouping' "
        "AND code = 'bassin_minier' ORDER BY period DESC, geo_year DESC LIMIT 1").fetchall()[0]
    assert f"{population:,.0f}".replace(",", "\u202f") in first and census in first
    quarter = warehouse.sql("SELECT max(trimestre) FROM mart_chomage WHERE zonage = 'ze2020'").fetchall()[0][0]
    assert quarter_fr(quarter) in first


def test_portraits_cite_date_and_link_back(built_home, tmp_path):
    paths = write_portraits(get_settings().warehouse_path, tmp_path, grouping="bassin_minier")
    for path in paths[:-1]:
        page = unescape(path.read_text(encoding="utf-8"))
        for part in ("Paru le", "Pour citer", "Contact", 'href="../diagnostic.html"', 'href="index.html"',
                     "Ménages et logements", "@media print", "size:A4"):
            assert part in page, (path.name, part)
        assert "valeurs" not in page.split('id="indicateurs"')[1].split("<table")[0]
