"""The reproduction table and the report, on the warehouse built from the bundled data."""

import pandas as pd
import pytest
import yaml

from flows.nightly import run_refresh
from sources.ingestion.settings import get_settings


def test_every_published_figure_has_a_status_and_an_explanation(warehouse):
    published = warehouse.sql("SELECT count(*) FROM published_figures").fetchall()[0][0]
    repro = warehouse.sql("SELECT * FROM reproduction").df()
    assert len(repro) == published > 600
    assert repro.status.isin(
        ["reproduced", "consistent", "differs", "inconsistent_input", "not_computable", "not_statistical"]
    ).all()
    demography = repro[repro.table_id.isin(["t1", "t2", "t3"])]
    assert len(demography) == 104 and demography.explanation.str.len().gt(20).all()


def test_reproduced_means_recomputed_from_independent_data(warehouse):
    # `reproduced` only where the computed value comes from a source that is not an extract of the document;
    # the sources declared as extracts in the registry are recognised by the sha256 of their bundled files.
    from sources.ingestion.registry import SOURCES

    extracts = {s.id for s in SOURCES.values() if s.extract_files}
    assert extracts == {"insee_rp_age", "insee_chomage", "urssaf_effectifs", "ors_indicateurs"}
    rows = warehouse.sql(
        "SELECT status, source_id, source_kind FROM reproduction WHERE status = 'reproduced'"
    ).fetchall()
    assert rows and all(kind == "independent" and source not in extracts for _, source, kind in rows)
    kinds = dict(warehouse.sql(
        "SELECT source_id, any_value(source_kind) FROM reproduction WHERE source_id IS NOT NULL GROUP BY 1"
    ).fetchall())
    assert kinds["insee_population"] == "independent" and kinds["urssaf_effectifs"] == "document_extract"


def test_2009_populations_of_t2_reproduce_exactly(warehouse):
    rows = warehouse.sql(
        "SELECT published_value, computed_value, status FROM reproduction "
        "WHERE table_id = 't2' AND indicator = 'population_2009'"
    ).fetchall()
    assert len(rows) == 6
    assert all(p == c and s == "reproduced" for p, c, s in rows)


def test_1999_differences_are_quantified(warehouse):
    rows = warehouse.sql(
        "SELECT difference, explanation FROM reproduction WHERE table_id = 't2' AND indicator = 'population_1999'"
    ).fetchall()
    assert all(d is not None and "écart" in e for d, e in rows)


def test_t3_rates_computed_for_the_eight_epci_in_both_periods(warehouse):
    # Independent: the crosswalk lists the 8 EPCI of t3; each has a computed rate for both periods.
    n = warehouse.sql("""SELECT count(*) FROM reproduction r JOIN published_figures p USING (figure_id)
                         WHERE r.table_id = 't3' AND p.level = 'epci' AND r.computed_value IS NOT NULL
                           AND r.indicator IN ('taux_variation_annuel_1990_1999_pct',
                                               'taux_variation_annuel_1999_2009_pct')""").fetchall()[0][0]
    assert n == 16


def test_plausibility_flags_counts_that_do_not_fit_the_real_population(warehouse):
    # The check is recomputed here from its inputs: share = count / real population, bounds from config.yml.
    bounds = yaml.safe_load(open("transforms/config.yml"))["age_plausibility"]["under_20"]
    check = warehouse.sql(
        "SELECT code, pop_under_20, population, under_20_plausible FROM check_age_counts_vs_population"
    ).df()
    expected = (check.pop_under_20 / check.population).between(*bounds)
    assert (expected == check.under_20_plausible).all()
    flagged = set(check.loc[~check.under_20_plausible.astype(bool), "code"])
    statuses = warehouse.sql(
        "SELECT p.code, r.status FROM reproduction r JOIN published_figures p USING (figure_id) "
        "WHERE r.indicator = 'pop_moins_20_ans_2009'"
    ).fetchall()
    assert {code for code, s in statuses if s == "inconsistent_input"} == flagged


def test_components_must_add_up_to_the_total(warehouse):
    published = warehouse.sql("SELECT territory, indicator, value FROM published_figures WHERE table_id = 't3'").df()
    wide = published.pivot(index="territory", columns="indicator", values="value")
    gap = (
        wide.taux_annuel_solde_naturel_1999_2009_pct
        + wide.taux_annuel_solde_migratoire_1999_2009_pct
        - wide.taux_variation_annuel_1999_2009_pct
    ).abs()
    broken = set(gap[gap > 0.1 + 1e-9].index)
    statuses = dict(
        warehouse.sql(
            "SELECT territory, status FROM reproduction WHERE table_id = 't3' "
            "AND indicator = 'taux_annuel_solde_migratoire_1999_2009_pct'"
        ).fetchall()
    )
    assert {t for t, s in statuses.items() if s == "inconsistent_input"} == broken


def test_configured_series_historiques_flow_into_the_demography_mart(small_private_home, tmp_path, monkeypatch):
    # A synthetic file (labelled so) in INSEE's séries historiques layout for the communes of one EPCI of 2011,
    # injected into the small real geography (the EPCI lies in Pas-de-Calais).
    # Expected natural rate computed here from the synthetic counts and the real populations of the warehouse.
    from warehouse.db import connect_readonly

    con = connect_readonly(get_settings().warehouse_path)
    communes = [
        r[0]
        for r in con.sql(
            "SELECT codgeo FROM geo_commune WHERE geo_year = 2011 AND epci = '246200745' ORDER BY codgeo"
        ).fetchall()
    ]
    p0, p1 = (
        con.sql(
            f"SELECT value FROM indicator_values WHERE indicator_id = 'population' AND level = 'epci' "
            f"AND code = '246200745' AND geo_year = 2011 AND period = '{y}'"
        ).fetchall()[0][0]
        for y in ("1999", "2009")
    )
    con.close()
    synthetic = pd.DataFrame({"CODGEO": communes, "NAIS9909": 30, "DECE9909": 20})
    path = tmp_path / "base-cc-serie-historique-2009_SYNTHETIC.csv"
    synthetic.to_csv(path, sep=";", index=False)
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({"insee_rp_historique": [str(path)]}))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))

    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"]
    con = connect_readonly(get_settings().warehouse_path)
    got = con.sql(
        "SELECT taux_solde_naturel_pct, taux_natalite_pour_mille FROM mart_demographie "
        "WHERE niveau = 'epci' AND code = '246200745' AND millesime_geo = 2011 AND periode = '1999-2009'"
    ).fetchall()
    con.close()
    n, births, deaths = len(communes), 30 * len(communes), 20 * len(communes)
    assert got[0][0] == pytest.approx((births - deaths) / 10 / ((p0 + p1) / 2) * 100, rel=1e-12)
    assert got[0][1] == pytest.approx(births / 10 / ((p0 + p1) / 2) * 1000, rel=1e-12)
    assert n > 1


def test_every_not_computable_figure_names_the_dataset_that_would_compute_it(warehouse):
    rows = warehouse.sql(
        "SELECT figure_id, missing_producer, missing_product, missing_variables, missing_geography, missing_year, "
        "explanation FROM reproduction WHERE status = 'not_computable'"
    ).fetchall()
    assert rows
    for figure_id, *fields, explanation in rows:
        assert all(fields), figure_id
        assert "pipeline yet" not in explanation and fields[1] in explanation, figure_id
    # a printed number that is not a statistic is said so, not left « not computable »
    assert warehouse.sql("SELECT count(*) FROM reproduction WHERE status = 'not_statistical'").fetchall()[0][0] > 0
