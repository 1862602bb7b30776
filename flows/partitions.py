"""The per-partition work of the census detail files (FD_MOBPRO, FD_MIGCOM), without an engine: which files are
configured, their split by département of residence, and the list of partition jobs (plain paths and strings:
what a Prefect task receives, in-process or on a Dask worker). flows/nightly.py runs the jobs as task runs;
the sources' parsers then read the partition results (sources/insee_rp_flux.py) and compute only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sources import insee_rp_flux as flux
from sources.ingestion.fetch import fetch
from sources.ingestion.gate import resolve_origins
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import Settings, get_settings

PARTITIONED = {"insee_fd_mobpro": "mobpro", "insee_fd_migcom": "migcom"}


@dataclass(frozen=True)
class PartitionJob:
    source_id: str
    kind: str
    split: str  # folder of the split delivery (shared storage on a cluster)
    dep: str  # département of residence
    out_dir: str  # where the partition's result is written (OBSERVATOIRE_PARTITIONS_DIR)


def partition_jobs(
    source_ids: list[str] | None = None, settings: Settings | None = None, errors: list[str] | None = None
) -> list[PartitionJob]:
    """Land each configured detail file, split it once (a streaming pass), and list its partitions. A file that
    cannot be landed or split is left to its source's refresh (which quarantines it); `errors` says which."""
    errors = [] if errors is None else errors
    settings = settings or get_settings()
    jobs: list[PartitionJob] = []
    for source_id, kind in PARTITIONED.items():
        if source_ids and source_id not in source_ids:
            continue
        try:
            for origin in resolve_origins(settings, SOURCES[source_id], None):
                landed = Path(fetch(source_id, origin.location, settings.landing_dir,
                                    expected_sha256=origin.sha256).path)
                split, deps = flux.prepare(source_id, landed, kind)
                out = flux.aggregated_dir(source_id, landed)
                jobs += [PartitionJob(source_id, kind, str(split), dep, str(out)) for dep in deps]
        except Exception as exc:  # noqa: BLE001 (the source's own refresh meets the same error and quarantines it)
            errors.append(f"{source_id}: {exc}")
    return jobs


def run_partition(job: PartitionJob) -> str:
    """One partition: DuckDB over its split files, the result written as Parquet; returns its path."""
    return str(flux.aggregate_partition(Path(job.split), job.kind, job.dep, Path(job.out_dir)))
