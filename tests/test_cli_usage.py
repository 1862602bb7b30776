"""Usage errors and invalid option values exit 4 with the valid choices; no silent truncation."""

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["territories", "--level", "epic"], "epci"),
        (["territories", "--geo-year", "1850"], "2008"),
        (["territories", "--format", "xml"], "table, csv, json"),
        (["indicators", "--format", "xlsx"], "table, csv, json"),
        (["sql", "SELECT 1", "--format", "html"], "table, csv, json"),
        (["export", "--year", "1850"], "2008"),
        (["serve", "--cron", "61 2 * * *"], "five fields"),
        (["serve", "--timezone", "Europe/Lile"], "IANA"),
        (["territories", "--no-such-option"], "No such option"),
        (["run", "--source", "dgcl_epic"], "dgcl_epci"),
        (["run", "--accept-shrink", "chomage"], "insee_chomage"),
    ],
)
def test_invalid_values_exit_4_with_the_valid_choices(built_home, tmp_path, args, shown):
    if args[0] == "export":
        args = [*args, "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 4, result.output
    assert shown in " ".join(result.output.split())
    assert not any(tmp_path.iterdir()), "nothing written"


def test_territories_says_when_rows_are_cut(built_home):
    result = runner.invoke(app, ["territories", "--level", "commune", "--geo-year", "2011", "--limit", "5"])
    assert result.exit_code == 0 and "showing 5 of" in result.output
    full = runner.invoke(app, ["territories", "--level", "region", "--geo-year", "2011", "--format", "csv"])
    assert full.exit_code == 0
    assert full.output.splitlines()[0] == "level,code,geo_year,label" and len(full.output.splitlines()) > 20


def test_indicators_json_and_limit(built_home):
    rows = json.loads(runner.invoke(app, ["indicators", "--format", "json"]).output)
    assert {"id", "label", "unit", "formula", "source"} <= set(rows[0]) and any(r["id"] == "population" for r in rows)
    result = runner.invoke(app, ["indicators", "--limit", "2"])
    assert result.exit_code == 0 and f"showing 2 of {len(rows)}" in result.output


def test_serve_without_a_reachable_api_fails_at_once(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # discard port: nothing answers
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "does not answer" in result.output and "prefect server start" in result.output


def test_a_source_module_the_pipeline_cannot_run_is_one_line_and_exit_4(monkeypatch, capsys):
    # the registry refuses a declaration at import (no rules, duplicate id …); the command says so in one
    # line naming the module, exit 4 like any configuration mistake, no traceback.
    import pytest

    from flows import cli
    from sources.errors import SourceDeclarationError

    def broken_import() -> None:
        raise SourceDeclarationError("sources/zz_new.py: source 'zz' declares no expectations")

    monkeypatch.setattr(cli, "app", broken_import)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 4
    out = capsys.readouterr().out
    assert "source declaration error: sources/zz_new.py" in out and "Traceback" not in out


def test_territories_counts_in_french(built_home):
    one = runner.invoke(app, ["territories", "--level", "region", "--geo-year", "2011", "--search", "Picardie"])
    assert one.exit_code == 0 and "1 territoire" in one.output and "territoires" not in one.output
    many = runner.invoke(app, ["territories", "--level", "region", "--geo-year", "2011"])
    assert many.exit_code == 0 and " territoires" in many.output and "territorie(s)" not in many.output


def test_table_mode_never_cuts_an_id(built_home):
    # a narrow terminal folds long ids onto several lines: never an ellipsis, never a prefix
    result = runner.invoke(app, ["indicators"], terminal_width=80)
    assert result.exit_code == 0 and "…" not in result.output


def test_empty_sql_is_a_usage_error(built_home):
    for query in ("", "   "):
        result = runner.invoke(app, ["sql", query])
        assert result.exit_code == 4, result.output


def test_export_refuses_a_year_before_any_progress_bar(built_home, tmp_path):
    result = runner.invoke(app, ["export", "--year", "2030", "--out", str(tmp_path)])
    assert result.exit_code == 4 and "export 2030" not in result.output
    assert not any(tmp_path.iterdir())
