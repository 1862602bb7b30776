"""Time and memory of each stage on the bundled France-wide data (all communes, every vintage): parse, validate,
build (each model).

Run with `make bench`. Not a test: it prints durations and memory for benchmarks/RESULTS.md. Memory: the peak
resident set of this process during each stage (sampled every 10 ms from /proc, Linux), and after each model
DuckDB's own buffers (`duckdb_memory()`) and the resident set.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

import flows  # noqa: F401  (the offline defaults, flows/offline.py, before Great Expectations is imported)
from expectations.runner import validate
from sources.emd.codes import code_table as emd_code_table
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import get_settings
from warehouse.build import build


class PeakRSS:
    """Peak resident memory (MB) of this process while the `with` block runs."""

    def __enter__(self) -> PeakRSS:
        self.peak, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            rss = int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20
            self.peak = max(self.peak, rss)
            time.sleep(0.01)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        validated = Path(tmp)
        rows = []
        for source_id, spec in SOURCES.items():
            if not spec.bundled:  # nothing bundled: the build reads the source's empty schema, as in `make run`
                spec.empty().to_parquet(validated / f"{source_id}.parquet", index=False)
                continue
            with PeakRSS() as parse_mem:
                t0 = time.perf_counter()
                parsed = spec.parser(spec.bundled_paths(settings.data_dir))
                t1 = time.perf_counter()
            with PeakRSS() as validate_mem:
                files = [p.name for p in spec.bundled_paths(settings.data_dir)]
                validate(source_id, parsed.frame, files, "", spec.expectations)
                t2 = time.perf_counter()
            parsed.frame.to_parquet(validated / f"{source_id}.parquet", index=False)
            rows.append(
                {
                    "source": source_id,
                    "rows": len(parsed.frame),
                    "parse_s": round(t1 - t0, 2),
                    "parse_peak_mb": round(parse_mem.peak),
                    "validate_s": round(t2 - t1, 2),
                    "validate_peak_mb": round(validate_mem.peak),
                }
            )
            del parsed
        print(pd.DataFrame(rows).to_string(index=False))
        sources = pd.DataFrame([{"source_id": k, "sha256": "benchmark", "files": ", ".join(v.bundled),
                                 "validated_at": "benchmark", "source_kind": "independent"}
                                for k, v in SOURCES.items()])
        with PeakRSS() as build_mem:
            result = build(validated / "bench.duckdb", validated, sources, log=lambda m: None,
                           code_lists={"cfg_emd_codes": emd_code_table()})
        print(
            f"\nbuild: {result.seconds:.1f} s, peak RSS {build_mem.peak:.0f} MB, "
            f"{sum(m['rows'] or 0 for m in result.models):,} rows over "
            f"{len(result.models)} models; file {result.tmp_path.stat().st_size / 1e6:.0f} MB\n"
        )
        print("| model | kind | rows | seconds | DuckDB MB after | RSS MB after |")
        print("|---|---|---|---|---|---|")
        for m in sorted(result.models, key=lambda m: -m["seconds"]):
            rows = "—" if m["rows"] is None else f"{m['rows']:,}"
            print(f"| {m['model']} | {m['kind']} | {rows} | {m['seconds']:.2f} | {m['duckdb_mb']} | "
                  f"{m['rss_mb']} |")


if __name__ == "__main__":
    main()
