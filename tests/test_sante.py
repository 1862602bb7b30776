"""Standardised mortality: methods against hand-worked examples and scipy, and end to end on synthetic counts."""

import math

import pandas as pd
import pytest
import yaml
from scipy.stats import chi2

from transforms.methods.standardisation import byar, dsr, icm, poisson_exact

Z95 = 1.959963984540054  # standard normal quantile 0.975


def test_icm_with_byar_interval_by_hand():
    # O = 25 deaths, E = 20 expected: ICM = 125. Byar (Breslow & Day): lower = O (1 − 1/(9O) − z/(3√O))³,
    # upper = (O+1) (1 − 1/(9(O+1)) + z/(3√(O+1)))³, divided by E, × 100.
    o, e = 25, 20.0
    lower = o * (1 - 1 / (9 * o) - Z95 / (3 * math.sqrt(o))) ** 3 / e * 100
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * math.sqrt(o + 1))) ** 3 / e * 100
    est = icm(o, e)
    assert est.value == 125.0
    assert abs(est.ci_low - lower) < 1e-9 and abs(est.ci_high - upper) < 1e-9
    assert est.significant is False and est.flags is None  # 100 lies inside the interval; 25 ≥ 20 deaths


def test_exact_poisson_interval_matches_scipy_chi_square():
    # Garwood: lower = χ²(α/2, 2O)/2, upper = χ²(1−α/2, 2(O+1))/2.
    for o, level in ((7, 0.95), (3, 0.998), (9, 0.95), (0, 0.95)):
        alpha = 1 - level
        low = chi2.ppf(alpha / 2, 2 * o) / 2 if o else 0.0
        high = chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2
        got = poisson_exact(o, level)
        assert abs(got[0] - low) < 1e-9 and abs(got[1] - high) < 1e-9


def test_small_counts_use_the_exact_interval_and_are_flagged():
    est = icm(9, 3.0)  # below 10 deaths: exact interval; below 20: low reliability
    low, high = chi2.ppf(0.025, 18) / 2, chi2.ppf(0.975, 20) / 2
    assert abs(est.ci_low - 100 * low / 3) < 1e-9 and abs(est.ci_high - 100 * high / 3) < 1e-9
    assert est.flags == "low_reliability" and est.significant is True  # lower bound 100 × 4.12 / 3 > 100
    assert icm(8, 4.0).significant is False  # 200, but the interval (86, 394) holds 100
    withheld = icm(4, 2.0)
    assert withheld.value is None and withheld.flags == "suppressed"  # never a silent value
    assert byar(10)[0] < 10 < byar(10)[1]


def test_dsr_with_dobson_interval_by_hand():
    # Two age groups: 30 deaths / 10 000 and 60 / 6 000; standard population 5 000 and 5 000.
    # DSR = (5000 × 0.003 + 5000 × 0.01) / 10 000 = 0.0065 → 650 per 100 000.
    # var = (5000² × 30/10000² + 5000² × 60/6000²) / 10000²; Dobson: DSR + sqrt(var / O) × (O_L − O), O = 90.
    est = dsr([30, 60], [10_000, 6_000], [5_000, 5_000])
    var = (5000**2 * 30 / 10000**2 + 5000**2 * 60 / 6000**2) / 10000**2
    o_low, o_high = chi2.ppf(0.025, 180) / 2, chi2.ppf(0.975, 182) / 2
    assert abs(est.value - 650) < 1e-9
    assert abs(est.ci_low - 100_000 * (0.0065 + math.sqrt(var / 90) * (o_low - 90))) < 1e-9
    assert abs(est.ci_high - 100_000 * (0.0065 + math.sqrt(var / 90) * (o_high - 90))) < 1e-9


