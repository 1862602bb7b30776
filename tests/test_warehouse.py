"""The published warehouse built from the bundled real data. Expected values are recomputed independently
from the raw bundled files with pandas (not through the pipeline's SQL)."""

import pandas as pd
import pytest

from sources.ingestion.settings import get_settings

RAW = get_settings().data_dir / "cog"


@pytest.fixture(scope="module")
def raw_population() -> pd.DataFrame:
    return pd.read_parquet(RAW / "population_communes_cog1968_2024.parquet")


@pytest.fixture(scope="module")
def raw_membership() -> pd.DataFrame:
    return pd.read_parquet(RAW / "appartenance_communes_cog2008_2024.parquet")


def _pop(con, level, code, geo_year, period):
    rows = con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = 'population' AND level = ? "
        "AND code = ? AND geo_year = ? AND period = ?",
        [level, code, geo_year, period],
    ).fetchall()
    assert len(rows) == 1, (level, code, geo_year, period, rows)
    return rows[0][0]


def test_2009_population_by_arrondissement_and_region_in_2011_geography(warehouse, raw_population, raw_membership):
    # Independent: pandas sum of the raw COG-2011 commune populations (= census 2009) over the raw membership.
    merged = raw_population[raw_population.cog_year == 2011].merge(
        raw_membership[raw_membership.cog_year == 2011].drop_duplicates(["codgeo"]), on="codgeo"
    )
    for arr in ("622", "627", "593", "596"):
        assert _pop(warehouse, "arrondissement", arr, 2011, "2009") == merged.loc[merged.arr == arr, "pop"].sum()
    assert _pop(warehouse, "region", "31", 2011, "2009") == merged.loc[merged.reg == "31", "pop"].sum()
    bassin = merged.loc[merged.arr.isin(["622", "627", "593", "596"]), "pop"].sum()
    assert _pop(warehouse, "grouping", "bassin_minier", 2011, "2009") == bassin
    metro = merged.loc[~merged.dep.str.startswith("97"), "pop"].sum()
    assert _pop(warehouse, "france_metro", "FM", 2011, "2009") == metro


@pytest.mark.parametrize("census", [1990, 1999])
def test_old_censuses_projected_onto_2011_keep_the_national_total(warehouse, raw_population, census):
    native_total = raw_population.loc[raw_population.cog_year == census, "pop"].sum()
    projected = warehouse.execute(
        "SELECT sum(value) FROM indicator_values WHERE indicator_id = 'population' AND level = 'commune' "
        "AND geo_year = 2011 AND period = ?",
        [str(census)],
    ).fetchall()[0][0]
    assert round(projected) == native_total


def test_lomme_follows_its_merger_into_lille(warehouse, raw_population):
    # Lomme (59355) became an associated commune of Lille (59350) in 2000: the 1999 census in the 2011 geography
    # counts both under Lille, and Lomme no longer exists there.
    raw_1999 = raw_population[raw_population.cog_year == 1999].set_index("codgeo")["pop"]
    assert _pop(warehouse, "commune", "59350", 2011, "1999") == raw_1999["59350"] + raw_1999["59355"]
    assert not warehouse.execute(
        "SELECT 1 FROM indicator_values WHERE level = 'commune' AND code = '59355' AND geo_year = 2011"
    ).fetchall()


def test_every_level_has_population_for_every_vintage(warehouse, raw_membership, raw_population):
    # Every territory with at least one commune counted by the census of that vintage (Mayotte, 976, has no
    # population before its first census, COG 2014 = RP 2012: a real gap, not a pipeline loss).
    # The latest census on each geography: its own (RP Y−2), or for COG 2022, whose bundled populations repeat the
    # previous vintage's, the previous census projected (RP 2019); COG 2024's is the populations légales' RP 2022.
    got = warehouse.execute(
        "WITH latest AS (SELECT geo_year, max(period::INTEGER)::VARCHAR AS period FROM indicator_values "
        "WHERE indicator_id = 'population' AND level = 'france_metro' GROUP BY 1) "
        "SELECT level, geo_year, count(DISTINCT code) FROM indicator_values JOIN latest USING (geo_year, period) "
        "WHERE indicator_id = 'population' GROUP BY ALL"
    ).fetchall()
    got = {(level, year): n for level, year, n in got}
    for year in range(2008, 2025):
        counted = raw_population.loc[(raw_population.cog_year == year) & raw_population["pop"].notna(), "codgeo"]
        raw = raw_membership[(raw_membership.cog_year == year) & raw_membership.codgeo.isin(counted)]
        expected = {
            "epci": raw.loc[raw.epci.notna() & (raw.epci != "ZZZZZZZZZ"), "epci"].nunique(),
            "arrondissement": raw.loc[raw.arr.notna() & (raw.arr != "ZZZZ"), "arr"].nunique(),
            "departement": raw.dep.nunique(),
            "region": raw.reg.nunique(),
            "ze2010": raw.ze2010.nunique(),
            "ze2020": raw.ze2020.nunique(),
        }
        for level, n in expected.items():
            if n:  # a zoning is empty in the years it did not exist
                assert got.get((level, year)) == n, (level, year)


