"""SQL models on small hand-made tables (synthetic), expected values worked out by hand in the comments."""

import math

import duckdb
import pytest

from transforms.runner import discover, order, run_model

MODELS = discover()


def _con(**tables: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, sql in tables.items():
        con.execute(f"CREATE TABLE {name} AS {sql}")
    return con


def _walk_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The models a projection reads besides the synthetic populations and passage tables: no séries historiques
    configured, every vintage of the populations a COG vintage (membership rows of origin `cog`)."""
    con.execute("CREATE TABLE stg_insee_serie_historique AS SELECT '' AS codgeo, 0 AS geo_year, 0 AS census_year, "
                "'' AS variable, 0.0 AS pop WHERE false")
    con.execute("CREATE TABLE stg_commune_membership AS SELECT DISTINCT geo_year, codgeo, 'cog' AS membership_origin "
                "FROM stg_commune_population")
    for name in ("int_census_population", "int_geography_vintages"):
        run_model(con, MODELS[name])


def test_models_are_ordered_after_what_they_read():
    names = [m.name for m in order(MODELS)]
    assert names.index("stg_commune_population") < names.index("int_commune_population_projected")
    assert names.index("int_population_territory") < names.index("indicator_values")
    assert names.index("indicator_values") < names.index("mart_population")


def test_projection_sums_merges_and_splits_by_ratio():
    # Synthetic vintages 2008 → 2009 → 2010.
    # 2008: A=100, B=50, C=200. On 2009, B merges into A. On 2010, C splits into C (ratio 0.75) and D (0.25).
    # Expected in geography 2010 for the 2008 data (census 2006): A=150, C=150, D=50; total 350 kept.
    con = _con(
        stg_commune_population="""SELECT * FROM (VALUES
            (2008, 2006, 'A', 100), (2008, 2006, 'B', 50), (2008, 2006, 'C', 200),
            (2009, 2007, 'A', 160), (2009, 2007, 'C', 210),
            (2010, 2008, 'A', 170), (2010, 2008, 'C', 150), (2010, 2008, 'D', 60))
            t(geo_year, census_year, codgeo, pop), (SELECT 'insee_population' AS source_id)""",
        stg_commune_passage="""SELECT * FROM (VALUES
            (2008, 2009, 'B', 'A', 'f', 1.0, 'cog'), (2008, 2009, 'A', 'A', 'f', 1.0, 'cog'),
            (2009, 2010, 'C', 'C', 'd', 0.75, 'cog'), (2009, 2010, 'C', 'D', 'd', 0.25, 'cog'))
            t(from_year, to_year, cod_from, cod_to, typemodif, ratio, ratio_origin)""",
    )
    _walk_inputs(con)
    run_model(con, MODELS["int_commune_population_projected"])
    got = dict(
        con.sql(
            "SELECT codgeo, pop FROM int_commune_population_projected WHERE census_year = 2006 AND geo_year = 2010"
        ).fetchall()
    )
    assert got == {"A": 150, "C": 150, "D": 50}
    # census 2007 in geography 2010: A=160, C=210×0.75=157.5, D=52.5; flagged estimated (a split was applied)
    rows = con.sql(
        "SELECT codgeo, pop, estimated FROM int_commune_population_projected "
        "WHERE census_year = 2007 AND geo_year = 2010 ORDER BY codgeo"
    ).fetchall()
    assert rows == [("A", 160, False), ("C", 157.5, True), ("D", 52.5, True)]


# Synthetic vintages: COG 2022 has X (40), M1 (50), M2 (30); on 1 January 2023 X is split into X and Y (a
# restoration) and M1 + M2 merge into M. COG 2023 populations: X 30, Y 10, M 80.
_VINTAGES = """SELECT * FROM (VALUES (2022, 2020, 'X', 40), (2022, 2020, 'M1', 50), (2022, 2020, 'M2', 30),
                                  (2023, 2021, 'X', 30), (2023, 2021, 'Y', 10), (2023, 2021, 'M', 80))
               t(geo_year, census_year, codgeo, pop), (SELECT 'insee_population' AS source_id)"""
# The forward table as COGugaison delivers 2023→2024: a restoration with ratio 1 on both parts, a merger with 1/n.
_FORWARD = [("X", "X", "d", 1.0), ("X", "Y", "d", 1.0), ("M1", "M", "f", 0.5), ("M2", "M", "f", 0.5)]
# Its mirror (the backward table): each new commune back to the old ones.
_BACKWARD = [("X", "X", "f", 1.0), ("Y", "X", "f", 1.0), ("M", "M1", "d", 0.625), ("M", "M2", "d", 0.375)]


def _passage(con, tmp_path, labelled_forward, labelled_backward) -> None:
    rows = [(2022, 2023, *r) for r in labelled_forward] + [(2023, 2022, *r) for r in labelled_backward]
    values = ", ".join(f"({a}, {b}, '{f}', '{t}', '01/01/2023', '{m}', {r})" for a, b, f, t, m, r in rows)
    con.execute(f"""COPY (SELECT * FROM (VALUES {values})
                   t(from_year, to_year, cod_from, cod_to, annee, typemodif, ratio))
                   TO '{tmp_path}/insee_cog_passage.parquet' (FORMAT parquet)""")
    run_model(con, MODELS["stg_commune_passage"], validated_dir=tmp_path)


def test_passage_ratios_recomputed_when_they_do_not_sum_to_one(tmp_path):
    # X restored into X and Y with ratio 1 on both (sum 2): shares follow the target populations 30 / (30 + 10).
    # M1 and M2 merged into M with ratio 0.5 each (sum 0.5 per old commune): a single target takes everything.
    con = _con(stg_commune_population=_VINTAGES)
    _passage(con, tmp_path, _FORWARD, _BACKWARD)
    rows = con.sql("SELECT cod_from, cod_to, ratio, ratio_origin, orientation FROM stg_commune_passage").fetchall()
    got = {(a, b): (r, o, d) for a, b, r, o, d in rows}
    assert got[("X", "X")] == (pytest.approx(0.75), "recomputed", "as_delivered")
    assert got[("X", "Y")] == (pytest.approx(0.25), "recomputed", "as_delivered")
    assert got[("M1", "M")] == (1.0, "recomputed", "as_delivered")


def test_reversed_passage_table_is_oriented_and_conserves_population(tmp_path):
    # The same change delivered the other way round (as COGugaison does for 2022→2023 and 2023→2024): the rows
    # labelled 2022→2023 lead from 2023 communes to 2022 ones. They fail the existence rule (Y, M are not 2022
    # communes), their mirror passes: it is used. Census of COG 2022 on geography 2023, by hand:
    # X 40 × 0.75 = 30, Y 40 × 0.25 = 10, M = 50 + 30 = 80; total 120 = 40 + 50 + 30 (nothing lost).
    con = _con(stg_commune_population=_VINTAGES)
    _passage(con, tmp_path, labelled_forward=_BACKWARD, labelled_backward=_FORWARD)
    assert {r[0] for r in con.sql("SELECT orientation FROM stg_commune_passage").fetchall()} == {
        "reversed_in_delivery"
    }
    _walk_inputs(con)
    run_model(con, MODELS["int_commune_population_projected"])
    got = dict(
        con.sql(
            "SELECT codgeo, pop FROM int_commune_population_projected WHERE census_year = 2020 AND geo_year = 2023"
        ).fetchall()
    )
    assert got == {"X": pytest.approx(30), "Y": pytest.approx(10), "M": 80}
    run_model(con, MODELS["violations_passage"])
    severities = {r[0] for r in con.sql("SELECT severity FROM violations_passage").fetchall()}
    assert severities == {"info"}  # the orientation and the recomputed ratios are recorded, nothing is wrong


def test_unexplained_disappearance_is_a_critical_violation(tmp_path):
    # M2 is in COG 2022, not in COG 2023, and no row of the step leads from it: its 30 inhabitants would vanish.
    con = _con(stg_commune_population=_VINTAGES)
    _passage(con, tmp_path, [r for r in _FORWARD if r[0] != "M2"], [])
    _walk_inputs(con)
    run_model(con, MODELS["violations_passage"])
    critical = con.sql(
        "SELECT rule, code FROM violations_passage WHERE severity = 'critical' ORDER BY ALL"
    ).fetchall()
    assert ("change_explained", "M2") in critical


def test_variation_rates_both_conventions():
    # P0 = 100 (census 1999), P1 = 121 (census 2001), n = 2 years.
    # compound: (121/100)^(1/2) − 1 = 10 %; linear: 21 / 100 / 2 = 10.5 %; variation = 21.
    con = _con(
        int_population_territory="""SELECT * FROM (VALUES
            ('epci', 'E1', 2011, 1999, 100.0, false, 3), ('epci', 'E1', 2011, 2001, 121.0, false, 3))
            t(level, code, geo_year, census_year, pop, estimated, n_communes),
            (SELECT 'insee_population' AS source_id, false AS compilation_historical)""",
        cfg_variation_periods="SELECT 1999 AS from_census, 2001 AS to_census",
    )
    run_model(con, MODELS["int_population_variation"])
    period, variation, compound, linear = con.sql(
        "SELECT period, variation, rate_compound_pct, rate_linear_pct FROM int_population_variation"
    ).fetchall()[0]
    assert period == "1999-2001" and variation == 21
    assert math.isclose(compound, 10.0, abs_tol=1e-9)
    assert math.isclose(linear, 10.5, abs_tol=1e-9)


def test_shares_built_on_implausible_census_counts_are_flagged():
    # EPCI E: 1 000 inhabitants but 950 non-schooled aged 15+ in the diploma table (95 %, above the 90 % bound):
    # its diploma shares are published with the flag. EPCI F: 700 of 1 000 (70 %), plausible, no flag.
    # Shares by hand: E 100 / 950 = 10.526 %, F 140 / 700 = 20 %.
    con = _con(
        stg_rp_census_variables="""SELECT * FROM (VALUES
            ('diplomes', 'A', 2009, 2011, 'total', 950.0), ('diplomes', 'A', 2009, 2011, 'sup', 100.0),
            ('diplomes', 'B', 2009, 2011, 'total', 700.0), ('diplomes', 'B', 2009, 2011, 'sup', 140.0))
            t(theme, codgeo, census_year, geo_year, variable, value)""",
        int_commune_territory="""SELECT * FROM (VALUES (2011, 'A', 'epci', 'E'), (2011, 'B', 'epci', 'F'))
            t(geo_year, codgeo, level, code)""",
        int_population_territory="""SELECT * FROM (VALUES ('epci', 'E', 2011, 2009, 1000.0, false, 1),
            ('epci', 'F', 2011, 2009, 1000.0, false, 1)) t(level, code, geo_year, census_year, pop, estimated, n)""",
        int_territory_region="SELECT 'epci' AS level, 'E' AS code, 2011 AS geo_year, 'R' AS region WHERE false",
        cfg_census_count_plausibility="SELECT 'diplomes:total' AS count_id, 0.55 AS min_share, 0.90 AS max_share",
        cfg_sources="SELECT 'insee_rp_diplomes' AS source_id, 'x' AS sha256",
    )
    run_model(con, MODELS["check_census_counts_vs_population"])
    run_model(con, MODELS["int_indicators_formation_navettes"])
    got = {
        code: (value, flags)
        for code, value, flags in con.sql(
            "SELECT code, value, flags FROM int_indicators_formation_navettes WHERE indicator_id = 'part_diplome_sup'"
        ).fetchall()
    }
    assert got["E"][0] == pytest.approx(100 / 950 * 100) and got["E"][1] == "implausible_input"
    assert got["F"] == (pytest.approx(20.0), None)


def test_dependencies_come_from_the_sql_and_every_model_has_its_yaml():
    # DuckDB's parser gives the tables each model reads (no prose list to keep in step); every model has its YAML
    # beside it (dbt's model properties) with a description, and a known materialization.
    from transforms.runner import CONFIG_TABLES, dependencies

    known = set(MODELS) | set(CONFIG_TABLES)
    for model in MODELS.values():
        if model.is_indicator_union:  # its SELECT is written by the runner: it reads every indicator model
            assert dependencies(model, known) == {m.name for m in MODELS.values() if m.is_indicator_model}
        assert model.path.with_suffix(".yml").exists(), model.name
        assert model.description, model.name
        assert model.materialized in ("table", "view", "temp", "ephemeral", "incremental")


def test_config_tables_are_the_ones_load_config_creates():
    import pandas as pd

    from transforms.runner import CONFIG_TABLES, load_config

    con = duckdb.connect()
    load_config(con, pd.DataFrame({"source_id": ["x"], "sha256": ["y"]}))
    created = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
    assert created == set(CONFIG_TABLES)


def test_a_cycle_or_an_unknown_table_stops_the_runner(tmp_path):
    from graphlib import CycleError

    for layer, name, sql in [
        ("staging", "a", "-- One row per a.\nSELECT * FROM b"),
        ("staging", "b", "-- One row per b.\nWITH x AS (SELECT 1) SELECT * FROM a, x"),
        ("marts", "c", "-- One row per c.\nSELECT * FROM missing_table"),
    ]:
        (tmp_path / layer).mkdir(exist_ok=True)
        (tmp_path / layer / f"{name}.sql").write_text(sql, encoding="utf-8")
    models = discover(tmp_path)
    assert models["b"].reads == {"a"}  # the CTE x is not a table
    with pytest.raises(ValueError, match="c.sql.*missing_table"):
        order(models)
    (tmp_path / "marts" / "c.sql").unlink()
    with pytest.raises(CycleError):
        order(discover(tmp_path))


def _write_models(root, models: dict[str, str]) -> None:
    for relative, text in models.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def _yaml(name: str, description: str, columns: dict[str, str] | None = None) -> str:
    """A model's YAML in dbt's shape (`version: 2`, models: [{name, description, columns}])."""
    lines = ["version: 2", "models:", f"  - name: {name}", f"    description: {description}"]
    if columns:
        lines.append("    columns:")
        for column, text in columns.items():
            lines += [f"      - name: {column}", f'        description: "{text}"']
    return "\n".join(lines) + "\n"


DECLARED = "-- An indicator model: named int_indicators_<x>.\n"


def test_indicator_values_is_the_union_of_the_models_that_declare_themselves(tmp_path):
    # Two synthetic indicator models and one that does not declare itself: the union holds the rows of the two,
    # whatever their file names, and reads exactly them; a new declared file joins it with no other edit.
    _write_models(tmp_path, {
        "intermediate/int_indicators_b.sql": f"{DECLARED}SELECT 'b' AS indicator_id, 2 AS value",
        "intermediate/int_indicators_a.sql": f"{DECLARED}SELECT 1 AS value, 'a' AS indicator_id",
        "intermediate/int_other.sql": "SELECT 'c' AS indicator_id, 3 AS value",
        "marts/indicator_values.sql": "{{ union_indicator_models() }}\n",
    })
    models = discover(tmp_path)
    assert models["indicator_values"].reads == {"int_indicators_a", "int_indicators_b"}
    con = duckdb.connect()
    for model in order(models):
        run_model(con, model)
    assert sorted(con.sql("SELECT indicator_id, value FROM indicator_values").fetchall()) == [("a", 1), ("b", 2)]
    _write_models(tmp_path, {"intermediate/int_indicators_c.sql": f"{DECLARED}SELECT 'c' AS indicator_id, 3 AS value"})
    assert "int_indicators_c" in discover(tmp_path)["indicator_values"].reads
    # Two models that are the union: refused (one long table)
    _write_models(tmp_path, {"marts/other_union.sql": "{{ union_indicator_models() }}\n"})
    with pytest.raises(ValueError, match="more than one model"):
        discover(tmp_path)


def test_every_published_column_is_documented_by_its_own_table(tmp_path):
    # A column is described by the model that publishes it, or by the shared glossary only where the model names
    # it: the same name may mean two things in two tables; a column documented nowhere stops the build.
    from warehouse.build import AuditError, document

    _write_models(tmp_path, {
        "marts/t_one.sql": "SELECT 'x' AS code, '2012' AS periode",
        "marts/t_one.yml": _yaml("t_one", "One row per one.", {"code": "{{ doc('code') }}", "periode": "Année"}),
        "marts/t_two.sql": "SELECT '2006-2010' AS periode",
        "marts/t_two.yml": _yaml("t_two", "One row per two.", {"periode": "Années cumulées"}),
    })
    models = discover(tmp_path)
    con = duckdb.connect()
    for model in order(models):
        run_model(con, model)
    document(con, models)
    got = dict(con.sql("SELECT table_name || '.' || column_name, description FROM data_dictionary").fetchall())
    assert got["t_one.periode"] == "Année" and got["t_two.periode"] == "Années cumulées"
    assert got["t_one.code"].startswith("Code du territoire")
    _write_models(tmp_path, {"marts/t_two.sql": "SELECT '2006-2010' AS periode, 'x' AS code"})
    models = discover(tmp_path)
    con = duckdb.connect()
    for model in order(models):
        run_model(con, model)
    with pytest.raises(AuditError, match=r"column t_two\.code"):  # code is shared, but t_two does not name it
        document(con, models)


def test_exported_tables_declare_a_key_of_documented_columns():
    # A model is exported by its `config.meta.export_key` (a table made outside the models: tables.yml); the key
    # names columns the table documents, and a mart with a geography has a period column for the year rule.
    from reports.export import MARTS
    from warehouse.build import documentation

    documented = documentation(MODELS)
    assert "mart_population" in MARTS and "reproduction" in MARTS and "mart_mobilite" not in MARTS
    for table, (keys, geo, period) in MARTS.items():
        assert set(keys) <= set(documented[table][1]), table
        assert (geo is None) == (period is None), table


def test_pivot_macros_write_one_column_per_meta_indicator():
    """The pivot macros generate a mart's indicator columns from its YAML (order kept); a column the SQL writes
    itself (a numerator) is left to it; a family id (`*`) cannot be pivoted."""
    from transforms.runner import pivot_sql

    properties = {"columns": [
        {"name": "code"},
        {"name": "population", "meta": {"indicator": "population"}},
        {"name": "densite", "meta": {"indicator": "densite_population"}},
        {"name": "superficie_km2", "meta": {"indicator": "superficie"}},
    ]}
    sql = ("SELECT v.code, any_value(v.numerator) FILTER (v.indicator_id = 'densite_population') AS population, "
           "{{ indicator_columns('v') }}, {{ row_flags('v') }} AS flags FROM indicator_values v "
           "WHERE v.indicator_id IN ({{ indicator_ids() }}) GROUP BY ALL")
    expanded = pivot_sql(sql, properties, "m.sql")
    assert "any_value(v.value) FILTER (v.indicator_id = 'densite_population') AS densite" in expanded
    assert expanded.index("AS densite,") < expanded.index("AS superficie_km2")
    assert "FILTER (v.indicator_id = 'population')" not in expanded  # written by the SQL itself
    assert "IN ('densite_population', 'superficie')" in expanded
    assert "{{" not in expanded and "string_split(v.flags, ',')" in expanded

    con = _con(indicator_values=(
        "SELECT * FROM (VALUES ('59350', 'densite_population', 10.0, 500.0, 'a,b'), "
        "('59350', 'superficie', 50.0, NULL, 'b')) t(code, indicator_id, value, numerator, flags)"
    ))
    assert con.sql(expanded).fetchall() == [("59350", 500.0, 10.0, 50.0, "a,b")]

    family = {"columns": [{"name": "part", "meta": {"indicator": "part_diplome_*"}}]}
    with pytest.raises(ValueError, match="one indicator each"):
        pivot_sql("SELECT {{ indicator_columns('v') }} FROM indicator_values v", family, "f.sql")
    with pytest.raises(ValueError, match="without indicator_columns"):
        pivot_sql("SELECT 1 WHERE x IN ({{ indicator_ids() }})", properties, "g.sql")


def test_insee_reliability_macro_flags_a_weighted_count_by_insee_thresholds():
    """`{{ insee_reliability('<count>') }}`: < 200 low_reliability, 200 to < 500 use_with_caution, else NULL."""
    from transforms.runner import reliability_sql

    sql = reliability_sql("SELECT {{ insee_reliability('w') }} AS f FROM (VALUES (199.9), (200.0), (499.9), "
                          "(500.0)) t(w) ORDER BY w")
    assert duckdb.sql(sql).fetchall() == [("low_reliability",), ("use_with_caution",), ("use_with_caution",),
                                          (None,)]
