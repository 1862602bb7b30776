"""Every published figure stays what it was: the digest of every table of a fresh build (row count, order-free
hash of the rows, doubles at 9 significant digits) equals the one recorded from a build of the code before the
memory and speed work (tests/data/published_digests.json, written by tests/table_digest.py).

A change meant to move figures re-records the file, and its commit says which tables moved and why."""

import json
from pathlib import Path

import pytest
from table_digest import digests

RECORDED = Path(__file__).parent / "data" / "published_digests.json"


@pytest.mark.slow
def test_every_table_has_the_recorded_rows_and_values(warehouse):
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    found = digests(warehouse)
    assert sorted(found) == sorted(recorded), "tables added or removed"
    moved = {t: (recorded[t][:2], found[t][:2]) for t in recorded if found[t] != recorded[t]}
    assert not moved, f"tables whose rows or values changed (recorded, found): {moved}"