def test_rates_are_published_in_both_conventions(warehouse):
    rows = warehouse.execute(
        "SELECT indicator_id, value, numerator, denominator FROM indicator_values WHERE level = 'arrondissement' "
        "AND code = '627' AND geo_year = 2011 AND period = '1999-2009' ORDER BY indicator_id"
    ).fetchall()
    by_id = {r[0]: r[1:] for r in rows}
    value, p1, p0 = by_id["taux_variation_annuel_moyen_compose"]
    assert value == pytest.approx(((p1 / p0) ** (1 / 10) - 1) * 100)
    assert by_id["taux_variation_annuel_moyen_lineaire"][0] == pytest.approx((p1 - p0) / p0 / 10 * 100)
    assert by_id["population_variation"][0] == pytest.approx(p1 - p0)


def test_territories_cover_indicator_codes_and_everything_is_commented(warehouse):
    assert (
        warehouse.sql(
            "SELECT count(*) FROM (SELECT DISTINCT level, code, geo_year FROM indicator_values) "
            "ANTI JOIN territories USING (level, code, geo_year)"
        ).fetchall()[0][0]
        == 0
    )
    label = warehouse.sql(
        "SELECT label FROM territories WHERE level = 'epci' AND code = '246200141' AND geo_year = 2011"
    ).fetchall()
    assert label and "Artois" in label[0][0]
    uncommented = warehouse.sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND comment IS NULL"
    ).fetchall()
    assert uncommented == []
    assert (
        warehouse.sql(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND comment IS NULL"
        ).fetchall()[0][0]
        == 0
    )
    ids = {r[0] for r in warehouse.sql("SELECT id FROM indicator_catalogue").fetchall()}
    assert {"population", "taux_variation_annuel_moyen_compose", "taux_variation_annuel_moyen_lineaire"} <= ids


def test_cross_source_differences_are_listed(warehouse):
    # INSEE vs DGCL commune → EPCI: for Nord (59) and Pas-de-Calais (62) the two agree in every year.
    n = warehouse.sql("SELECT count(*) FROM check_epci_insee_vs_dgcl WHERE left(codgeo, 2) IN ('59', '62')").fetchall()[
        0
    ][0]
    assert n == 0
    # DGCL 2012 legal populations = census 2009 = INSEE COG 2011, commune by commune, for the Bassin minier.
    diff = warehouse.sql(
        "SELECT count(*) FROM check_dgcl_population_vs_census WHERE year = 2012 "
        "AND left(codgeo, 2) IN ('59', '62') AND NOT equal"
    ).fetchall()[0][0]
    assert diff == 0


def test_a_column_name_can_mean_different_things_in_two_tables(warehouse):
    # `periode` is a census interval in mart_evolution_population, a year or interval of headcounts in
    # mart_emploi (the model's header documents its own meaning); every published column is documented.
    described = dict(warehouse.execute(
        "SELECT table_name, description FROM data_dictionary WHERE column_name = 'periode' "
        "AND table_name IN ('mart_emploi', 'mart_evolution_population')"
    ).fetchall())
    assert described["mart_emploi"] != described["mart_evolution_population"]
    assert "effectif" in described["mart_emploi"]
    undocumented = warehouse.execute(
        """SELECT c.table_name, c.column_name FROM information_schema.columns c
           ANTI JOIN data_dictionary d ON d.table_name = c.table_name AND d.column_name = c.column_name
           WHERE c.table_catalog = current_database()"""
    ).fetchall()
    assert undocumented == []
