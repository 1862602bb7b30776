"""One small source changed: the incremental refresh against a forced full refresh, same machine, same run.

    .venv/bin/python benchmarks/bench_incremental.py [--repeat N]

On a fresh OBSERVATOIRE_HOME: (1) `observatoire run --force --no-prefect` (every source validated, every model
built); then, N times, one headcount of the bundled URSSAF extract (20 rows) changed by one in a copy configured in
origins.yml, and (2) `observatoire run --no-prefect`: only urssaf_effectifs is validated again and only the models
downstream of it are rebuilt; (3) a forced full refresh of the same inputs, whose warehouse must have the same
digest (tests/table_digest.py: every table, order-free) as the incremental one. Prints the medians as a Markdown
table (wall seconds from GNU time, peak RSS) with the ratio incremental / full, and the load average before each
command (the machine is shared).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb
from measure import ROOT, VENV, load, timed  # benchmarks/measure.py (run as a script: its folder is on the path)

from flows.offline import offline_env

sys.path.insert(0, str(ROOT / "tests"))
from table_digest import digests  # noqa: E402  (the tests' digest of every table)

URSSAF = ROOT / "sources/data/urssaf/effectifs-salaries-prive-ze2010-extrait-diagnostic.csv"


def _digest(home: Path) -> dict:
    con = duckdb.connect(str(home / "warehouse" / "observatoire.duckdb"), read_only=True)
    try:
        return digests(con)
    finally:
        con.close()


def _change_one_headcount(delivery: Path, step: int) -> None:
    """The bundled extract with its first headcount raised by `step` (an edition correcting one value)."""
    lines = URSSAF.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(";")
    fields[2] = str(int(fields[2]) + step)
    lines[1] = ";".join(fields)
    delivery.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    home = Path(tempfile.mkdtemp(prefix="observatoire-incremental-"))
    delivery = home / "delivery" / URSSAF.name
    delivery.parent.mkdir()
    origins = home / "origins.yml"
    origins.write_text(f"urssaf_effectifs:\n  - {delivery}\n", encoding="utf-8")
    env = {**os.environ, **offline_env(home / ".prefect"), "OBSERVATOIRE_HOME": str(home),
           "OBSERVATOIRE_ORIGINS": str(origins)}
    run = [str(VENV / "observatoire"), "run", "--no-prefect"]
    rows: dict[str, list[tuple[float, float, str]]] = {"full": [], "incremental": []}
    identical = []
    try:
        _change_one_headcount(delivery, 0)
        timed([*run, "--force"], env)  # the starting warehouse
        for step in range(1, repeat + 1):
            _change_one_headcount(delivery, step)
            before = load()
            wall, rss, code = timed(run, env)
            assert code == 0, f"incremental run exited {code}"
            rows["incremental"].append((wall, rss, before))
            incremental = _digest(home)
            before = load()
            wall, rss, code = timed([*run, "--force"], env)
            assert code == 0, f"full run exited {code}"
            rows["full"].append((wall, rss, before))
            identical.append(_digest(home) == incremental)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    full = statistics.median(w for w, _, _ in rows["full"])
    inc = statistics.median(w for w, _, _ in rows["incremental"])
    print("| command | wall s (median) | peak RSS MB | runs | load before |")
    print("|---|---|---|---|---|")
    for name, label in (("full", "`observatoire run --force --no-prefect`"),
                        ("incremental", "`observatoire run --no-prefect` (one URSSAF value changed)")):
        runs = rows[name]
        print(f"| {label} | {statistics.median(w for w, _, _ in runs):.1f} | "
              f"{statistics.median(r for _, r, _ in runs):.0f} | {len(runs)} | {', '.join(b for _, _, b in runs)} |")
    print(f"\nratio incremental / full: {inc / full:.2f} (target ≤ 0.30); "
          f"incremental warehouse identical to the full rebuild: {all(identical)} ({len(identical)} of "
          f"{len(identical)} compared)" if all(identical) else f"\nDIGESTS DIFFER in {identical.count(False)} run(s)")


if __name__ == "__main__":
    main()
