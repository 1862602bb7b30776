"""The analyst connection is truly read-only: `observatoire sql` refuses what writes or reaches outside the
warehouse (exit 3, saying why), exports a result only through --output, and prints cell text literally."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app
from sources.ingestion.settings import get_settings

runner = CliRunner()


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("COPY (SELECT * FROM territories) TO '{tmp}/out.csv'", "--output"),
        ("COPY territories TO '{tmp}/out.parquet' (FORMAT parquet)", "COPY"),
        ("EXPORT DATABASE '{tmp}/dump'", "EXPORT"),
        ("ATTACH '{tmp}/other.duckdb' AS other (READ_WRITE)", "ATTACH"),
        ("INSTALL httpfs", "extensions"),
        ("LOAD icu", "extensions"),
        ("SET enable_external_access = true", "locked"),
        ("CREATE TABLE t AS SELECT 1", "read-only"),
        ("DROP TABLE indicator_values", "read-only"),
        ("SELECT 1; COPY (SELECT 1) TO '{tmp}/x.csv'", "COPY"),
    ],
)
def test_writing_statements_are_refused_with_why(built_home, tmp_path, statement, why):
    result = runner.invoke(app, ["sql", statement.format(tmp=tmp_path)])
    assert result.exit_code == 3, result.output
    assert "refused" in result.output and why in result.output
    assert not any(tmp_path.iterdir()), "nothing written"


def test_reading_other_files_is_refused_by_the_connection(built_home, tmp_path):
    # not caught by statement type: the locked connection itself refuses (enable_external_access=false)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    for query in (f"SELECT * FROM read_csv('{secret}')", f"SELECT * FROM '{secret}'"):
        result = runner.invoke(app, ["sql", query])
        assert result.exit_code == 3 and "refused" in result.output, result.output


def test_validated_store_cannot_be_overwritten_through_sql(built_home):
    store = get_settings().validated_dir / "dgcl_epci.parquet"
    before = store.read_bytes()
    result = runner.invoke(app, ["sql", f"COPY (SELECT 1 AS x) TO '{store}' (FORMAT parquet)"])
    assert result.exit_code == 3
    assert store.read_bytes() == before


def test_the_locked_connection_still_answers_queries(warehouse):
    assert warehouse.sql("SELECT count(*) FROM territories").fetchall()[0][0] > 100_000
    with pytest.raises(Exception, match="(?i)configuration|lock"):
        warehouse.sql("SET enable_external_access = true")


def test_output_csv_and_parquet(built_home, tmp_path):
    query = "SELECT level, code, geo_year, label FROM territories WHERE level = 'arrondissement' AND geo_year = 2011"
    for name in ("arr.csv", "arr.parquet"):
        result = runner.invoke(app, ["sql", query, "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert "wrote" in result.output
    csv = pd.read_csv(tmp_path / "arr.csv", dtype={"code": str})
    table = pq.read_table(tmp_path / "arr.parquet").to_pandas()
    assert len(csv) == len(table) > 300  # ~340 arrondissements in France
    assert "622" in set(csv["code"]) and "622" in set(table["code"])
    bad = runner.invoke(app, ["sql", query, "--output", str(tmp_path / "arr.xlsx")])
    assert bad.exit_code == 4 and ".csv or .parquet" in " ".join(bad.output.split())  # wrapped at the path's length


def test_cell_text_is_printed_literally_and_null_is_explicit(built_home):
    query = "SELECT '[b]bold[/b]' AS a, '[/]' AS b, NULL::VARCHAR AS c, NULL::INTEGER AS d, 3 AS e"
    table = runner.invoke(app, ["sql", query])
    assert table.exit_code == 0, table.output
    assert "[b]bold[/b]" in table.output and "[/]" in table.output and "NULL" in table.output
    csv = runner.invoke(app, ["sql", query, "--format", "csv"])
    assert csv.output.splitlines()[1] == "[b]bold[/b],[/],,,3"
    rows = json.loads(runner.invoke(app, ["sql", query, "--format", "json"]).output)
    assert rows == [{"a": "[b]bold[/b]", "b": "[/]", "c": None, "d": None, "e": 3}]
    assert "nan" not in csv.output.lower()


def test_table_mode_says_when_rows_are_cut(built_home):
    result = runner.invoke(app, ["sql", "SELECT * FROM range(250) t(i)"])
    assert result.exit_code == 0 and "showing 200 of 250 rows" in result.output
    result = runner.invoke(app, ["sql", "SELECT * FROM range(250) t(i)", "--limit", "0"])
    assert "showing" not in result.output
