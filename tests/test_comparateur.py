"""INSEE base comparateur de territoires (RP 2018, geography 2021): expected values computed independently with
pandas from the delivered zip and the bundled membership table (never read back from the warehouse), against the
France-wide build; the parser on a SYNTHETIC zip in the delivered layout."""

import io
import zipfile

import pandas as pd
import pytest

from sources.errors import SourceError
from sources.ingestion.settings import PROJECT_ROOT
from sources.insee_comparateur import parse

DATA = PROJECT_ROOT / "sources" / "data"
ZIP = DATA / "insee_comparateur" / "base_cc_comparateur_csv.zip"
LENS, LILLE = "62498", "59350"
EPCI_LENS_LIEVIN = "246200364"  # CA de Lens-Liévin


@pytest.fixture(scope="module")
def delivered() -> pd.DataFrame:
    """The delivered data member read with pandas alone (`;`, empty cell = NaN), independently of the parser."""
    with zipfile.ZipFile(ZIP) as archive:
        data = archive.read("base_cc_comparateur.CSV")
    frame = pd.read_csv(io.BytesIO(data), sep=";", dtype={"CODGEO": str})
    return frame.set_index("CODGEO")


@pytest.fixture(scope="module")
def members_2021() -> pd.DataFrame:
    membership = pd.read_parquet(DATA / "cog" / "appartenance_communes_cog2008_2024.parquet")
    return membership[membership["cog_year"] == 2021]


def _value(warehouse, indicator: str, level: str, code: str, geo_year: int = 2021, period: str = "2018"):
    rows = warehouse.sql(
        "SELECT value, numerator, denominator, flags FROM indicator_values WHERE indicator_id = ? AND level = ? "
        "AND code = ? AND geo_year = ? AND period = ?",
        params=[indicator, level, code, geo_year, period],
    ).fetchall()
    assert len(rows) == 1, (indicator, level, code, geo_year, period, rows)
    return rows[0]


def test_the_file_holds_communes_and_municipal_arrondissements(delivered, members_2021):
    # 34 965 communes of COG 2021 + 45 municipal arrondissements, each city equal to the sum of its arrondissements
    communes = set(members_2021["codgeo"])
    extra = sorted(set(delivered.index) - communes)
    assert len(delivered) == 35_010 and communes <= set(delivered.index)
    assert len(extra) == 45 and all(c[:3] in ("751", "693", "132") for c in extra)
    for city, prefix in (("75056", "751"), ("69123", "6938"), ("13055", "132")):
        arm = delivered[delivered.index.str.startswith(prefix) & (delivered.index != city)]
        assert arm["P18_POP"].sum() == delivered.loc[city, "P18_POP"]


def test_epci_density_is_summed_population_over_summed_area(warehouse, delivered, members_2021):
    codes = members_2021.loc[members_2021["epci"] == EPCI_LENS_LIEVIN, "codgeo"]
    pop, area = delivered.loc[codes, "P18_POP"].sum(), delivered.loc[codes, "SUPERF"].sum()
    value, numerator, denominator, flags = _value(warehouse, "densite_population", "epci", EPCI_LENS_LIEVIN)
    assert numerator == pytest.approx(pop) and denominator == pytest.approx(area)
    assert value == pytest.approx(pop / area) and flags is None
    # never an average of the communes' densities
    mean_of_ratios = (delivered.loc[codes, "P18_POP"] / delivered.loc[codes, "SUPERF"]).mean()
    assert abs(value - mean_of_ratios) > 1


def test_every_level_of_geography_2021_is_the_sum_of_its_communes(warehouse, delivered, members_2021):
    communes = delivered.loc[members_2021["codgeo"]].join(members_2021.set_index("codgeo"))
    metro = communes[~communes["dep"].str.startswith("97")]
    for level, column, code in (("departement", "dep", "62"), ("region", "reg", "32"), ("ze2020", "ze2020", "3213"),
                                ("arrondissement", "arr", "627")):
        part = communes[communes[column] == code]
        assert _value(warehouse, "logements", level, code)[0] == pytest.approx(part["P18_LOG"].sum()), level
    assert _value(warehouse, "logements", "france_metro", "FM")[0] == pytest.approx(metro["P18_LOG"].sum())
    # the Bassin minier: its four arrondissements (transforms/config.yml)
    basin = communes[communes["arr"].isin(["622", "627", "593", "596"])]
    assert _value(warehouse, "etablissements_actifs", "grouping", "bassin_minier")[0] == basin["ETTOT18"].sum()


def test_lens_vacancy_rate_by_hand(warehouse, delivered):
    # Lens, RP 2018: 2 509.41 vacant dwellings of 17 325.70 → 14.48 %
    lens = delivered.loc[LENS]
    value, numerator, denominator, _ = _value(warehouse, "taux_vacance_logements", "commune", LENS)
    assert (numerator, denominator) == (pytest.approx(lens["P18_LOGVAC"]), pytest.approx(lens["P18_LOG"]))
    assert round(value, 2) == round(100 * 2509.40745881681 / 17325.6975126115, 2) == 14.48
    owners = _value(warehouse, "part_proprietaires", "commune", LENS)
    assert owners[0] == pytest.approx(100 * lens["P18_RP_PROP"] / lens["P18_RP"])


