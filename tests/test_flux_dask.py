"""The per-partition tasks of the census detail files on a local Dask cluster of two worker processes
(prefect-dask's DaskTaskRunner) give byte-identical partition results and the same marts as the in-process run.
Files: SYNTHETIC (tests/flux_synthetic.py) on real communes of the small geography."""

from __future__ import annotations

import pytest

from sources import insee_rp_flux as flux
from tests.flux_synthetic import migcom_frame, mobpro_frame, write_detail

MARTS = ("mart_navettes_flux", "mart_navettes_territoires", "mart_migrations", "mart_migrations_flux")


def _marts(path) -> dict[str, list]:
    from warehouse.db import connect_readonly

    con = connect_readonly(path)
    try:
        return {m: con.sql(f"SELECT * FROM {m} ORDER BY ALL").fetchall() for m in MARTS}
    finally:
        con.close()


@pytest.mark.slow
def test_dask_cluster_gives_the_same_partitions_and_marts(small_private_home, tmp_path, monkeypatch):
    import yaml

    from flows.nightly import nightly_refresh
    from sources.ingestion.settings import get_settings
    from tests.test_flux import _membership

    member = _membership(2023)
    ok = member[member["epci"].notna() & (member["epci"] != "ZZZZZZZZZ")]
    communes = sorted(c for c in ok.index if c[:2] in ("59", "62"))[::30][:40]
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({
        "insee_fd_mobpro": [str(write_detail(mobpro_frame(communes, 4000, 7), "MOBPRO", 2021, tmp_path / "m",
                                             "zip_csv"))],
        "insee_fd_migcom": [str(write_detail(migcom_frame(communes, 5000, 8), "MIGCOM", 2021, tmp_path / "g",
                                             "zip_txt"))],
    }))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))

    results = {}
    for runner in ("threads", "dask"):
        monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / f"partitions-{runner}"))
        state = nightly_refresh(force=True, task_runner=runner, return_state=True)
        summary = state.result(raise_on_failure=False)
        assert summary["built"] and not summary["quarantined"], summary
        parts = sorted((tmp_path / f"partitions-{runner}").rglob("agg/*.parquet"))
        results[runner] = ({p.relative_to(tmp_path / f"partitions-{runner}"): p.read_bytes() for p in parts},
                           _marts(get_settings().warehouse_path))
    (parts_threads, marts_threads), (parts_dask, marts_dask) = results["threads"], results["dask"]
    assert len(parts_threads) >= 4 and parts_threads.keys() == parts_dask.keys()
    assert parts_threads == parts_dask  # byte-identical partition results
    assert all(marts_threads[m] for m in MARTS)
    assert marts_threads == marts_dask
