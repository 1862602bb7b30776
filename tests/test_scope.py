"""The scope (OBSERVATOIRE_SCOPE, sources/ingestion/scope.py):
France's row-count bounds kept exactly under `france`, scaled
for the small real geography of the tests (tests/small_geography.py), an unknown scope refused; the cut itself."""

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from expectations.completeness import Partition
from sources.ingestion.gate import refresh_source
from sources.ingestion.registry import SOURCES
from sources.ingestion.scope import SCOPE_ENV, SCOPES, current
from sources.ingestion.settings import PROJECT_ROOT, Settings

COG = PROJECT_ROOT / "sources" / "data" / "cog"


def _france_wide(spec):
    rules = [e for batch in spec.expectations for e in batch.expectations if e.france_wide]
    parts = [p for p in (spec.completeness.partitions if spec.completeness else []) if p.france_wide]
    return rules, parts


def test_under_france_every_bound_is_the_declared_one(monkeypatch):
    monkeypatch.delenv(SCOPE_ENV, raising=False)
    scaled = set()
    for spec in SOURCES.values():
        rules, parts = _france_wide(spec)
        for rule in rules:
            gx = rule.to_gx()
            if "regex" in rule.args:  # commune codes: every code of France
                assert gx.regex == rule.args["regex"] and gx.meta["rule"] == rule.rule
            else:
                assert (gx.min_value, gx.max_value) == (rule.args["min_value"], rule.args["max_value"])
            scaled.add((spec.id, rule.rule))
        for part in parts:
            assert part.minimum() == part.min_rows
            scaled.add((spec.id, f"complete_{'_'.join(part.keys)}"))
    # the sources cut by commune or by zone, and only them (labels of every zone stay whole)
    assert {s for s, _ in scaled} == {
        "insee_cog_appartenance", "insee_cog_passage", "insee_population", "dgcl_epci", "insee_chomage",
        "ign_admin_express_communes",
        "insee_comparateur", "insee_filosofi",
        "insee_populations_legales",
    }
    assert ("insee_cog_appartenance", "row_count_bounds") in scaled and ("dgcl_epci", "complete_year") in scaled


def test_a_scope_scales_france_by_its_share_of_communes_with_slack(monkeypatch):
    monkeypatch.setenv(SCOPE_ENV, "nord-pas-de-calais")
    rule = next(e for b in SOURCES["insee_cog_appartenance"].expectations for e in b.expectations if e.france_wide)
    gx = rule.to_gx(current())  # 550 000–700 000 rows × 0.043, halved and doubled
    assert (gx.min_value, gx.max_value) == (11_825, 60_200) and rule.rule == "row_count_bounds"
    assert Partition(("year",), min_rows=30_000, france_wide=True).minimum(current()) == 645


def test_the_declared_share_is_the_communes_of_the_scope():
    # Recounted from the bundled COG: communes of Nord and Pas-de-Calais over communes of France, each vintage.
    frame = pd.read_parquet(COG / "appartenance_communes_cog2008_2024.parquet", columns=["cog_year", "dep"])
    scope = SCOPES["nord-pas-de-calais"]
    share = frame.dep.isin(scope.departements).groupby(frame.cog_year).mean()
    assert share.min() <= scope.share <= share.max() * 1.01 and share.max() / share.min() < 1.1


def test_an_unknown_scope_exits_4_naming_the_valid_ones(tmp_path, monkeypatch):
    from flows.cli import app

    monkeypatch.setenv(SCOPE_ENV, "bretagne")
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["run", "--no-prefect"])
    assert result.exit_code == 4, result.output
    assert result.output.strip().splitlines() == [
        "configuration error: OBSERVATOIRE_SCOPE='bretagne': unknown scope; valid scopes: france, nord-pas-de-calais"
    ]
    assert not (tmp_path / "home" / "landing").exists(), "nothing ran"


@pytest.mark.parametrize(("scope", "status"), [("france", "quarantined"), ("nord-pas-de-calais", "validated")])
def test_the_cut_is_quarantined_under_france_and_validated_under_its_scope(
    small_data, tmp_path, monkeypatch, scope, status
):
    monkeypatch.setenv(SCOPE_ENV, scope)
    settings = Settings(data_dir=small_data, home=tmp_path / "home", origins_path=None)
    outcome = refresh_source(settings, "insee_cog_appartenance")
    assert outcome.status == status
    if status == "quarantined":  # the same rule names as a real short delivery
        message = " ".join(outcome.messages)
        for rule in ("row_count_bounds", "communes_per_vintage_bounds", "complete_cog_year"):
            assert f"rule {rule} failed" in message, rule