def test_natural_and_migratory_balance_of_an_epci(warehouse, delivered, members_2021):
    codes = members_2021.loc[members_2021["epci"] == EPCI_LENS_LIEVIN, "codgeo"]
    c = delivered.loc[codes].sum()
    natural = c["NAIS1318"] - c["DECE1318"]
    migratory = (c["P18_POP"] - c["P13_POP"]) - natural
    person_years = 5 * (c["P13_POP"] + c["P18_POP"]) / 2
    got = {i: _value(warehouse, i, "epci", EPCI_LENS_LIEVIN, period="2013-2018")[0]
           for i in ("solde_naturel", "solde_migratoire_apparent", "taux_variation_annuel_solde_naturel",
                     "taux_variation_annuel_solde_migratoire_apparent", "naissances", "deces")}
    assert got["naissances"] == c["NAIS1318"] and got["deces"] == c["DECE1318"]
    assert got["solde_naturel"] == pytest.approx(natural)
    assert got["solde_migratoire_apparent"] == pytest.approx(migratory)
    assert got["taux_variation_annuel_solde_naturel"] == pytest.approx(100 * natural / person_years)
    total = ((c["P18_POP"] / c["P13_POP"]) ** (1 / 5) - 1) * 100
    assert got["taux_variation_annuel_solde_naturel"] + got["taux_variation_annuel_solde_migratoire_apparent"] == (
        pytest.approx(total)
    )


def test_activity_unemployment_and_jobs_ratio(warehouse, delivered):
    lille = delivered.loc[LILLE]
    assert _value(warehouse, "taux_activite_15_64_ans", "commune", LILLE)[0] == pytest.approx(
        100 * lille["P18_ACT1564"] / lille["P18_POP1564"])
    assert _value(warehouse, "taux_chomage_recensement_15_64_ans", "commune", LILLE)[0] == pytest.approx(
        100 * lille["P18_CHOM1564"] / lille["P18_ACT1564"])
    value, numerator, denominator, _ = _value(warehouse, "emplois_par_actif_occupe_15_64_ans", "commune", LILLE)
    assert denominator == pytest.approx(lille["P18_ACT1564"] - lille["P18_CHOM1564"])
    assert value == pytest.approx(100 * lille["P18_EMPLT"] / denominator)
    assert _value(warehouse, "emplois_lieu_travail", "commune", LILLE, period="2013")[0] == pytest.approx(
        lille["P13_EMPLT"])


def test_medians_and_poverty_rates_are_published_for_communes_only(warehouse, delivered):
    assert _value(warehouse, "mediane_niveau_vie", "commune", LILLE, period="2019")[0] == 19_580
    assert _value(warehouse, "taux_pauvrete", "commune", LENS, period="2019")[0] == delivered.loc[LENS, "TP6019"]
    levels = warehouse.sql(
        "SELECT DISTINCT level, geo_year FROM indicator_values WHERE source_id = 'insee_comparateur' "
        "AND indicator_id IN ('mediane_niveau_vie', 'taux_pauvrete', 'part_menages_fiscaux_imposes', 'menages_fiscaux')"
    ).fetchall()
    assert levels == [("commune", 2021)]  # no EPCI-level (or any other) median, no later geography


def test_a_secret_median_stays_null_with_its_flag(warehouse, delivered):
    secret = delivered[delivered["MED19"].isna() & delivered["P18_POP"].notna()
                       & ~delivered.index.str.match(r"^(751|6938|132)")].index
    code = secret[0]
    value, _, _, flags = _value(warehouse, "mediane_niveau_vie", "commune", code, period="2019")
    assert value is None and flags == "suppressed"
    n = warehouse.sql(
        "SELECT count(*) FILTER (value IS NULL AND flags = 'suppressed'), count(*) FILTER (value = 0) "
        "FROM indicator_values WHERE indicator_id = 'mediane_niveau_vie' AND source_id = 'insee_comparateur'"
    ).fetchall()[0]
    assert n == (len(secret), 0)


def test_counts_reach_later_geographies_with_conservation(warehouse, delivered, members_2021):
    # the national total of a count is the same on geography 2021 and on 2024 (passage tables: merges sum)
    metro = members_2021.loc[~members_2021["dep"].str.startswith("97"), "codgeo"]
    expected = delivered.loc[metro, "P18_LOG"].sum()
    for geo_year in (2021, 2022, 2023, 2024):
        assert _value(warehouse, "logements", "france_metro", "FM", geo_year)[0] == pytest.approx(expected)


def test_no_critical_violation(warehouse):
    for table in ("violations_nesting", "violations_conservation"):
        assert warehouse.sql(f"SELECT count(*) FROM {table} WHERE severity = 'critical'").fetchall() == [(0,)]


