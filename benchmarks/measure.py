"""Whole-process wall time and peak memory (`/usr/bin/time -v`) of the four figures of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/measure.py [--repeat N] [--skip-tests]

1. full forced refresh: `observatoire run --force --no-prefect` on a fresh OBSERVATOIRE_HOME;
2. the minimal DuckDB script of the population outputs (benchmarks/minimal_population.py) on the validated
   files that refresh wrote, in memory and writing its rows to a DuckDB file as the build publishes its own,
   and the ratios of 1 to each;
3. a no-change night: `make run` (Prefect flow, nothing to refresh) on the same home;
4. `make test` (the default test set), once, unless --skip-tests.

Every command runs in its own process with the Makefile's environment; the medians of N runs are printed as a
Markdown table with each command. The machine is shared: the load average before each run is printed too.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from flows.offline import offline_env

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one command and its children, from GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", out.name, *cmd], cwd=ROOT, env=env, capture_output=True, text=True
        )
        text = Path(out.name).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    hours, minutes, seconds = (float(g or 0) for g in wall.groups())
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    if proc.returncode not in (0, 2):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
    return hours * 3600 + minutes * 60 + seconds, rss_kb / 1024, proc.returncode


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    rows: dict[str, list[tuple[float, float, int, str]]] = {}
    for _ in range(repeat):
        home = Path(tempfile.mkdtemp(prefix="observatoire-bench-"))
        run_env = {**os.environ, **offline_env(home / ".prefect"), "OBSERVATOIRE_HOME": str(home)}
        validated = home / "warehouse" / "store" / "validated"
        commands = {
            "full forced refresh": [str(VENV / "observatoire"), "run", "--force", "--no-prefect"],
            "minimal population script": [str(VENV / "python"), "benchmarks/minimal_population.py", str(validated)],
            "minimal script, rows written to a file": [
                str(VENV / "python"), "benchmarks/minimal_population.py", str(validated), "--file",
                str(home / "minimal.duckdb"),
            ],
            "no-change night (`make run`)": ["make", "-s", "run"],
        }
        for name, cmd in commands.items():
            before = load()
            rows.setdefault(name, []).append((*timed(cmd, run_env), before))
        shutil.rmtree(home, ignore_errors=True)
    if "--skip-tests" not in sys.argv:  # once: it is the longest
        before = load()
        env = {**os.environ, **offline_env(Path(tempfile.mkdtemp(prefix="observatoire-bench-")) / ".prefect")}
        rows.setdefault("`make test`", []).append((*timed(["make", "-s", "test"], env), before))
    print("| measurement | command | wall s (median) | peak RSS MB (median) | runs | load before |")
    print("|---|---|---|---|---|---|")
    cmds = {
        "full forced refresh": "OBSERVATOIRE_HOME=$(mktemp -d) /usr/bin/time -v observatoire run --force --no-prefect",
        "minimal population script": "/usr/bin/time -v python benchmarks/minimal_population.py "
        "$OBSERVATOIRE_HOME/warehouse/store/validated",
        "minimal script, rows written to a file": "/usr/bin/time -v python benchmarks/minimal_population.py "
        "$OBSERVATOIRE_HOME/warehouse/store/validated --file $OBSERVATOIRE_HOME/minimal.duckdb",
        "no-change night (`make run`)": "OBSERVATOIRE_HOME=<same> /usr/bin/time -v make run",
        "`make test`": "/usr/bin/time -v make test",
    }
    medians = {}
    for name, runs in rows.items():
        wall = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        medians[name] = wall
        codes = {r[2] for r in runs}
        print(
            f"| {name} | `{cmds[name]}` | {wall:.1f} | {rss:.0f} | {len(runs)} (exit {sorted(codes)}) | "
            f"{', '.join(r[3] for r in runs)} |"
        )
    for floor in ("minimal population script", "minimal script, rows written to a file"):
        ratio = [r[0] / m[0] for r, m in zip(rows["full forced refresh"], rows[floor], strict=True)]
        print(f"\nratio full refresh / {floor}, per run: {', '.join(f'{x:.2f}' for x in ratio)}; "
              f"median {statistics.median(ratio):.2f}")


if __name__ == "__main__":
    main()
