"""A digest of every published table: row count and an order-free hash of its rows, doubles at 9 significant
digits (float sums may differ in their last bits between builds; published values carry at most 9).

    .venv/bin/python tests/table_digest.py <warehouse.duckdb> > tests/data/published_digests.json

records the digests of a warehouse; tests/test_published_figures.py compares a fresh build with them, so that a
change meant to be invisible (memory, speed) cannot move a published figure.
"""

from __future__ import annotations

import json
import sys

import duckdb

SKIPPED = {"cfg_sources", "build_manifest"}  # validation times, fingerprints of the code: per-run metadata, not figures


def _expression(column: str, dtype: str) -> str:
    quoted = f'"{column}"'
    if dtype in ("DOUBLE", "FLOAT") or dtype.startswith("DECIMAL"):
        return f"printf('%.9g', {quoted}::DOUBLE)"
    return quoted


def digests(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    out = {}
    tables = con.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = current_database() ORDER BY 1"
    ).fetchall()
    for (table,) in tables:
        if table in SKIPPED:
            continue
        columns = con.sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_catalog = current_database() ORDER BY ordinal_position",
            params=[table],
        ).fetchall()
        row = ", ".join(_expression(c, t) for c, t in columns)
        n, h = con.sql(f"SELECT count(*), coalesce(sum(hash({row})::HUGEINT), 0)::VARCHAR FROM {table}").fetchall()[0]
        out[table] = [n, h, [c for c, _ in columns]]
    return out


if __name__ == "__main__":
    found = digests(duckdb.connect(sys.argv[1], read_only=True))
    lines = [f"{json.dumps(table)}: {json.dumps(value, ensure_ascii=False)}" for table, value in found.items()]
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")
