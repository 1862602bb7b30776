"""The catalogue of the producers' releases (issue 22): every source declares where and when its producer
publishes, and `observatoire sources` lists it against the warehouse."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from sources.ingestion.registry import SOURCES
from sources.ingestion.releases import next_expected
from sources.spec import Release


def test_every_source_is_catalogued_with_the_page_it_was_checked_on():
    for source_id, spec in SOURCES.items():
        release = spec.releases
        assert release is not None, f"{source_id}: no releases= entry"
        assert release.page and release.files and release.format, source_id
        assert release.rhythm == "none" or release.rhythm == "quarterly" or release.rhythm.startswith("yearly:")
        # a pattern is either checked against a named page or says it is not
        assert release.verified_on.startswith(("http", "not verified", "not applicable", "file names", "INSEE")), (
            source_id, release.verified_on)


def _release(rhythm: str, lag: int = 0) -> Release:
    return Release(page="p", files="f", format="csv", rhythm=rhythm, verified_on="not verified: test", lag_days=lag)


def test_next_expected_from_the_rhythm():
    quarterly = _release("quarterly", 100)
    # Q3 ends 30 September: published 100 days later, on 8 January
    assert next_expected(quarterly, date(2026, 12, 6)) == date(2027, 1, 8)
    # once past, the next quarter's (Q4 ends 31 December → 10 April)
    assert next_expected(quarterly, date(2027, 1, 9)) == date(2027, 4, 10)
    assert next_expected(_release("yearly:12"), date(2026, 12, 6)) == date(2027, 12, 1)
    assert next_expected(_release("yearly:12"), date(2026, 6, 1)) == date(2026, 12, 1)
    assert next_expected(_release("none"), date(2026, 6, 1)) is None


def test_sources_command_lists_the_warehouse_editions(small_private_home):
    from flows.cli import app

    result = CliRunner().invoke(app, ["sources", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["source"]: r for r in json.loads(result.output)}
    assert set(rows) == set(SOURCES)
    assert "epci_composition_2014.csv.gz" in rows["dgcl_epci"]["in_warehouse"]
    assert rows["insee_chomage"]["rhythm"] == "quarterly"
    assert rows["urssaf_effectifs"]["licence"] == SOURCES["urssaf_effectifs"].licence
    assert all(r["reachable"] == "not checked (offline)" for r in rows.values())
