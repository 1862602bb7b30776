"""Census flows (issue 23): the parsers of FD_MOBPRO / FD_MIGCOM in every delivered layout and of the base flux
files, on SYNTHETIC files written by tests/flux_synthetic.py; expected flows computed independently with pandas
over the same frames (never read back from the pipeline)."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sources import insee_rp_flux as flux
from sources.ingestion.settings import PROJECT_ROOT
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
    summary = flux.parse_mobpro([path]).frame  # what the gate validates: one row per partition
    assert set(summary["edition"]) == {2021} and set(summary["geo_year"]) == {2023}
    assert int(summary["records"].sum()) == len(frame)
    assert summary[["bad_commune", "bad_destination", "bad_sex", "bad_dimension", "bad_age"]].sum().sum() == 0
    parsed = flux.read_partitions(flux.aggregated_dir("insee_fd_mobpro", path)).to_pandas()
    keys = ["commune", "dest_commune", "trans", "age_band", "sex", "cs1"]
    got = parsed.astype({k: str for k in keys}).groupby(keys)["weight"].sum().reset_index()
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
    summary = flux.parse_migcom([path]).frame
    assert int(summary["records"].sum()) == len(frame)
    parsed = flux.read_partitions(flux.aggregated_dir("insee_fd_migcom", path)).to_pandas()
    keys = ["commune", "dest_commune", "iran", "age_band", "sex", "cs1"]
    got = parsed.astype({k: str for k in keys}).groupby(keys)["weight"].sum().reset_index()
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


def _membership(year: int) -> pd.DataFrame:
    cog = pq.read_table(PROJECT_ROOT / "sources/data/cog/appartenance_communes_cog2008_2024.parquet",
                        columns=["cog_year", "codgeo", "epci", "ze2020", "arr"]).to_pandas()
    return cog[(cog["cog_year"] == year) & cog["codgeo"].notna()].set_index("codgeo")


def test_configured_flows_reach_the_marts(small_private_home, tmp_path, monkeypatch):
    """SYNTHETIC MOBPRO (zip of CSV) and MIGCOM (Parquet) on real communes of the small geography (edition 2021,
    COG 2023): the marts' EPCI figures against pandas over the generated rows and the bundled COG."""
    import yaml

    from flows.nightly import run_refresh
    from sources.ingestion.settings import get_settings
    from warehouse.db import connect_readonly

    member = _membership(2023)
    ok = member[member.index.notna() & member["epci"].notna() & (member["epci"] != "ZZZZZZZZZ")]
    communes = sorted(c for c in ok.index if c[:2] in ("59", "62"))[:: 40][:25]
    mob = mobpro_frame(communes, 3000, seed=5)
    mig = migcom_frame(communes, 4000, seed=6)
    monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / "partitions"))
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump({
        "insee_fd_mobpro": [str(write_detail(mob, "MOBPRO", 2021, tmp_path / "m", "zip_csv"))],
        "insee_fd_migcom": [str(write_detail(mig, "MIGCOM", 2021, tmp_path / "g", "parquet"))],
    }))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))
    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary
    con = connect_readonly(get_settings().warehouse_path)
    # The edition's own geography (2021 + 2 = 2023); the carried geography 2024 is checked below.
    nav = con.sql("SELECT * FROM mart_navettes_territoires WHERE niveau = 'epci' AND millesime_geo = 2023").df()
    nav = nav.set_index("code")
    migr = con.sql("SELECT * FROM mart_migrations WHERE niveau = 'epci' AND tranche_age = 'ensemble' "
                   "AND millesime_geo = 2023").df()
    young = con.sql("SELECT * FROM mart_migrations WHERE niveau = 'epci' AND tranche_age = '15-29' "
                    "AND millesime_geo = 2023").df()
    basin = con.sql("SELECT * FROM mart_migrations WHERE niveau = 'grouping' AND code = 'bassin_minier' "
                    "AND tranche_age = 'ensemble' AND millesime_geo = 2023").df()
    flows = con.sql("SELECT * FROM mart_navettes_flux WHERE niveau = 'epci' AND dimension = 'ensemble' "
                    "AND millesime_geo = 2023").df()
    nav24 = con.sql("SELECT * FROM mart_navettes_territoires WHERE niveau = 'epci' AND millesime_geo = 2024").df()
    flows24 = con.sql("SELECT * FROM mart_navettes_flux WHERE niveau = 'epci' AND dimension = 'ensemble' "
                      "AND millesime_geo = 2024").df()
    values = con.sql("SELECT indicator_id, code, geo_year, period, value, numerator, denominator, flags "
                     "FROM indicator_values WHERE level = 'epci' AND (indicator_id LIKE 'part_actifs_travail%' "
                     "OR indicator_id LIKE 'migrants_%' OR indicator_id LIKE 'taux_migration_nette_interne%' "
                     "OR indicator_id LIKE 'population_presente%' OR indicator_id LIKE 'population_autochtone%' "
                     "OR indicator_id IN ('emplois_par_actif_occupe', 'actifs_occupes_residents'))").df()
    from tests.test_flags import SHOWN, _missing_flags

    for mart in ("mart_navettes_territoires", "mart_migrations"):  # each row carries its values' flags
        found = _missing_flags(con, mart, SHOWN[mart])
        assert len(found) and not found.missing.any(), found[found.missing].head(5).to_dict("records")
    con.close()

    # Commuting, by hand in pandas: EPCI of home and work from the COG 2023; abroad (99999) is outside.
    m = mob.assign(w=mob["IPONDI"].astype(float), home_epci=mob["COMMUNE"].map(member["epci"]),
                   work_epci=mob["DCLT"].map(member["epci"]).fillna("abroad"),
                   home_ze=mob["COMMUNE"].map(member["ze2020"]),
                   work_ze=mob["DCLT"].map(member["ze2020"]).fillna("abroad"))
    for epci, g in m.groupby("home_epci"):
        actifs = g["w"].sum()
        out_commune = g.loc[g["DCLT"] != g["COMMUNE"], "w"].sum()
        out_epci = g.loc[(g["DCLT"] != g["COMMUNE"]) & (g["work_epci"] != epci), "w"].sum()
        out_ze = g.loc[(g["DCLT"] != g["COMMUNE"]) & (g["work_ze"] != g["home_ze"]), "w"].sum()
        jobs = m.loc[m["work_epci"] == epci, "w"].sum()
        row = nav.loc[epci]
        assert row["actifs_occupes_residents"] == pytest.approx(round(actifs, 1), abs=0.051)
        assert row["part_travail_hors_commune_pct"] == pytest.approx(round(100 * out_commune / actifs, 1), abs=0.051)
        assert row["part_travail_hors_epci_pct"] == pytest.approx(round(100 * out_epci / actifs, 1), abs=0.051)
        assert row["part_travail_hors_ze_pct"] == pytest.approx(round(100 * out_ze / actifs, 1), abs=0.051)
        assert row["emplois_par_actif_occupe"] == pytest.approx(round(jobs / actifs, 2), abs=0.0051)
        expected_flag = "low_reliability" if actifs < 200 else ("use_with_caution" if actifs < 500 else None)
        assert (row["flags"] if isinstance(row["flags"], str) else None) == expected_flag
    pair = m[m["DCLT"] != "99999"].groupby(["home_epci", "work_epci"])["w"].sum()
    got = flows.set_index(["origine", "destination"])["actifs_occupes_flux"]
    for key, value in pair.items():
        assert got.loc[key] == pytest.approx(round(value, 1), abs=0.051)

    # Migrations: ISO, ENTR, SORT by EPCI (abroad one year earlier is outside internal migration).
    def indicators(frame: pd.DataFrame) -> pd.DataFrame:
        g = frame.assign(w=frame["IPONDI"].astype(float), now=frame["COMMUNE"].map(member["epci"]),
                         before=frame["DCRAN"].map(member["epci"]))
        rows = []
        for epci in sorted(set(g["now"].dropna())):
            iso = g.loc[(g["now"] == epci) & (g["before"] == epci), "w"].sum()
            entr = g.loc[(g["now"] == epci) & g["before"].notna() & (g["before"] != epci), "w"].sum()
            sort = g.loc[(g["before"] == epci) & (g["now"] != epci), "w"].sum()
            rate = 1000 * (entr - sort) / (((iso + sort) + (iso + entr)) / 2)
            rows.append({"code": epci, "iso": iso, "entr": entr, "sort": sort, "rate": rate})
        return pd.DataFrame(rows).set_index("code")

    # The grouping (four arrondissements, transforms/config.yml): moves out to communes outside it count as SORT.
    inside = mig["COMMUNE"].map(member["arr"]).isin(["622", "627", "593", "596"])
    before_inside = mig["DCRAN"].map(member["arr"]).isin(["622", "627", "593", "596"])
    w = mig["IPONDI"].astype(float)
    if inside.any() or before_inside.any():
        sort = w[before_inside & ~inside].sum()
        assert basin["migrants_sortants"].iloc[0] == pytest.approx(round(sort, 1), abs=0.051)
        entr = w[inside & ~before_inside & (mig["DCRAN"] != "99999")].sum()
        assert basin["migrants_entrants"].iloc[0] == pytest.approx(round(entr, 1), abs=0.051)

    for want, got_frame in ((indicators(mig), migr),
                            (indicators(mig[mig["AGEREVQ"].astype(int).between(15, 29)]), young)):
        got_m = got_frame.set_index("code")
        for epci, w in want.iterrows():
            row = got_m.loc[epci]
            assert row["migrants_iso"] == pytest.approx(round(w["iso"], 1), abs=0.051)
            assert row["migrants_entrants"] == pytest.approx(round(w["entr"], 1), abs=0.051)
            assert row["migrants_sortants"] == pytest.approx(round(w["sort"], 1), abs=0.051)
            assert row["taux_migration_nette_interne_pmille"] == pytest.approx(round(w["rate"], 1), abs=0.051)

    # indicator_values (int_indicators_flux): unrounded, from summed numerators and denominators, period = edition.
    got_v = values[(values["geo_year"] == 2023) & (values["period"] == "2021")].set_index(["indicator_id", "code"])
    for epci, g in m.groupby("home_epci"):
        actifs = g["w"].sum()
        out_epci = g.loc[(g["DCLT"] != g["COMMUNE"]) & (g["work_epci"] != epci), "w"].sum()
        row = got_v.loc[("part_actifs_travail_hors_epci", epci)]
        assert row["value"] == pytest.approx(100 * out_epci / actifs, rel=1e-9)
        assert row["denominator"] == pytest.approx(actifs, rel=1e-9)
        jobs = m.loc[m["work_epci"] == epci, "w"].sum()
        assert got_v.loc[("emplois_par_actif_occupe", epci), "value"] == pytest.approx(jobs / actifs, rel=1e-9)
        expected_flag = "low_reliability" if actifs < 200 else ("use_with_caution" if actifs < 500 else None)
        flag = got_v.loc[("actifs_occupes_residents", epci), "flags"]
        assert (flag if isinstance(flag, str) else None) == expected_flag
    for suffix, frame in (("", mig), ("_15_29", mig[mig["AGEREVQ"].astype(int).between(15, 29)])):
        for epci, w in indicators(frame).iterrows():
            assert got_v.loc[(f"migrants_entrants{suffix}", epci), "value"] == pytest.approx(w["entr"], rel=1e-9)
            assert got_v.loc[(f"migrants_sortants{suffix}", epci), "value"] == pytest.approx(w["sort"], rel=1e-9)
            assert got_v.loc[(f"population_presente{suffix}", epci), "value"] == pytest.approx(
                w["iso"] + w["entr"], rel=1e-9)
            rate = got_v.loc[(f"taux_migration_nette_interne{suffix}", epci)]
            assert rate["value"] == pytest.approx(w["rate"], rel=1e-9)
            low = min(w["entr"], w["sort"])
            want = "low_reliability" if low < 200 else ("use_with_caution" if low < 500 else None)
            assert (rate["flags"] if isinstance(rate["flags"], str) else None) == want

    # Carried onto the later geography 2024 through the passage tables: no commune of this cut changes between
    # 2023 and 2024 in the bundled passage file (either orientation), so every commune is carried whole (no
    # `estimated`) and the territories are those of the COG 2024 memberships.
    passage = pq.read_table(PROJECT_ROOT / "sources/data/cog/passage_communes_1968_2024.parquet").to_pandas()
    step = passage[passage["from_year"].isin([2023, 2024]) & passage["to_year"].isin([2023, 2024])]
    assert not (step["cod_from"].isin(communes) | step["cod_to"].isin(communes)).any()
    member24 = _membership(2024)
    m24 = mob.assign(w=mob["IPONDI"].astype(float), home_epci=mob["COMMUNE"].map(member24["epci"]),
                     work_epci=mob["DCLT"].map(member24["epci"]).fillna("abroad"))
    nav24 = nav24.set_index("code")
    for epci, g in m24.groupby("home_epci"):
        actifs = g["w"].sum()
        out_epci = g.loc[(g["DCLT"] != g["COMMUNE"]) & (g["work_epci"] != epci), "w"].sum()
        row = nav24.loc[epci]
        assert row["actifs_occupes_residents"] == pytest.approx(round(actifs, 1), abs=0.051)
        assert row["part_travail_hors_epci_pct"] == pytest.approx(round(100 * out_epci / actifs, 1), abs=0.051)
        expected_flag = "low_reliability" if actifs < 200 else ("use_with_caution" if actifs < 500 else None)
        assert (row["flags"] if isinstance(row["flags"], str) else None) == expected_flag
    pair24 = m24[m24["DCLT"] != "99999"].groupby(["home_epci", "work_epci"])["w"].sum()
    got24 = flows24.set_index(["origine", "destination"])["actifs_occupes_flux"]
    assert len(got24) == len(flows24)
    for key, value in pair24.items():
        assert got24.loc[key] == pytest.approx(round(value, 1), abs=0.051)
    assert set(values["geo_year"]) == {2023, 2024}


    # The snapshot's origin–destination files (reports/export.py): geography 2024 (year rule), counts rounded to
    # the catalogue's precision at the export, flags with their French labels, byte-identical across two exports.
    import json

    from reports.export import export

    con = connect_readonly(get_settings().warehouse_path)
    try:
        first = export(con, 2024, tmp_path / "exports_a")
        second = export(con, 2024, tmp_path / "exports_b")
    finally:
        con.close()
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    od = pq.read_table(first / "flux_navettes_2024.parquet").to_pandas()
    assert "dimension" not in od.columns and {"flags", "marqueurs"} <= set(od.columns)
    assert set(od["millesime_geo"]) == {2024}
    epci_od = od[od["niveau"] == "epci"].set_index(["origine", "destination"])["actifs_occupes_flux"]
    for key, value in pair24.items():
        assert epci_od.loc[key] == pytest.approx(round(value, 1), abs=0.051)
    low = od[od["flags"].fillna("").str.contains("low_reliability")]
    assert len(low) and (low["marqueurs"].str.contains("fiabilité faible")).all()
    text = (first / "flux_migrations_2024.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("niveau;origine;") and re.search(r";\d+,\d;", text)
    metadata = json.loads((first / "metadata.json").read_text(encoding="utf-8"))["flux_origine_destination"]
    assert metadata["flux_navettes_2024"]["fichiers"] == ["flux_navettes_2024.parquet", "flux_navettes_2024.csv"]
    rows = pq.read_metadata(first / "flux_migrations_2024.parquet").num_rows
    assert metadata["flux_migrations_2024"]["lignes"] == rows


def test_diagnostic_flow_figures(small_private_home, tmp_path, monkeypatch):
    """PA101 / PA102 (« +21 % Lille Métropole → Bassin minier, +27 % inverse, 1999 → 2006 »): not computable,
    naming the missing census, while only RP2006 is configured; computed once RP1999 is too. SYNTHETIC detail
    files (the pre-2016 layout: zip of a latin-1 .txt) on communes unchanged from 1999 to 2011; the expected change
    from pandas over the generated rows (commune pairs rounded to 0.1 as the mart publishes them)."""
    import yaml

    from flows.nightly import run_refresh
    from sources.ingestion.settings import get_settings
    from warehouse.db import connect_readonly

    member = _membership(2011)
    passage = pq.read_table(PROJECT_ROOT / "sources/data/cog/passage_communes_1968_2024.parquet").to_pandas()
    changed = set(passage.loc[passage["to_year"].between(2000, 2011), "cod_from"]) | set(
        passage.loc[passage["to_year"].between(2000, 2011), "cod_to"])
    stable = member[~member.index.isin(changed)]
    lille = sorted(stable.index[stable["epci"] == "245900410"])[::9][:10]
    basin = sorted(stable.index[stable["arr"].isin(["622", "627", "593", "596"])])[::60][:10]
    communes = lille + basin
    monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / "partitions"))
    frames = {1999: mobpro_frame(communes, 2500, seed=11), 2006: mobpro_frame(communes, 2500, seed=12)}
    files = {e: str(write_detail(f, "MOBPRO", e, tmp_path / str(e), "zip_txt")) for e, f in frames.items()}
    origins = tmp_path / "origins.yml"
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))

    def figures() -> pd.DataFrame:
        con = connect_readonly(get_settings().warehouse_path)
        try:
            return con.sql("SELECT * FROM reproduction WHERE figure_id IN ('PA101', 'PA102')").df().set_index(
                "figure_id")
        finally:
            con.close()

    origins.write_text(yaml.safe_dump({"insee_fd_mobpro": [files[2006]]}))
    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary
    only_2006 = figures()
    assert set(only_2006["status"]) == {"not_computable"}
    assert only_2006["explanation"].str.contains("recensement 1999 des navettes").all()

    origins.write_text(yaml.safe_dump({"insee_fd_mobpro": [files[1999], files[2006]]}))
    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary
    both = figures()

    def total(frame: pd.DataFrame, origin: list[str], destination: list[str]) -> float:
        pairs = frame[frame["COMMUNE"].isin(origin) & frame["DCLT"].isin(destination)]
        return pairs.assign(w=pairs["IPONDI"].astype(float)).groupby(["COMMUNE", "DCLT"])["w"].sum().round(1).sum()

    for figure, (origin, destination), printed in (("PA101", (lille, basin), 21), ("PA102", (basin, lille), 27)):
        before, after = total(frames[1999], origin, destination), total(frames[2006], origin, destination)
        expected = 100 * (after / before - 1)
        row = both.loc[figure]
        assert row["computed_value"] == pytest.approx(expected, abs=1e-6)
        assert row["status"] == ("reproduced" if round(expected) == printed else "differs")
        assert row["source_id"] == "insee_fd_mobpro" and row["decided_by"] == "flow_change"


