"""Corrupted copies of the real bundled files, built by code: each ends in its source's quarantine with a report
naming the file and the line / sheet row / cell, the source's last good data kept; never a crash.

Fast by design: each case runs the source's own refresh (fetch → parse → validate → quarantine) against a copy of
the validated store of the session's build; a few end-to-end cases go through `observatoire run`.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from sources.ingestion.gate import refresh_source
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import Settings, get_settings

DATA = get_settings().data_dir
runner = CliRunner()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- builders of corrupted files (from the real bundled ones) --------------------------------------------------
def bundled(source_id: str) -> list[Path]:
    return SOURCES[source_id].bundled_paths(DATA)


def copy_all(source_id: str, tmp: Path, replace: dict[str, Callable[[Path], None]] | None = None) -> list[str]:
    """Copies of a source's bundled files in `tmp`; `replace[name](copy)` damages the named copy in place."""
    out = []
    for path in bundled(source_id):
        target = tmp / path.name
        shutil.copy(path, target)
        if replace and path.name in replace:
            replace[path.name](target)
        out.append(str(target))
    return out


def text_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return f.read().splitlines(keepends=True)


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    data = "".join(lines).encode(encoding)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def edit_lines(change: Callable[[list[str]], list[str]], encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda p: write_lines(p, change(text_lines(p)), encoding)


def set_field(line_no: int, column: int, value: str, sep: str = ";") -> Callable[[list[str]], list[str]]:
    """Line `line_no` (1-based, header = 1): field `column` replaced by `value`."""

    def change(lines: list[str]) -> list[str]:
        fields = lines[line_no - 1].rstrip("\r\n").split(sep)
        fields[column] = value
        lines[line_no - 1] = sep.join(fields) + "\n"
        return lines

    return change


def parquet(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        change(pd.read_parquet(path)).to_parquet(path, index=False)

    return damage


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def workbook(change: Callable[[openpyxl.Workbook], None]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        change(book)
        book.save(path)

    return damage


def _rename_sheet(book):
    book["txcho_ze"].title = "Feuil1"


def _drop_sheet(book):
    del book["txcho_ze"]


def _cell(address: str, value) -> Callable[[openpyxl.Workbook], None]:
    def change(book):
        book["txcho_ze"][address] = value

    return change


DGCL_2012 = "epci_composition_2012.csv.gz"
CHOMAGE = "chomage-zone-t1-2003-t3-2023.xlsx"
URSSAF = "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv"
ORS = "ors-indicateurs-extrait-diagnostic.csv"
RP_AGE = "rp2009_age_epci_extract_diagnostic.csv"
APPARTENANCE = "appartenance_communes_cog2008_2024.parquet"
POPULATION = "population_communes_cog1968_2024.parquet"


def dgcl(damage: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    return lambda tmp: copy_all("dgcl_epci", tmp, {DGCL_2012: damage})


def one(source_id: str, name: str, damage: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    return lambda tmp: copy_all(source_id, tmp, {name: damage})


def _dgcl_without_2014(tmp: Path) -> list[str]:
    return [p for p in copy_all("dgcl_epci", tmp) if "2014" not in p]


def _dgcl_year_twice(tmp: Path) -> list[str]:
    files = copy_all("dgcl_epci", tmp)
    twice = tmp / "epci_composition_2012_rectificatif.csv.gz"
    shutil.copy(tmp / DGCL_2012, twice)
    return [*files, str(twice)]


def _dgcl_shrunk(tmp: Path) -> list[str]:
    return copy_all("dgcl_epci", tmp, {DGCL_2012: edit_lines(lambda lines: lines[: int(len(lines) * 0.88)])})


def _zip_traversal(tmp: Path) -> list[str]:
    archive = tmp / "BTX_CC_POP_2009.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../evil.csv", bundled("insee_rp_age")[0].read_bytes())
    return [str(archive)]


def _zip_two_members(tmp: Path) -> list[str]:
    archive = tmp / "BTX_CC_POP_2009.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.csv", bundled("insee_rp_age")[0].read_bytes())
        z.writestr("b.csv", bundled("insee_rp_age")[0].read_bytes())
    return [str(archive)]


def _fake_workbook(path: Path) -> None:
    path.write_text("ZE2020;LIBZE2020\n0051;Paris\n", encoding="utf-8")


def _fake_parquet(path: Path) -> None:
    path.write_bytes(b"codgeo;libgeo\n62498;Lens\n")


def _synthetic(name: str, text: bytes) -> Callable[[Path], list[str]]:
    """A file for a source with nothing bundled, in its producer's layout (synthetic, labelled so)."""

    def make(tmp: Path) -> list[str]:
        (tmp / name).write_bytes(text)
        return [str(tmp / name)]

    return make


def _emd_one_empty(tmp: Path) -> list[str]:
    """A synthetic survey in the Cerema CSV layout whose household file is empty (0 bytes)."""
    files = {
        "synthetique_2006_menages.csv": "",
        "synthetique_2006_personnes.csv": "ECH;PER;P2;P4;COEP\n1;1;1;40;10\n",
        "synthetique_2006_deplacements.csv": "ECH;PER;NDEP;D2A;D3;D4;D5A;D7;D8;D9;MODP;DOIB;DIST\n"
        "1;1;1;1;101;800;11;102;815;15;21;900;1200\n",
    }
    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return [str(tmp / name) for name in files]


def _other_departement(frame: pd.DataFrame) -> pd.DataFrame:
    """Data row 5 of the membership table placed in another département than its code says."""
    row = frame.index[4]
    frame.loc[row, "dep"] = "01" if str(frame.loc[row, "dep"]) != "01" else "02"
    return frame


def _copy_census(vintage: int, previous: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The census column of COG `vintage` replaced by the previous vintage's, commune by commune (as a compilation
    whose column was filled from the wrong census)."""

    def change(frame: pd.DataFrame) -> pd.DataFrame:
        before = frame[frame.cog_year == previous].set_index("codgeo")["pop"]
        rows = frame.cog_year == vintage
        copied = frame.loc[rows, "codgeo"].map(before)
        frame.loc[rows & copied.notna().reindex(frame.index, fill_value=False), "pop"] = copied.dropna()
        return frame

    return change


def _times_1000(frame: pd.DataFrame) -> pd.DataFrame:
    """One commune's population × 1000 in one census (the first commune of COG 2013 with 10 to 500 inhabitants)."""
    row = frame.index[(frame.cog_year == 2013) & frame["pop"].between(10, 500)][0]
    frame.loc[row, "pop"] = frame.loc[row, "pop"] * 1000
    return frame


def _dgcl_2013_is_2012(tmp: Path) -> list[str]:
    """The 2013 list delivered with the bytes of the 2012 one (a year file identical to the year before)."""
    return copy_all("dgcl_epci", tmp, {"epci_composition_2013.csv.gz": lambda p: shutil.copy(tmp / DGCL_2012, p)})


def _drop_quarter(quarter: str) -> Callable[[openpyxl.Workbook], None]:
    """The column of one quarter removed from the txcho_ze sheet (the other quarters still fill it)."""

    def change(book):
        sheet = book["txcho_ze"]
        for row in sheet.iter_rows():
            for c in row:
                if c.value == quarter:
                    sheet.delete_cols(c.column)
                    return
        raise AssertionError(f"no {quarter} column")

    return change


@dataclass(frozen=True)
class Case:
    source_id: str
    make: Callable[[Path], list[str]]
    rule: str
    where: tuple[str, ...]  # substrings the quarantine message must contain (file, line/sheet/cell)


CASES: dict[str, Case] = {
    # COG (Parquet)
    "cog empty file": Case("insee_cog_appartenance", one("insee_cog_appartenance", APPARTENANCE, empty),
                           "readable_file", (APPARTENANCE,)),
    "cog truncated parquet": Case("insee_cog_appartenance", one("insee_cog_appartenance", APPARTENANCE, truncate),
                                  "readable_file", (APPARTENANCE,)),
    "cog missing column": Case("insee_cog_appartenance", one("insee_cog_appartenance", APPARTENANCE,
                               parquet(lambda f: f.drop(columns=["epci"]))), "required_columns", (APPARTENANCE,)),
    "cog a vintage missing": Case("insee_cog_appartenance", one("insee_cog_appartenance", APPARTENANCE,
                                  parquet(lambda f: f[f.cog_year != 2012])), "complete_cog_year", ("cog_year=2012",)),
    "cog departement contradicts the commune code": Case("insee_cog_appartenance", one(
        "insee_cog_appartenance", APPARTENANCE, parquet(_other_departement)),
        "departement_prefix_matches_commune_code", (APPARTENANCE, "data row 5")),
    "cog not a parquet file": Case("insee_cog_libelles", one("insee_cog_libelles",
                                   "libelles_supracommunaux_cog2008_2024.parquet", _fake_parquet), "readable_file",
                                   ("libelles_supracommunaux_cog2008_2024.parquet",)),
    "cog renamed column": Case("insee_cog_libelles", one("insee_cog_libelles",
                               "libelles_supracommunaux_cog2008_2024.parquet",
                               parquet(lambda f: f.rename(columns={"libgeo": "label"}))), "required_columns",
                               ("libelles_supracommunaux_cog2008_2024.parquet",)),
    "passage ratio out of range": Case("insee_cog_passage", one("insee_cog_passage",
                                       "passage_communes_1968_2024.parquet",
                                       parquet(lambda f: f.assign(ratio=f.ratio.where(f.index != 10, 2.0)))),
                                       "ratio_in_0_1", ("passage_communes_1968_2024.parquet", "data row 11")),
    "population negative": Case("insee_population", one("insee_population", POPULATION,
                                parquet(lambda f: f.assign(pop=f["pop"].where(f.index != 99, -5)))),
                                "population_non_negative", (POPULATION, "data row 100")),
    "population fractional": Case("insee_population", one("insee_population", POPULATION,
                                  parquet(lambda f: f.assign(pop=f["pop"].astype(float).where(f.index != 4, 10.5)))),
                                  "population_is_integer", (POPULATION, "line 5")),
    "population header only": Case("insee_population", one("insee_population", POPULATION,
                                   parquet(lambda f: f.iloc[0:0])), "complete_cog_year", ("cog_year=1968: 0 rows",)),
    # DGCL (7 gzipped CSV, one per year)
    "dgcl 0-byte gz": Case("dgcl_epci", dgcl(empty), "non_empty_file", (DGCL_2012,)),
    "dgcl header only": Case("dgcl_epci", dgcl(edit_lines(lambda lines: lines[:1])), "complete_year",
                             ("year=2012: 0 rows", DGCL_2012)),
    "dgcl truncated gzip": Case("dgcl_epci", dgcl(truncate), "readable_file", (DGCL_2012,)),
    "dgcl latin-1": Case("dgcl_epci", dgcl(edit_lines(set_field(7, 9, "Hénin"), encoding="latin-1")),
                         "file_encoding", (DGCL_2012, "line 7")),
    "dgcl unterminated quote": Case("dgcl_epci", dgcl(edit_lines(set_field(40, 1, '"CC du Pays'))),
                                    "csv_structure", (DGCL_2012, "line 40")),
    "dgcl wrong separator": Case("dgcl_epci", dgcl(edit_lines(lambda ls: [x.replace(";", ",") for x in ls])),
                                 "required_columns", (DGCL_2012, "line 1")),
    "dgcl missing column": Case("dgcl_epci", dgcl(edit_lines(lambda ls: [ls[0].replace("pmun_com", "pop"), *ls[1:]])),
                                "required_columns", (DGCL_2012, "line 1")),
    "dgcl extra field": Case("dgcl_epci", dgcl(edit_lines(set_field(12, 10, "186;999"))), "csv_structure",
                             (DGCL_2012, "line 12")),
    "dgcl bad siren": Case("dgcl_epci", dgcl(edit_lines(set_field(6, 0, "12345"))), "siren_format",
                           (DGCL_2012, "line 6")),
    "dgcl duplicated row": Case("dgcl_epci", dgcl(edit_lines(lambda ls: [*ls[:9], ls[8], *ls[9:]])),
                                "commune_in_one_epci_per_year", (DGCL_2012, "lines 9, 10")),
    "dgcl negative population": Case("dgcl_epci", dgcl(edit_lines(set_field(20, 10, "-3"))),
                                     "population_non_negative", (DGCL_2012, "line 20")),
    "dgcl a year missing": Case("dgcl_epci", _dgcl_without_2014, "complete_year", ("year=2014: 0 rows",)),
    "dgcl a year twice": Case("dgcl_epci", _dgcl_year_twice, "one_file_per_year",
                              (DGCL_2012, "epci_composition_2012_rectificatif.csv.gz")),
    "dgcl shrinks 12 %": Case("dgcl_epci", _dgcl_shrunk, "no_shrink_vs_last_good", ("year=2012",)),
    # INSEE unemployment workbook
    "chomage renamed sheet": Case("insee_chomage", one("insee_chomage", CHOMAGE, workbook(_rename_sheet)),
                                  "complete_source_file_sheet", (CHOMAGE, "sheet=txcho_ze: 0 rows")),
    "chomage missing sheet": Case("insee_chomage", one("insee_chomage", CHOMAGE, workbook(_drop_sheet)),
                                  "complete_source_file_sheet", (CHOMAGE, "sheet=txcho_ze")),
    "chomage text in a rate": Case("insee_chomage", one("insee_chomage", CHOMAGE, workbook(_cell("E12", "8,x"))),
                                   "rate_is_number", (CHOMAGE, "sheet txcho_ze", "cell E12")),
    "chomage rate out of range": Case("insee_chomage", one("insee_chomage", CHOMAGE, workbook(_cell("E12", 75))),
                                      "rate_in_0_60", (CHOMAGE, "sheet txcho_ze cell E12")),
    "chomage not a workbook": Case("insee_chomage", one("insee_chomage", CHOMAGE, _fake_workbook), "readable_file",
                                   (CHOMAGE,)),
    # URSSAF, ORS, census age extract, diagnostic (CSV)
    "urssaf empty": Case("urssaf_effectifs", one("urssaf_effectifs", URSSAF, empty), "non_empty_file", (URSSAF,)),
    "urssaf header only": Case("urssaf_effectifs", one("urssaf_effectifs", URSSAF, edit_lines(lambda ls: ls[:1])),
                               "every_file_gives_rows", (URSSAF,)),
    "urssaf text in a count": Case("urssaf_effectifs", one("urssaf_effectifs", URSSAF,
                                   edit_lines(set_field(4, 2, "12 3x4"))), "headcount_is_number",
                                   (URSSAF, "line 4", "Effectifs salariés 2008")),
    "urssaf latin-1": Case("urssaf_effectifs", one("urssaf_effectifs", URSSAF, edit_lines(lambda ls: ls, "latin-1")),
                           "file_encoding", (URSSAF, "line 1")),
    "ors duplicated key": Case("ors_indicateurs", one("ors_indicateurs", ORS, edit_lines(lambda ls: [*ls, ls[3]])),
                               "one_value_per_territory_and_indicator", (ORS, "line")),
    "ors rank out of range": Case("ors_indicateurs", one("ors_indicateurs", ORS, edit_lines(set_field(3, 6, "250"))),
                                  "rank_in_1_198", (ORS, "line 3")),
    "ors renamed column": Case("ors_indicateurs", one("ors_indicateurs", ORS,
                               edit_lines(lambda ls: [ls[0].replace("valeur", "value"), *ls[1:]])),
                               "required_columns", (ORS, "line 1")),
    "rp age negative count": Case("insee_rp_age", one("insee_rp_age", RP_AGE, edit_lines(set_field(3, 3, "-4567"))),
                                  "count_non_negative", (RP_AGE, "line 3")),
    "rp age unterminated quote": Case("insee_rp_age", one("insee_rp_age", RP_AGE,
                                      edit_lines(set_field(2, 2, '"Artois'))), "csv_structure", (RP_AGE, "line 2")),
    "rp age zip path traversal": Case("insee_rp_age", _zip_traversal, "zip_member_path", ("BTX_CC_POP_2009.zip",)),
    "rp age zip two members": Case("insee_rp_age", _zip_two_members, "zip_one_csv_member", ("BTX_CC_POP_2009.zip",)),
    "diagnostic text in a figure": Case("diagnostic", one("diagnostic", "t2_population_arrondissements_1999_2009.csv",
                                        edit_lines(set_field(3, 2, "36l856", sep=","))), "numeric_value",
                                        ("t2_population_arrondissements_1999_2009.csv", "line 3")),
    "diagnostic empty prose": Case("diagnostic", one("diagnostic", "prose_figures.csv", empty), "non_empty_file",
                                   ("prose_figures.csv",)),
    "crosswalk unknown level": Case("diagnostic_crosswalk", one("diagnostic_crosswalk", "crosswalk_territories.csv",
                                    edit_lines(set_field(2, 2, "epic", sep=","))), "known_level",
                                    ("crosswalk_territories.csv", "data row 1")),
    # sources with nothing bundled, fed through origins (synthetic files in the producer's layout)
    "deaths empty file": Case("deces_age_sexe", _synthetic("deces_2009.csv", b""), "non_empty_file",
                              ("deces_2009.csv",)),
    "census history latin-1 quote": Case("insee_rp_historique", _synthetic(
        "base-cc-serie-historique-2009.csv", "CODGEO;NAIS9909;DECE9909\n62498;\"1 2;3\n".encode("latin-1")),
        "csv_structure", ("base-cc-serie-historique-2009.csv",)),
    "emd empty record file": Case("emd", _emd_one_empty, "complete_survey", ("synthetique_2006_menages.csv",)),
    "diplomas header only": Case("insee_rp_diplomes", _synthetic(
        "base-cc-diplomes-formation-2009.csv", b"CODGEO;P09_NSCOL15P;P09_NSCOL15P_DIPL0\n"),
        "every_file_gives_rows", ("base-cc-diplomes-formation-2009.csv",)),
    "activity wrong separator": Case("insee_rp_actifs", _synthetic(
        "base-cc-emploi-pop-active-2009.csv", b"CODGEO,P09_ACT15P,P09_EMPLT\n62498,14000,12000\n"),
        "required_columns", ("base-cc-emploi-pop-active-2009.csv", "line 1")),
    "population by sex unknown code": Case("population_age_sexe", _synthetic(
        "population_sexe_age_2009.csv", b"CODGEO;ANNEE;SEXE;AGE;POP\n62498;2009;1;00-04;120\n62498;2009;3;00-04;118\n"),
        "sex_code", ("population_sexe_age_2009.csv", "line 3")),
    # a new edition that degrades the last good content (expectations/degradation.py)
    "population census column copied": Case("insee_population", one("insee_population", POPULATION,
                                            parquet(_copy_census(2012, 2011))), "no_copied_period",
                                            ("cog_year=2012 repeats cog_year=2011", POPULATION, "data row")),
    "population x1000 in one census": Case("insee_population", one("insee_population", POPULATION,
                                           parquet(_times_1000)), "no_implausible_jump",
                                           (POPULATION, "(cog_year=2013) →", "data row")),
    "dgcl year file identical to the year before": Case("dgcl_epci", _dgcl_2013_is_2012, "no_copied_period",
                                                        ("year=2013 repeats year=2012",
                                                         "epci_composition_2013.csv.gz line")),
    "chomage a quarter missing": Case("insee_chomage", one("insee_chomage", CHOMAGE,
                                      workbook(_drop_quarter("2015-T2"))), "no_lost_period_vs_last_good",
                                      ("zoning=ze2020, quarter=2015-T2",)),
}  # fmt: skip


@pytest.fixture(scope="module")
def store_copy(built_home: Path, tmp_path_factory) -> Path:
    """The validated store of the session's build (the last good data every case must keep)."""
    store = tmp_path_factory.mktemp("store") / "store"
    shutil.copytree(built_home / "warehouse" / "store", store)
    return store


@pytest.mark.parametrize("name", CASES)
def test_corrupted_input_is_quarantined_with_its_location(name, store_copy, tmp_path):
    case = CASES[name]
    home = tmp_path / "home"
    shutil.copytree(store_copy, home / "warehouse" / "store")
    settings = Settings(data_dir=DATA, home=home, origins_path=None)
    files = tmp_path / "files"
    files.mkdir()
    origins = case.make(files)
    validated = settings.validated_dir / f"{case.source_id}.parquet"
    before = _sha(validated)

    outcome = refresh_source(settings, case.source_id, origins=origins)

    message = " ".join(outcome.messages)
    assert outcome.status == "quarantined", (name, outcome)
    assert f"rule {case.rule} failed" in message, message
    for where in case.where:
        assert where in message, (where, message)
    report = Path(outcome.report).read_text(encoding="utf-8")
    assert "QUARANTINED" in report and case.rule in report
    assert _sha(validated) == before, "the last good data of the source is kept"
    attempt = (settings.store_dir / "attempts" / f"{case.source_id}.json").read_text()
    assert '"quarantined"' in attempt, "status shows the failed attempt"


def test_accepted_shrink_publishes_the_new_content(store_copy, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(store_copy, home / "warehouse" / "store")
    settings = Settings(data_dir=DATA, home=home, origins_path=None)
    files = tmp_path / "files"
    files.mkdir()
    origins = _dgcl_shrunk(files)
    outcome = refresh_source(settings, "dgcl_epci", origins=origins, accept_shrink=True)
    assert outcome.status == "validated", outcome
    assert any("no_shrink_vs_last_good" in w and "accepted" in w for w in outcome.warnings) or outcome.warnings
    kept = pd.read_parquet(settings.validated_dir / "dgcl_epci.parquet")
    # the accepted content is exactly what the delivered 2012 file holds: its data lines (header excluded)
    lines_2012 = len(text_lines(files / DGCL_2012)) - 1
    assert int((kept["year"] == 2012).sum()) == lines_2012
    assert outcome.partitions["year=2012"] == lines_2012


def test_an_unforeseen_reader_error_is_still_the_sources_alone(store_copy, tmp_path, monkeypatch):
    # A parser bug (here: an exception no reader foresaw) quarantines the source, naming the file being read.
    from dataclasses import replace

    from sources import urssaf
    from sources.ingestion import registry

    def broken(paths):
        for path in paths:
            raise KeyError(f"unexpected column in {path.name}")

    monkeypatch.setitem(
        registry.SOURCES, "urssaf_effectifs", replace(registry.SOURCES["urssaf_effectifs"], parser=broken)
    )
    home = tmp_path / "home"
    shutil.copytree(store_copy, home / "warehouse" / "store")
    settings = Settings(data_dir=DATA, home=home, origins_path=None)
    outcome = refresh_source(settings, "urssaf_effectifs", force=True)
    assert outcome.status == "quarantined"
    assert URSSAF in " ".join(outcome.messages) and "KeyError" in " ".join(outcome.messages)
    assert urssaf.SOURCE_ID == "urssaf_effectifs"


@pytest.mark.parametrize(
    ("source_id", "damage", "error"),
    [
        # a column mixing numbers and text: the rules pass, Arrow cannot store it
        ("urssaf_effectifs", lambda f: f.assign(extra=[1 if i % 2 else "x" for i in range(len(f))]), "ArrowTypeError"),
        # a column the rules group by is gone: a batch (rows per year) cannot be built
        ("dgcl_epci", lambda f: f.drop(columns=["year"]), "KeyError"),
    ],
)
def test_content_the_rules_or_the_store_cannot_take_is_the_sources_alone(
    source_id, damage, error, store_copy, tmp_path, monkeypatch
):
    # Once parsed, an error while checking or storing the frame quarantines the source (it used to escape
    # refresh_source and fail the whole run, losing the other sources' outcomes).
    from dataclasses import replace

    from sources.ingestion import registry

    spec = registry.SOURCES[source_id]

    def parse_then_damage(paths):
        parsed = spec.parser(paths)
        return replace(parsed, frame=damage(parsed.frame))

    monkeypatch.setitem(registry.SOURCES, source_id, replace(spec, parser=parse_then_damage))
    home = tmp_path / "home"
    shutil.copytree(store_copy, home / "warehouse" / "store")
    settings = Settings(data_dir=DATA, home=home, origins_path=None)
    validated = settings.validated_dir / f"{source_id}.parquet"
    before = _sha(validated)
    outcome = refresh_source(settings, source_id, force=True)
    message = " ".join(outcome.messages)
    assert outcome.status == "quarantined", outcome
    assert "rule checkable_content failed" in message and error in message, message
    assert _sha(validated) == before, "the last good data of the source is kept"


# --- end to end: through `observatoire run` ---------------------------------------------------------------------
def test_run_quarantines_one_source_and_keeps_the_warehouse(small_private_home, small_private_data):
    from flows.cli import app

    damage = edit_lines(lambda lines: lines[:1])  # the DGCL 2012 list reduced to its header line
    damage(small_private_data / "dgcl" / DGCL_2012)
    settings = get_settings()
    before = _sha(settings.warehouse_path)

    result = runner.invoke(app, ["run", "--no-prefect"])

    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert "dgcl_epci quarantined" in out and "year=2012: 0 rows" in out and DGCL_2012 in out
    assert _sha(settings.warehouse_path) == before, "published warehouse byte-identical"
    assert "Traceback" not in result.output
    import json

    attempts = {p.stem: json.loads(p.read_text())["status"] for p in (settings.store_dir / "attempts").glob("*.json")}
    assert attempts.pop("dgcl_epci") == "quarantined"
    assert set(attempts) == set(SOURCES) - {"dgcl_epci"}, "every other source was refreshed"
    assert set(attempts.values()) <= {"unchanged", "not_configured"}
    report = (settings.quarantine_dir / "dgcl_epci").glob("*/report.md")
    assert any("complete_year" in p.read_text() for p in report)
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0
    assert "quarantined" in status.output and "dgcl_epci" in status.output


def test_run_with_a_typo_in_origins_exits_4_listing_the_valid_ids(small_private_home, tmp_path, monkeypatch):
    from flows.cli import app

    origins = tmp_path / "origins.yml"
    origins.write_text("dgcl_epic:\n  - /data/epci_2015.csv\n", encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))
    result = runner.invoke(app, ["run", "--no-prefect"])
    assert result.exit_code == 4, result.output
    assert (
        "dgcl_epic" in result.output
        and "dgcl_epci" in result.output
        and str(origins) in result.output.replace("\n", "")
    )


def test_a_zip_member_is_read_without_extraction(tmp_path):
    # the real age extract, zipped as INSEE ships its census tables: same rows as the plain file
    archive = tmp_path / "BTX_CC_POP_2009.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("BTX_CC_POP_2009.csv", bundled("insee_rp_age")[0].read_bytes())
    from sources.insee_rp import parse_age_bands

    zipped = parse_age_bands([archive]).frame
    plain = parse_age_bands(bundled("insee_rp_age")).frame
    assert zipped["count"].tolist() == plain["count"].tolist()
    assert not list(tmp_path.glob("*.csv")), "nothing extracted"


# --- a geography violation traced back to the source whose new content caused it ------------------------------
def _reverse_one_passage_pair(frame: pd.DataFrame) -> pd.DataFrame:
    """One passage row of a real change read backwards (cod_from and cod_to swapped)."""
    row = frame.index[frame.cod_from != frame.cod_to][0]
    frame.loc[row, ["cod_from", "cod_to"]] = frame.loc[row, ["cod_to", "cod_from"]].tolist()
    return frame


def _unknown_commune(frame: pd.DataFrame) -> pd.DataFrame:
    """One commune of COG 2012 given a code that no vintage has (its département prefix kept)."""
    row = frame.index[frame.cog_year == 2012][0]
    known = set(frame.codgeo.dropna())
    prefix = str(frame.loc[row, "codgeo"])[:2]
    frame.loc[row, "codgeo"] = next(f"{prefix}{n:03d}" for n in range(999, 0, -1) if f"{prefix}{n:03d}" not in known)
    return frame


def _drop_passage_target(frame: pd.DataFrame) -> pd.DataFrame:
    """A passage target of a real change replaced by a code absent from the next vintage."""
    row = frame.index[frame.cod_from != frame.cod_to][0]
    known = set(frame.cod_to.dropna())
    prefix = str(frame.loc[row, "cod_to"])[:2]
    frame.loc[row, "cod_to"] = next(f"{prefix}{n:03d}" for n in range(999, 0, -1) if f"{prefix}{n:03d}" not in known)
    return frame


@pytest.mark.parametrize(
    ("source_id", "name", "damage"),
    [
        ("insee_cog_passage", "passage_communes_1968_2024.parquet", _reverse_one_passage_pair),
        ("insee_cog_passage", "passage_communes_1968_2024.parquet", _drop_passage_target),
        ("insee_population", POPULATION, _unknown_commune),
    ],
    ids=["reversed passage pair", "passage target missing from the next vintage", "unknown commune code"],
)
def test_a_geography_violation_quarantines_the_source_that_caused_it(
    source_id, name, damage, small_private_home, small_private_data
):
    import json

    from flows.cli import app

    parquet(damage)(small_private_data / "cog" / name)
    settings = get_settings()
    before = _sha(settings.validated_dir / f"{source_id}.parquet")

    result = runner.invoke(app, ["run", "--no-prefect"])

    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output  # a source quarantined, the others published
    assert f"{source_id} quarantined" in out and "Traceback" not in result.output, out
    assert _sha(settings.validated_dir / f"{source_id}.parquet") == before, "its last good content is restored"
    report = next((settings.quarantine_dir / source_id).glob("*/report.md")).read_text(encoding="utf-8")
    assert "geography_consistent_with_other_sources" in report and name in report, report
    attempts = {p.stem: json.loads(p.read_text())["status"] for p in (settings.store_dir / "attempts").glob("*.json")}
    assert attempts.pop(source_id) == "quarantined"
    assert "quarantined" not in attempts.values(), attempts
    published = json.loads((settings.store_dir / "published.json").read_text())
    assert published[source_id] == json.loads((settings.validated_dir / f"{source_id}.json").read_text())["sha256"]
