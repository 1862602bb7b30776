"""Census flows (issue 23): the parsers of FD_MOBPRO / FD_MIGCOM in every delivered layout and of the base flux
files, on SYNTHETIC files written by tests/flux_synthetic.py; expected flows computed independently with pandas
over the same frames (never read back from the pipeline)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from sources import insee_rp_flux as flux
from tests.flux_synthetic import migcom_frame, mobpro_frame, write_base_flux, write_detail

COMMUNES = ["59350", "59009", "62498", "62193", "2A004", "75056", "97411"]


def _age_band(age: int) -> str:
    for bound, band in ((15, "00-14"), (30, "15-29"), (45, "30-44"), (60, "45-59"), (75, "60-74")):
        if age < bound:
            return band
    return "75+"


def _expected(frame: pd.DataFrame, dest: str, extra: str) -> pd.DataFrame:
    """Per commune pair × dimensions, weights summed exactly with Decimal, from the generated frame."""
    f = frame.assign(
        dest_commune=frame[dest].where(~frame[dest].str.startswith("751"), "75056"),
        age_band=frame["AGEREVQ"].astype(int).map(_age_band),
        w=frame["IPONDI"].map(Decimal),
    )
    keys = ["COMMUNE", "dest_commune", extra, "age_band", "SEXE", "CS1"]
    out = f.groupby(keys)["w"].sum().map(float).reset_index()
    return out.rename(columns={"COMMUNE": "commune", extra: extra.lower(), "SEXE": "sex", "CS1": "cs1",
                               "w": "weight"})


@pytest.mark.parametrize("layout", ["zip_csv", "zip_txt", "parquet"])
def test_mobpro_every_layout(tmp_path, monkeypatch, layout):
    monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / "partitions"))
    frame = mobpro_frame(COMMUNES, 600)
    path = write_detail(frame, "MOBPRO", 2021, tmp_path / "in", layout)
    parsed = flux.parse_mobpro([path]).frame
    assert set(parsed["edition"]) == {2021} and set(parsed["geo_year"]) == {2023}
    keys = ["commune", "dest_commune", "trans", "age_band", "sex", "cs1"]
    got = parsed.groupby(keys)["weight"].sum().reset_index()
    want = _expected(frame, "DCLT", "TRANS")
    merged = want.merge(got, on=keys, how="outer", suffixes=("_want", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["weight_want"] - merged["weight_got"]).abs().max() < 1e-9
    assert int(parsed["records"].sum()) == len(frame)
    # One Parquet per département of residence (Corsica 2A, La Réunion 974 …)
    out = flux.aggregated_dir("insee_fd_mobpro", path)
    assert sorted(p.stem for p in out.glob("*.parquet")) == ["dep=2A", "dep=59", "dep=62", "dep=75", "dep=974"]


def test_migcom_zip_csv(tmp_path, monkeypatch):
    monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / "partitions"))
    frame = migcom_frame(COMMUNES, 800)
    path = write_detail(frame, "MIGCOM", 2020, tmp_path / "in", "zip_csv")
    parsed = flux.parse_migcom([path]).frame
    keys = ["commune", "dest_commune", "iran", "age_band", "sex", "cs1"]
    got = parsed.groupby(keys)["weight"].sum().reset_index()
    want = _expected(frame, "DCRAN", "IRAN")
    merged = want.merge(got, on=keys, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["weight_x"] - merged["weight_y"]).abs().max() < 1e-9


def test_partition_results_are_byte_stable(tmp_path, monkeypatch):
    """The same partition computed twice (elsewhere) gives the same bytes: exact sums, sorted output."""
    frame = mobpro_frame(COMMUNES, 400)
    path = write_detail(frame, "MOBPRO", 2019, tmp_path / "in", "zip_csv")
    outs = []
    for run in ("a", "b"):
        monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / run))
        outs.append(flux.aggregate_file("insee_fd_mobpro", path, "mobpro"))
    for part in outs[0].glob("*.parquet"):
        assert part.read_bytes() == (outs[1] / part.name).read_bytes()


@pytest.mark.parametrize("kind,parser", [("MOBPRO", flux.parse_base_flux_mobpro),
                                         ("MIGCOM", flux.parse_base_flux_migcom)])
def test_base_flux(tmp_path, kind, parser):
    frame = mobpro_frame(COMMUNES, 300) if kind == "MOBPRO" else migcom_frame(COMMUNES, 300)
    path = write_base_flux(frame, kind, 2019, tmp_path)
    parsed = parser([path]).frame
    dest = "DCLT" if kind == "MOBPRO" else "DCRAN"
    want = frame.assign(w=frame["IPONDI"].astype(float)).groupby(["COMMUNE", dest])["w"].sum()
    got = parsed.set_index(["commune", "dest_code"])["weight"]
    assert set(parsed["edition"]) == {2019} and set(parsed["geo_year"]) == {2021}
    assert len(got) == len(want)
    assert (got.sort_index().to_numpy() - want.sort_index().to_numpy()).__abs__().max() < 1e-5
    if kind == "MOBPRO":
        assert set(parsed.loc[parsed["dest_code"] == "75112", "dest_commune"]) <= {"75056"}


def test_missing_column_names_file(tmp_path, monkeypatch):
    monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / "p"))
    frame = mobpro_frame(COMMUNES, 20).drop(columns=["IPONDI"])
    path = tmp_path / "FD_MOBPRO_2021.csv"
    frame.to_csv(path, sep=";", index=False)
    with pytest.raises(flux.SourceError, match="IPONDI"):
        flux.parse_mobpro([path])