def test_marts_carry_flags(warehouse):
    rows = warehouse.sql(
        "SELECT recensement, densite_hab_km2, flags FROM mart_densite WHERE niveau = 'epci' AND code = ? "
        "AND millesime_geo = 2021", params=[EPCI_LENS_LIEVIN]).fetchall()
    assert len(rows) == 1 and rows[0][0] == "2018"
    flagged = warehouse.sql("SELECT count(*) FROM mart_revenus WHERE flags LIKE '%suppressed%' "
                            "AND mediane_niveau_vie IS NULL").fetchall()[0][0]
    assert flagged > 3000
    vacancy = warehouse.sql("SELECT taux_vacance_pct FROM mart_logement WHERE niveau = 'commune' AND code = ? "
                            "AND millesime_geo = 2021", params=[LENS]).fetchall()
    assert round(vacancy[0][0], 2) == 14.48


def _synthetic_zip(path, rows: str) -> None:
    """A SYNTHETIC delivery in INSEE's layout: the data member (`;`, CRLF) and the metadata member."""
    from sources.insee_comparateur import VARIABLES

    header = ";".join(["CODGEO", *VARIABLES])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("base_cc_comparateur.CSV", "\r\n".join([header, *rows.splitlines()]) + "\r\n")
        archive.writestr("meta_base_cc_comparateur.CSV",
                         "COD_VAR;LIB_VAR;LIB_VAR_LONG;COD_MOD;LIB_MOD;TYPE_VAR;LONG_VAR\r\n"
                         "CODGEO;CODGEO;Code;62498;Commune synthétique;CHAR;5\r\n")


def test_parser_keeps_empty_cells_null_and_names_arrondissements(tmp_path):
    from sources.insee_comparateur import VARIABLES

    n = len(VARIABLES)
    secret = ["1"] * n
    secret[VARIABLES.index("MED19")] = ""
    path = tmp_path / "base_cc_comparateur_csv.zip"
    _synthetic_zip(path, "62498;" + ";".join(["2.5"] * n) + "\n75101;" + ";".join(secret))
    frame = parse([path]).frame.set_index("CODGEO")
    assert frame.loc["62498", "P18_POP"] == 2.5 and frame.loc["62498", "LIBGEO"] == "Commune synthétique"
    assert pd.isna(frame.loc["75101", "MED19"]) and frame.loc["75101", "NIVGEO"] == "ARM"
    assert frame.loc["62498", "NIVGEO"] == "COM"


def test_parser_names_a_bad_cell(tmp_path):
    from sources.insee_comparateur import VARIABLES

    path = tmp_path / "base_cc_comparateur_csv.zip"
    _synthetic_zip(path, "62498;" + ";".join(["x"] + ["1"] * (len(VARIABLES) - 1)))
    with pytest.raises(SourceError) as err:
        parse([path])
    assert err.value.rule == "numeric_value" and err.value.rows == [2]


def test_census_2018_population_agrees_with_the_population_spine(warehouse, delivered):
    # cross-source: the comparateur's P18_POP against the bundled COGugaison populations (COG 2020 = RP 2018),
    # commune by commune (two communes merged on 1 January 2021 differ), and in the warehouse at EPCI level
    population = pd.read_parquet(DATA / "cog" / "population_communes_cog1968_2024.parquet")
    rp2018 = population[population["cog_year"] == 2020].set_index("codgeo")["pop"]
    both = delivered[["P18_POP"]].join(rp2018, how="inner").dropna()
    assert len(both) > 34_900 and (both["P18_POP"] != both["pop"]).sum() <= 2
    census = _value(warehouse, "population", "epci", EPCI_LENS_LIEVIN)[0]
    assert _value(warehouse, "densite_population", "epci", EPCI_LENS_LIEVIN)[1] == pytest.approx(census)


def test_the_small_geography_cuts_the_comparateur_and_filosofi(small_data, small_home):
    # the Nord/Pas-de-Calais cut keeps these files in their delivered layout with the cut's communes only, and its
    # build publishes their indicators (its critical violations are checked in tests/test_scope.py)
    import duckdb

    cut = parse([small_data / "insee_comparateur" / "base_cc_comparateur_csv.zip"]).frame
    assert set(cut["CODGEO"].str[:2]) <= {"59", "62", "80", "02"} and LENS in set(cut["CODGEO"])
    assert (cut["CODGEO"].str[:2].isin(["59", "62"])).mean() > 0.99
    con = duckdb.connect(str(small_home / "warehouse" / "observatoire.duckdb"), read_only=True)
    try:
        got = con.sql("SELECT source_id, count(*) FROM indicator_values WHERE code = ? AND level = 'commune' "
                      "AND source_id IN ('insee_comparateur', 'insee_filosofi') GROUP BY ALL ORDER BY 1",
                      params=[LENS]).fetchall()
    finally:
        con.close()
    assert [s for s, _ in got] == ["insee_comparateur", "insee_filosofi"] and all(n > 10 for _, n in got)