def test_icm_by_epci_pooled_over_years_end_to_end(small_private_home, tmp_path, monkeypatch):
    # Synthetic counts (labelled so) for the communes of two EPCI of 2011, two years, two sexes, two age groups,
    # injected into the small real geography (both EPCI lie in Nord and Pas-de-Calais).
    # Expected values computed here with pandas from the same counts: reference rates = all communes pooled.
    from flows.nightly import run_refresh
    from sources.ingestion.settings import get_settings
    from warehouse.db import connect_readonly

    con = connect_readonly(get_settings().warehouse_path)
    communes = con.sql(
        "SELECT codgeo, epci FROM geo_commune WHERE geo_year = 2011 "
        "AND epci IN ('246200745', '245901152') ORDER BY codgeo"
    ).df()
    con.close()
    rows = []
    for i, (codgeo, epci) in enumerate(communes.itertuples(index=False)):
        for year in (2008, 2009):
            for sex in (1, 2):
                for age, base in (("00-64", 2), ("65+", 9)):
                    pop = 400 + 10 * (i % 7) + 50 * sex
                    deaths = base + (i % 3) + (1 if epci == "246200745" and age == "65+" else 0)
                    rows.append((codgeo, year, sex, age, deaths, pop))
    frame = pd.DataFrame(rows, columns=["CODGEO", "ANNEE", "SEXE", "AGE", "DECES", "POP"])
    frame[["CODGEO", "ANNEE", "SEXE", "AGE", "DECES"]].to_csv(tmp_path / "deces_SYNTHETIC.csv", sep=";", index=False)
    frame[["CODGEO", "ANNEE", "SEXE", "AGE", "POP"]].to_csv(tmp_path / "pop_SYNTHETIC.csv", sep=";", index=False)
    origins = tmp_path / "origins.yml"
    origins.write_text(
        yaml.safe_dump(
            {
                "deces_age_sexe": [str(tmp_path / "deces_SYNTHETIC.csv")],
                "population_age_sexe": [str(tmp_path / "pop_SYNTHETIC.csv")],
            }
        )
    )
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))

    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary

    frame = frame.merge(communes, left_on="CODGEO", right_on="codgeo")
    ref = frame.groupby(["SEXE", "AGE"]).apply(lambda g: g.DECES.sum() / g.POP.sum()).rename("rate").reset_index()
    frame = frame.merge(ref, on=["SEXE", "AGE"])
    con = connect_readonly(get_settings().warehouse_path)
    got = (
        con.sql(
            "SELECT code, periode, deces_observes, icm, icm_ic95_bas, icm_ic95_haut, icm_ic998_bas "
            "FROM mart_sante WHERE niveau = 'epci'"
        )
        .df()
        .set_index("code")
    )
    con.close()
    for epci, g in frame.groupby("epci"):
        observed, expected = g.DECES.sum(), (g.POP * g.rate).sum()
        assert got.loc[epci, "deces_observes"] == observed and got.loc[epci, "periode"] == "2008-2009"
        assert got.loc[epci, "icm"] == pytest.approx(100 * observed / expected, rel=1e-12)
        low = observed * (1 - 1 / (9 * observed) - Z95 / (3 * math.sqrt(observed))) ** 3
        assert got.loc[epci, "icm_ic95_bas"] == pytest.approx(100 * low / expected, rel=1e-12)
        assert got.loc[epci, "icm_ic998_bas"] < got.loc[epci, "icm_ic95_bas"]


def test_ors_ranks_are_checked_and_health_figures_have_statuses(warehouse, tmp_path):
    from sources.ors import rank_order_breaks

    # A rank that contradicts the values around it is caught (synthetic table: rank 3 should not hold 9).
    table = pd.DataFrame(
        {
            "indicateur": "x",
            "periode": "p",
            "territoire": list("ABCD"),
            "valeur": [10.0, 8.0, 9.0, 1.0],
            "rang": [1, 2, 3, 4],
        }
    )
    assert list(rank_order_breaks(table).territoire) == ["C"]
    # … and marked on its row by the parser (column rang_hors_ordre → stg_ors_indicateurs.breaks_rank_order, which
    # the reproduction explains), in the delivered layout
    from sources.ors import COLUMNS, parse

    delivered = table.assign(code="", unite="taux", nb_territoires=4)[COLUMNS]
    path = tmp_path / "ors.csv"
    delivered.to_csv(path, sep=";", index=False)
    parsed = parse([path]).frame
    assert list(parsed.loc[parsed.rang_hors_ordre, "territoire"]) == ["C"]
    missing = warehouse.sql("""SELECT count(*) FROM published_figures p LEFT JOIN reproduction r USING (figure_id)
        WHERE (p.table_id IN ('t7', 't9') OR (p.table_id = 'prose' AND p.theme LIKE 'santé%'))
          AND (r.status IS NULL OR length(r.explanation) < 10)""").fetchall()[0][0]
    assert missing == 0


def test_t9_total_is_checked_against_its_parts(warehouse):
    # Recomputed here from the published table: the Bassin minier total vs the sum of the 4 arrondissements.
    t9 = warehouse.sql("SELECT territory, indicator, value FROM published_figures WHERE table_id = 't9'").df()
    wide = t9.pivot(index="territory", columns="indicator", values="value")
    parts = wide.loc[["Béthune", "Lens", "Douai", "Valenciennes"]].sum()
    broken = set(parts.index[(parts - wide.loc["Total Bassin minier"]).abs() > 0.5])
    statuses = dict(
        warehouse.sql(
            "SELECT indicator, status FROM reproduction WHERE table_id = 't9' AND territory = 'Total Bassin minier'"
        ).fetchall()
    )
    assert {k for k, v in statuses.items() if v == "inconsistent_input"} == broken


def test_dementia_model_sums_prevalence_times_population():
    from transforms.methods.dementia import dementia_cases

    # By hand: women 80–84: 0.1 × 1000 = 100; women 85+: 0.2 × 500 = 100; men 85+: 0.15 × 200 = 30.
    cases = dementia_cases(
        {("F", "80-84"): 0.1, ("F", "85+"): 0.2, ("H", "85+"): 0.15},
        {("F", "80-84"): 1000, ("F", "85+"): 500, ("H", "85+"): 200},
    )
    assert cases == {"F": 200.0, "H": 30.0}
    with pytest.raises(ValueError):
        dementia_cases({}, {("F", "85+"): 1})
