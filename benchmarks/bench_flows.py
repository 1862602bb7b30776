"""The pipeline's side of the census-flow benchmark: the partitioned aggregation of sources/insee_rp_flux.py
(extract, the pre-aggregating split by département of residence, one aggregation per partition, each written as
Parquet), then the summary the gate validates (one row per partition), on the same files as
benchmarks/minimal_flows.py.

    OBSERVATOIRE_PARTITIONS_DIR=/tmp/parts python benchmarks/bench_flows.py RP2021_mobpro_csv.zip …

With `--repeat N`, the comparison with the floor: for each file, N rounds of the floor
(benchmarks/minimal_flows.py) then the pipeline, each in its own process under GNU time (`/usr/bin/time -v`), the
pipeline on a fresh partitions folder each time, the two sides of a round one after the other so that they meet a
similar load on a shared machine; prints a Markdown table (medians, load average before each run, the ratio).

    python benchmarks/bench_flows.py --repeat 2 RP2021_mobpro_csv.zip RP2021_migcom_csv.zip
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sources import insee_rp_flux as flux  # noqa: E402


def aggregate(paths: list[Path]) -> None:
    for path in paths:
        kind = "mobpro" if "mobpro" in path.name.lower() else "migcom"
        source_id = f"insee_fd_{kind}"
        started = time.perf_counter()
        out = flux.aggregate_file(source_id, path, kind)
        aggregated = time.perf_counter() - started
        summary = flux._summary(out, kind)
        print(f"{path.name}: aggregation {aggregated:.1f} s ({len(summary)} partitions, "
              f"{int(summary['rows'].sum())} aggregated rows), "
              f"summary {time.perf_counter() - started - aggregated:.1f} s")


def compare(paths: list[Path], repeat: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from measure import load, timed  # GNU time and the load average, as the other benchmarks measure them

    python = sys.executable
    print("| file | side | wall s (median) | peak RSS MiB (max) | runs (wall s) | load before |")
    print("|---|---|---|---|---|---|")
    for path in paths:
        runs: dict[str, list[tuple[float, float, str]]] = {"floor": [], "pipeline": []}
        for _ in range(repeat):
            scratch = Path(tempfile.mkdtemp(prefix="flows-bench-", dir=path.parent))
            try:
                commands = {
                    "floor": ([python, str(ROOT / "benchmarks" / "minimal_flows.py"), str(scratch / "floor"),
                               str(path)], os.environ.copy()),
                    "pipeline": ([python, str(Path(__file__).resolve()), str(path)],
                                 {**os.environ, flux.PARTITIONS_ENV: str(scratch / "parts")}),
                }
                for side, (cmd, env) in commands.items():
                    before = load()
                    wall, rss, code = timed(cmd, env)
                    if code != 0:
                        raise SystemExit(f"{side} failed on {path.name} (exit {code})")
                    runs[side].append((wall, rss, before))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        medians = {}
        for side, values in runs.items():
            medians[side] = statistics.median(w for w, _, _ in values)
            print(f"| {path.name} | {side} | {medians[side]:.1f} | {max(r for _, r, _ in values):.0f} | "
                  f"{', '.join(f'{w:.1f}' for w, _, _ in values)} | {', '.join(b for _, _, b in values)} |")
        per_round = [p[0] / f[0] for f, p in zip(runs["floor"], runs["pipeline"], strict=True)]
        print(f"| {path.name} | **ratio** | **{medians['pipeline'] / medians['floor']:.2f}** | | "
              f"per round {', '.join(f'{x:.2f}' for x in per_round)} | |")


def main() -> None:
    args = sys.argv[1:]
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at:at + 2]
        compare([Path(p).resolve() for p in args], repeat)
    else:
        aggregate([Path(p) for p in args])


if __name__ == "__main__":
    main()
