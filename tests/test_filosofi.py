"""FiLoSoFi commune files 2014–2019 (a third party's CSV conversion of INSEE's xls): expected values read with
pandas from the delivered gz files (and, for the cross-source check, from the comparateur's zip), never from the
warehouse; the parser on a SYNTHETIC file in the delivered layout."""

import io
import zipfile

import pandas as pd
import pytest

from sources.ingestion.settings import PROJECT_ROOT
from sources.insee_filosofi import EDITIONS, parse

DATA = PROJECT_ROOT / "sources" / "data"
LILLE, LENS = "59350", "62498"


def _delivered(year: str) -> pd.DataFrame:
    """One edition read with pandas alone: UTF-8 with BOM, `;`, decimal comma."""
    path = DATA / "insee_filosofi" / f"FILO{year}_DISP_COM.csv.gz"
    return pd.read_csv(path, sep=";", decimal=",", dtype={"CODGEO": str}, encoding="utf-8-sig").set_index("CODGEO")


def _value(warehouse, indicator: str, code: str, geo_year: int, period: str, source: str = "insee_filosofi"):
    rows = warehouse.sql(
        "SELECT value, flags FROM indicator_values WHERE indicator_id = ? AND level = 'commune' AND code = ? "
        "AND geo_year = ? AND period = ? AND source_id = ?",
        params=[indicator, code, geo_year, period, source],
    ).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_lille_2019_median_equals_the_comparateurs(warehouse):
    # cross-source: FILO2019 Q219 and the comparateur's MED19 (both read here from the delivered files)
    filo = _delivered("2019").loc[LILLE]
    with zipfile.ZipFile(DATA / "insee_comparateur" / "base_cc_comparateur_csv.zip") as archive:
        comparateur = pd.read_csv(io.BytesIO(archive.read("base_cc_comparateur.CSV")), sep=";",
                                  dtype={"CODGEO": str}).set_index("CODGEO").loc[LILLE]
    assert filo["Q219"] == comparateur["MED19"] == 19_580
    assert filo["NBMEN19"] == comparateur["NBMENFISC19"] == 97_244
    assert _value(warehouse, "mediane_niveau_vie", LILLE, 2020, "2019") == (19_580, None)
    assert _value(warehouse, "mediane_niveau_vie", LILLE, 2021, "2019", "insee_comparateur") == (19_580, None)
    assert _value(warehouse, "menages_fiscaux", LILLE, 2020, "2019")[0] == 97_244


def test_a_series_per_commune_across_editions(warehouse):
    # Lens kept its code through 2014–2020: one median per edition, each on the COG of the following 1 January
    for year in EDITIONS:
        yy = year[2:]
        expected = _delivered(year).loc[LENS]
        assert _value(warehouse, "mediane_niveau_vie", LENS, int(year) + 1, year)[0] == expected[f"Q2{yy}"]
        assert _value(warehouse, "premier_decile_niveau_vie", LENS, int(year) + 1, year)[0] == expected[f"D1{yy}"]
        assert _value(warehouse, "personnes_menages_fiscaux", LENS, int(year) + 1, year)[0] == expected[f"NBPERS{yy}"]
    rows = warehouse.sql("SELECT periode, mediane_niveau_vie FROM mart_revenus WHERE code = ? "
                         "AND source = 'insee_filosofi' ORDER BY 1", params=[LENS]).fetchall()
    assert [r[0] for r in rows] == list(EDITIONS)


def test_each_edition_is_on_the_cog_of_the_next_january():
    # the assumption of docs/assumptions.md, checked on the codes: every commune code of edition N is a commune
    # of COG N+1 (municipal arrondissements aside)
    membership = pd.read_parquet(DATA / "cog" / "appartenance_communes_cog2008_2024.parquet",
                                 columns=["cog_year", "codgeo"])
    for year in EDITIONS:
        codes = set(_delivered(year).index)
        codes = {c for c in codes if not c.startswith(("751", "6938", "132"))}
        communes = set(membership.loc[membership["cog_year"] == int(year) + 1, "codgeo"])
        assert codes <= communes, (year, sorted(codes - communes)[:5])