def test_the_cut_keeps_every_vintage_of_two_departements_and_publishes_without_critical_violation(
    small_data, small_home
):
    import duckdb

    cut = pq.read_table(small_data / "cog" / "appartenance_communes_cog2008_2024.parquet").to_pandas()
    assert set(cut.dep) == {"59", "62"} and sorted(cut.cog_year.unique()) == list(range(2008, 2025))
    full = pd.read_parquet(COG / "appartenance_communes_cog2008_2024.parquet", columns=["cog_year", "codgeo", "dep"])
    assert len(cut) == int(full.dep.isin(["59", "62"]).sum())  # every commune of the two, nothing else
    con = duckdb.connect(str(small_home / "warehouse" / "observatoire.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.sql("SHOW TABLES").fetchall() if t.startswith("violations_")]
        assert "violations_conservation" in tables and "violations_nesting" in tables
        count = "SELECT count(*) FROM {} WHERE severity = 'critical'"
        critical = {t: con.sql(count.format(t)).fetchall()[0][0] for t in tables}
        assert set(critical.values()) == {0}, critical
    finally:
        con.close()


def test_content_validated_under_a_narrow_scope_never_publishes_as_france(small_private_home, monkeypatch):
    # The small build's store passed the cut's bounds. A run under `france` validates the sources again (the scope
    # is part of the reader), quarantines the cut, and refuses to build from content validated under another
    # scope: the warehouse stays the narrow one, and `status` says whose it is.
    import hashlib

    from flows.cli import app
    from sources.ingestion.settings import get_settings

    warehouse = get_settings().warehouse_path
    meta = (get_settings().validated_dir / "insee_population.json").read_text(encoding="utf-8")
    assert '"scope": "nord-pas-de-calais"' in meta
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    monkeypatch.setenv(SCOPE_ENV, "france")
    result = CliRunner().invoke(app, ["run", "--no-prefect", "--force"])
    out = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "nothing built: the last good content of dgcl_epci (nord-pas-de-calais)" in out, out
    assert "another scope than this run's, 'france'" in out, out
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before, "nothing published"
    status = " ".join(CliRunner().invoke(app, ["status"]).output.split())
    assert "scope: nord-pas-de-calais (this shell's OBSERVATOIRE_SCOPE: france)" in status, status
    assert "stale (validated but not yet in the warehouse): pipeline" in status


def test_a_france_wide_file_thinned_to_the_cuts_size_is_not_taken_for_the_cut(tmp_path, monkeypatch):
    # Every 16th row of the France-wide population file (≈ 50 000 rows of every département) passes the cut's
    # scaled row counts; its communes outside Nord and Pas-de-Calais do not pass `commune_in_scope`.
    from sources.ingestion.settings import Origin

    source = PROJECT_ROOT / "sources" / "data" / "cog" / "population_communes_cog1968_2024.parquet"
    table = pq.read_table(source)
    thinned = tmp_path / source.name
    pq.write_table(table.take(list(range(0, table.num_rows, 16))), thinned)
    outside = sum(not c.startswith(("59", "62")) for c in pq.read_table(thinned)["codgeo"].to_pylist())
    monkeypatch.setenv(SCOPE_ENV, "nord-pas-de-calais")
    settings = Settings(data_dir=PROJECT_ROOT / "sources" / "data", home=tmp_path / "home", origins_path=None)
    outcome = refresh_source(settings, "insee_population", origins=[Origin(str(thinned))])
    message = " ".join(outcome.messages)
    assert outcome.status == "quarantined", outcome
    assert "rule commune_in_scope failed" in message and f"{outside} of" in message, message


def test_a_store_from_before_the_scope_key_is_known_by_its_reader(small_private_home, monkeypatch):
    # Content validated under the cut before `scope` was recorded carries the scope in its reader fingerprint.
    import json

    from flows.refresh import sources_frame
    from sources.ingestion.settings import get_settings

    settings = get_settings()
    for path in settings.validated_dir.glob("*.json"):
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta.pop("scope", None)
        path.write_text(json.dumps(meta), encoding="utf-8")
    monkeypatch.setenv(SCOPE_ENV, "france")
    with pytest.raises(RuntimeError, match=r"insee_population \(nord-pas-de-calais\)"):
        sources_frame(settings)


def test_under_a_narrow_scope_the_commune_code_format_still_holds(small_data, tmp_path, monkeypatch):
    # commune_in_scope (99 %) comes on top of the format rule, it does not replace it
    from sources.ingestion.settings import Origin

    source = small_data / "cog" / "population_communes_cog1968_2024.parquet"
    frame = pq.read_table(source).to_pandas()
    frame.loc[frame.index[:5], "codgeo"] = ["X0000", "X0001", "X0002", "X0003", "X0004"]
    damaged = tmp_path / source.name
    frame.to_parquet(damaged, index=False)
    monkeypatch.setenv(SCOPE_ENV, "nord-pas-de-calais")
    settings = Settings(data_dir=small_data, home=tmp_path / "home", origins_path=None)
    outcome = refresh_source(settings, "insee_population", origins=[Origin(str(damaged))])
    assert outcome.status == "quarantined", outcome
    assert "rule commune_code_format failed" in " ".join(outcome.messages)


def test_status_with_an_unknown_scope_exits_4_in_one_line(small_private_home, monkeypatch):
    from flows.cli import app

    monkeypatch.setenv(SCOPE_ENV, "nord")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 4, result.output
    assert "configuration error: OBSERVATOIRE_SCOPE='nord': unknown scope" in result.output
    assert "Traceback" not in result.output
