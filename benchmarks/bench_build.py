"""Time each stage on the bundled France-wide data (all communes, every vintage): parse, validate, build.

Run with `make bench`. Not a test: it prints durations for the record (README / closing notes).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from expectations.runner import validate
from sources.registry import SOURCES
from sources.settings import get_settings
from warehouse.build import build


def main() -> None:
    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        validated = Path(tmp)
        rows = []
        for source_id, spec in SOURCES.items():
            t0 = time.perf_counter()
            if not spec.bundled:  # nothing bundled: the build reads the source's empty schema, as in `make run`
                spec.empty().to_parquet(validated / f"{source_id}.parquet", index=False)
                continue
            parsed = spec.parser(spec.bundled_paths(settings.data_dir))
            t1 = time.perf_counter()
            validate(source_id, parsed.frame, [p.name for p in spec.bundled_paths(settings.data_dir)], "")
            t2 = time.perf_counter()
            parsed.frame.to_parquet(validated / f"{source_id}.parquet", index=False)
            rows.append(
                {
                    "source": source_id,
                    "rows": len(parsed.frame),
                    "parse_s": round(t1 - t0, 2),
                    "validate_s": round(t2 - t1, 2),
                }
            )
        print(pd.DataFrame(rows).to_string(index=False))
        sources = pd.DataFrame([{"source_id": k, "sha256": "benchmark", "files": ", ".join(v.bundled),
                                 "validated_at": "benchmark"} for k, v in SOURCES.items()])
        from reports import reproduction

        steps = {"reproduction": lambda con: reproduction.run(con, validated)}
        result = build(validated / "bench.duckdb", validated, sources, log=lambda m: None, steps=steps)
        print(
            f"\nbuild: {result.seconds:.1f} s, {sum(m['rows'] for m in result.models):,} rows over "
            f"{len(result.models)} models; file {result.tmp_path.stat().st_size / 1e6:.0f} MB"
        )
        for m in sorted(result.models, key=lambda m: -m["seconds"])[:5]:
            print(f"  {m['model']:<36} {m['rows']:>12,} rows {m['seconds']:>6.2f} s")


if __name__ == "__main__":
    main()