def test_a_secret_commune_is_null_with_its_flag_and_nothing_is_aggregated(warehouse):
    membership = pd.read_parquet(DATA / "cog" / "appartenance_communes_cog2008_2024.parquet",
                                 columns=["cog_year", "codgeo", "dep"])
    communes_2020 = membership[(membership["cog_year"] == 2020) & ~membership["dep"].str.startswith("976")]
    secret = sorted(set(communes_2020["codgeo"]) - set(_delivered("2019").index))
    assert len(secret) > 3000
    assert _value(warehouse, "mediane_niveau_vie", secret[0], 2020, "2019") == (None, "suppressed")
    counts = warehouse.sql(
        "SELECT count(*) FILTER (value IS NULL AND flags = 'suppressed'), count(*) FILTER (value = 0) "
        "FROM indicator_values WHERE source_id = 'insee_filosofi' AND indicator_id = 'mediane_niveau_vie' "
        "AND period = '2019'").fetchall()[0]
    assert counts == (len(secret), 0)
    levels = warehouse.sql("SELECT DISTINCT level FROM indicator_values WHERE source_id = 'insee_filosofi'").fetchall()
    assert levels == [("commune",)]


def test_parser_strips_the_year_suffix_and_reads_decimal_commas(tmp_path):
    import gzip

    # SYNTHETIC values in the delivered layout (BOM, `;`, decimal comma, CRLF)
    header = "CODGEO;LIBGEO;NBMEN19;NBPERS19;NBUC19;Q119;Q219;Q319;Q3_Q1;D119;D219;D319;D419;D619;D719;D819;D919;" \
             "RD;S80S2019;GI19"
    rows = ["62498;Commune synthétique;100;210,5;150,2;;15000;;;;;;;;;;;;;",
            "59350;Autre commune;10;20;15;9000;12000;15000;6000;7000;8000;9000;10000;13000;14000;16000;18000;"
            "2,6;3,1;0,25"]
    path = tmp_path / "FILO2019_DISP_COM.csv.gz"
    with gzip.open(path, "wb") as f:
        f.write(("\ufeff" + "\r\n".join([header, *rows])).encode("utf-8"))
    frame = parse([path]).frame.set_index("CODGEO")
    assert frame.loc["62498", "Q2"] == 15_000 and frame.loc["62498", "NBPERS"] == 210.5
    assert pd.isna(frame.loc["62498", "D1"]) and frame.loc["59350", "GI"] == 0.25
    assert set(frame["income_year"]) == {2019} and set(frame["geo_year"]) == {2020}


@pytest.mark.parametrize("name", ["FILO_DISP_COM.csv", "revenus.csv"])
def test_parser_needs_the_income_year_in_the_file_name(tmp_path, name):
    from sources.errors import SourceError

    path = tmp_path / name
    path.write_text("CODGEO;LIBGEO;Q219\n62498;x;1\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        parse([path])
    assert err.value.rule == "file_name_year"


def test_filosofi_2019_and_the_comparateur_agree_commune_by_commune():
    # cross-source, from the delivered files only: FILO2019 (COG 2020) and the comparateur's MED19 / NBMENFISC19
    # (COG 2021) are the same values wherever the code is in both (two communes merged on 1 January 2021 differ)
    filo = _delivered("2019")
    with zipfile.ZipFile(DATA / "insee_comparateur" / "base_cc_comparateur_csv.zip") as archive:
        comparateur = pd.read_csv(io.BytesIO(archive.read("base_cc_comparateur.CSV")), sep=";",
                                  dtype={"CODGEO": str}).set_index("CODGEO")
    both = filo[["Q219", "NBMEN19"]].join(comparateur[["MED19", "NBMENFISC19"]], how="inner")
    assert len(both) > 31_000
    assert (both["Q219"] != both["MED19"]).sum() <= 2 and (both["NBMEN19"] != both["NBMENFISC19"]).sum() <= 2
    # a commune absent from FILO2019 (secret) has an empty MED19 in the comparateur too
    absent = comparateur.index.difference(filo.index)
    assert comparateur.loc[absent, "MED19"].notna().sum() <= 2
