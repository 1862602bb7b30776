"""A small-geography warehouse WITH census flows for the publication tests (tests/test_flux_publication.py):
SYNTHETIC FD_MOBPRO and FD_MIGCOM files (tests/flux_synthetic.py, INSEE's delivered layout: zip of `;` CSV,
edition 2020, geography of 1 January 2022) on the real communes of Nord and Pas-de-Calais, configured through an
origins.yml and built on a copy of the session's small warehouse. Nothing here is INSEE data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import yaml

from tests.flux_synthetic import migcom_frame, mobpro_frame, write_detail

EDITION = 2020
GEO_YEAR = EDITION + 2


def membership(year: int, data_dir: Path) -> pd.DataFrame:
    """The bundled COG membership table of `year` (codgeo → epci, ze2020, arr, dep)."""
    cog = pq.read_table(data_dir / "cog" / "appartenance_communes_cog2008_2024.parquet",
                        columns=["cog_year", "codgeo", "epci", "ze2020", "arr", "dep"]).to_pandas()
    cog = cog[(cog["cog_year"].astype(int) == year) & cog["codgeo"].notna()]
    return cog.drop_duplicates("codgeo").set_index("codgeo")


# the arrondissements of the Bassin minier (transforms/config.yml) and their neighbours Lille and Arras
ARRONDISSEMENTS = ("593", "595", "596", "621", "622", "627")


def flow_frames(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SYNTHETIC MOBPRO and MIGCOM rows on the real communes of six arrondissements in the edition's geography:
    the draws are uniform over communes, so an EPCI's flows grow with its number of communes and span INSEE's
    three reliability classes."""
    member = membership(GEO_YEAR, data_dir)
    communes = sorted(member.index[member["arr"].isin(ARRONDISSEMENTS)])
    return mobpro_frame(communes, 40000, seed=11), migcom_frame(communes, 50000, seed=12)


def build_flow_home(small_home: Path, small_data: Path, work: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """A copy of the small warehouse rebuilt with the synthetic flow files: (home, mobpro rows, migcom rows).
    Sets the environment of the build for the duration of the call only."""
    from small_geography import SCOPE

    from flows.nightly import run_refresh
    from sources import insee_rp_flux as flux
    from sources.ingestion.scope import SCOPE_ENV

    home = work / "home"
    shutil.copytree(small_home, home)
    mob, mig = flow_frames(small_data)
    origins = work / "origins.yml"
    origins.write_text(yaml.safe_dump({
        "insee_fd_mobpro": [str(write_detail(mob, "MOBPRO", EDITION, work / "mobpro", "zip_csv"))],
        "insee_fd_migcom": [str(write_detail(mig, "MIGCOM", EDITION, work / "migcom", "zip_csv"))],
    }))
    env = {"OBSERVATOIRE_HOME": str(home), "OBSERVATOIRE_DATA_DIR": str(small_data), SCOPE_ENV: SCOPE.name,
           "OBSERVATOIRE_ORIGINS": str(origins), flux.PARTITIONS_ENV: str(work / "partitions")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        summary = run_refresh()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert summary["built"] and not summary["quarantined"], summary
    return home, mob, mig
