"""The pipeline's side of the census-flow benchmark: the partitioned aggregation of sources/insee_rp_flux.py
(extract, split by département of residence, one aggregation per partition, each written as Parquet), then the
summary the gate validates (one row per partition), on the same files as benchmarks/minimal_flows.py.

    OBSERVATOIRE_PARTITIONS_DIR=/tmp/parts python benchmarks/bench_flows.py RP2021_mobpro_csv.zip RP2021_migcom_csv.zip
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sources import insee_rp_flux as flux  # noqa: E402


def main() -> None:
    for path in (Path(p) for p in sys.argv[1:]):
        kind = "mobpro" if "mobpro" in path.name.lower() else "migcom"
        source_id = f"insee_fd_{kind}"
        started = time.perf_counter()
        out = flux.aggregate_file(source_id, path, kind)
        aggregated = time.perf_counter() - started
        summary = flux._summary(out, kind)
        print(f"{path.name}: aggregation {aggregated:.1f} s ({len(summary)} partitions, "
              f"{int(summary['rows'].sum())} aggregated rows), "
              f"summary {time.perf_counter() - started - aggregated:.1f} s")


if __name__ == "__main__":
    main()