def test_flows_carried_through_a_merger(small_private_home, tmp_path, monkeypatch):
    """SYNTHETIC MOBPRO edition 2016 (geography 2018) on communes of Pas-de-Calais including 62210, merged into
    62154 on 2019-01-01 per the bundled passage table: on geography 2019 the commune pairs are those of pandas
    after mapping both ends through the delivered passage rows (a flow between the two becomes internal); merges
    share nothing, so no `estimated` flag; on the edition's own geography the pairs are unchanged."""
    import yaml

    from flows.nightly import run_refresh
    from sources.ingestion.settings import get_settings
    from warehouse.db import connect_readonly

    passage = pq.read_table(PROJECT_ROOT / "sources/data/cog/passage_communes_1968_2024.parquet").to_pandas()
    step = passage[(passage["from_year"] == 2018) & (passage["to_year"] == 2019)]
    merged = step[step["cod_from"] == "62210"]
    assert list(merged["cod_to"]) == ["62154"] and list(merged["ratio"]) == [1.0]
    others = sorted(c for c in _membership(2018).index if c[:2] == "62" and c not in set(step["cod_from"]))[::90][:8]
    communes = ["62210", "62154", *others]
    mob = mobpro_frame(communes, 1500, seed=21)
    monkeypatch.setenv(flux.PARTITIONS_ENV, str(tmp_path / "partitions"))
    origins = tmp_path / "origins.yml"
    origins.write_text(yaml.safe_dump(
        {"insee_fd_mobpro": [str(write_detail(mob, "MOBPRO", 2016, tmp_path / "m", "zip_csv"))]}))
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))
    summary = run_refresh()
    assert summary["built"] and not summary["quarantined"], summary
    con = connect_readonly(get_settings().warehouse_path)
    pairs = con.sql("SELECT millesime_geo, origine, destination, actifs_occupes_flux, flags FROM mart_navettes_flux "
                    "WHERE niveau = 'commune' AND dimension = 'ensemble' AND recensement = '2016' "
                    "AND millesime_geo IN (2018, 2019)").df()
    con.close()

    w = mob.assign(w=mob["IPONDI"].astype(float))
    to_2019 = dict(zip(step["cod_from"], step["cod_to"], strict=True))
    for geo_year, mapping in ((2018, {}), (2019, to_2019)):
        want = (w.assign(o=w["COMMUNE"].replace(mapping), d=w["DCLT"].replace(mapping))
                .groupby(["o", "d"])["w"].sum())
        got = pairs[pairs["millesime_geo"] == geo_year].set_index(["origine", "destination"])
        assert len(got) == len(want)
        for key, value in want.items():
            assert got.loc[key, "actifs_occupes_flux"] == pytest.approx(round(value, 1), abs=0.051)
        assert not got["flags"].fillna("").str.contains("estimated").any()
    assert "62210" not in set(pairs.loc[pairs["millesime_geo"] == 2019, "origine"])
