"""Flags reach every output: each flag an indicator_values row carries is in every mart row that shows that value,
and in the exported row of that mart (Parquet and French CSV), with its French label (`marqueurs`, metadata.json).

Which indicator_values rows a mart row shows is written here, mart by mart, from what the mart says it shows (its
description and columns), not read from the mart's SQL; a new mart_*.sql without an entry here fails the first test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from reports.export import FLAG_LABELS_COLUMN, export
from sources.ingestion.settings import PROJECT_ROOT

MARTS_DIR = PROJECT_ROOT / "transforms" / "sql" / "marts"
WORKBOOK = PROJECT_ROOT / "sources" / "data" / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx"
SAME_TERRITORY = "m.niveau = v.level AND m.code = v.code AND m.millesime_geo = v.geo_year"

# mart → SQL condition joining a mart row `m` to the indicator_values rows `v` it shows
SHOWN = {
    "mart_activite": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id IN ('emplois_lieu_travail', "
    "'emplois_salaries_lieu_travail', 'population_15_64_ans', 'actifs_15_64_ans', 'chomeurs_15_64_ans', "
    "'taux_activite_15_64_ans', 'taux_chomage_recensement_15_64_ans', 'emplois_par_actif_occupe_15_64_ans', "
    "'etablissements_actifs')",
    # every edition side by side; the latest edition of a quarter is the value indicator_values keeps
    "mart_chomage": f"{SAME_TERRITORY} AND v.period = m.trimestre AND v.indicator_id = 'taux_chomage' "
    "AND m.edition = (SELECT max(edition) FROM mart_chomage e WHERE e.niveau = m.niveau AND e.code = m.code "
    "AND e.millesime_geo = m.millesime_geo AND e.trimestre = m.trimestre)",
    "mart_demographie": f"{SAME_TERRITORY} AND v.period = m.periode AND v.indicator_id IN ('population', "
    "'population_variation', 'taux_variation_annuel_moyen_compose', 'taux_variation_annuel_moyen_lineaire', "
    "'taux_variation_annuel_solde_naturel', 'taux_variation_annuel_solde_migratoire_apparent', 'taux_natalite', "
    "'taux_mortalite', 'naissances', 'deces', 'solde_naturel', 'solde_migratoire_apparent')",
    "mart_densite": f"{SAME_TERRITORY} AND v.period = m.recensement "
    "AND v.indicator_id IN ('superficie', 'densite_population')",
    "mart_emploi": f"{SAME_TERRITORY} AND v.period = m.periode AND v.indicator_id IN ('effectif_salarie_prive', "
    "'variation_effectif_salarie_prive', 'taux_variation_effectif_salarie_prive')",
    "mart_evolution_population": f"{SAME_TERRITORY} AND v.period = m.periode AND v.indicator_id IN "
    "('population_variation', 'taux_variation_annuel_moyen_compose', 'taux_variation_annuel_moyen_lineaire')",
    "mart_formation": f"{SAME_TERRITORY} AND v.period = m.recensement "
    "AND v.indicator_id = 'part_diplome_' || m.diplome",
    "mart_jeunesse": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id IN ('pop_moins_20_ans', "
    "'pop_60_ans_et_plus', 'indice_jeunesse', 'part_moins_20_ans', 'part_60_ans_et_plus')",
    "mart_logement": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id IN ('menages', 'logements', "
    "'residences_principales', 'residences_secondaires', 'logements_vacants', "
    "'residences_principales_proprietaires', 'taux_vacance_logements', 'part_residences_secondaires', "
    "'part_proprietaires')",
    "mart_navettes": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id IN "
    "('part_regionale_actifs_lieu_residence', 'part_regionale_emplois_lieu_travail')",
    "mart_population": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id = 'population'",
    "mart_revenus": f"{SAME_TERRITORY} AND v.period = m.periode AND v.source_id = m.source AND v.indicator_id IN "
    "('mediane_niveau_vie', 'premier_quartile_niveau_vie', 'troisieme_quartile_niveau_vie', "
    "'premier_decile_niveau_vie', 'neuvieme_decile_niveau_vie', 'rapport_interdecile_d9_d1', "
    "'indice_gini_niveau_vie', 'taux_pauvrete', 'part_menages_fiscaux_imposes', 'menages_fiscaux', "
    "'personnes_menages_fiscaux')",
    "mart_sante": f"{SAME_TERRITORY} AND v.period = m.periode "
    "AND v.indicator_id IN ('icm', 'taux_standardise_mortalite')",
    # census flows (int_indicators_flux): the commuting indicators share the employed residents' reliability; the
    # migration row's flags are those of its net rate (the smaller of ENTR and SORT), each count keeping its own
    "mart_navettes_territoires": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id IN "
    "('actifs_occupes_residents', 'part_actifs_travail_hors_commune', 'part_actifs_travail_hors_epci', "
    "'part_actifs_travail_hors_ze', 'emplois_par_actif_occupe')",
    "mart_migrations": f"{SAME_TERRITORY} AND v.period = m.recensement AND v.indicator_id = "
    "'taux_migration_nette_interne' || CASE WHEN m.tranche_age = '15-29' THEN '_15_29' ELSE '' END",
}
# marts that show no indicator_values row (their own sources' tables, analysts' views), with why
NOT_FROM_INDICATOR_VALUES = {
    "mart_mobilite": "household travel surveys (stg_emd_*): survey estimates, no indicator_values row",
    "mart_sante_ors": "the ORS's own published indicators (stg_ors_indicateurs), no indicator_values row",
    # census detail files (stg_flux_*): weighted flows with their own reliability flags (tests/test_flux.py)
    "mart_navettes_flux": "commuting flows from the census detail files, flagged by INSEE's reliability thresholds",
    "mart_migrations_flux": "residential migration flows from the census detail files, reliability-flagged",
    "mart_flux_partenaires": "flows between a territory and each EPCI outside it, reliability-flagged",
}


def _missing_flags(con, relation: str, condition: str) -> pd.DataFrame:
    """Rows of `relation` (a mart, or an exported file read back) lacking a flag of the indicator_values rows they
    show; also how many shown rows carry a flag at all (so that an empty check is seen)."""
    return con.sql(
        f"""WITH shown AS (
                SELECT m.*, list_distinct(flatten(list(string_split(v.flags, ',')))) AS expected
                FROM {relation} m JOIN indicator_values v ON {condition}
                WHERE v.flags IS NOT NULL
                GROUP BY ALL
            )
            SELECT *, NOT list_has_all(coalesce(string_split(flags, ','), []), expected) AS missing FROM shown"""
    ).df()


def test_every_mart_is_walked():
    marts = {p.stem for p in MARTS_DIR.glob("mart_*.sql")}
    assert marts == set(SHOWN) | set(NOT_FROM_INDICATOR_VALUES)
    for mart in SHOWN:
        columns = yaml.safe_load((MARTS_DIR / f"{mart}.yml").read_text(encoding="utf-8"))["models"][0]["columns"]
        assert "flags" in [c["name"] for c in columns], f"{mart}: no flags column"


@pytest.mark.parametrize("mart", sorted(SHOWN))
def test_each_mart_row_carries_the_flags_of_the_values_it_shows(warehouse, mart):
    condition = SHOWN[mart].replace("FROM mart_chomage e", f"FROM {mart} e")
    found = _missing_flags(warehouse, mart, condition)
    assert not found.missing.any(), found[found.missing].head(5).to_dict("records")


def _last_quarter_of_workbook() -> tuple[str, set[str]]:
    """The last quarter column of the ZE2020 sheet and the zone codes it gives a rate for, read with openpyxl.
    The workbook's Documentation sheet does not say which quarter is provisional; INSEE revises the latest quarter
    with each edition (the project's rule, int_chomage_flagged), so it is the last column."""
    sheet = openpyxl.load_workbook(WORKBOOK, read_only=True)["txcho_ze"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and "ZE2020" in r)
    header = rows[header_at]
    quarters = [(j, c) for j, c in enumerate(header) if isinstance(c, str) and len(c) == 7 and c[4:6] == "-T"]
    column, quarter = quarters[-1]
    code_at = header.index("ZE2020")
    zones = {str(r[code_at]) for r in rows[header_at + 1:] if r and r[code_at] and isinstance(r[column], (int, float))}
    return quarter, zones


@pytest.fixture(scope="module")
def snapshot_2024(warehouse, tmp_path_factory) -> Path:
    return export(warehouse, 2024, tmp_path_factory.mktemp("exports"))


def test_the_last_quarter_of_the_workbook_is_provisional_in_the_mart_and_the_csv(warehouse, snapshot_2024):
    quarter, zones = _last_quarter_of_workbook()
    assert quarter == "2023-T3" and len(zones) > 250
    edition = "2023-T3"  # the file name's edition (…-t3-2023)
    mart = warehouse.sql(
        "SELECT code, flags FROM mart_chomage WHERE zonage = 'ze2020' AND trimestre = ? AND edition = ?",
        params=[quarter, edition],
    ).df()
    assert set(mart.code) == zones
    assert (mart["flags"] == "provisional").all()
    csv = pd.read_csv(snapshot_2024 / "mart_chomage.csv", sep=";", decimal=",", dtype=str, encoding="utf-8-sig")
    rows = csv[(csv.zonage == "ze2020") & (csv.trimestre == quarter) & (csv.edition == edition)]
    assert set(rows.code) == zones
    assert (rows["flags"] == "provisional").all() and (rows[FLAG_LABELS_COLUMN] == "provisoire").all()
    earlier = csv[(csv.zonage == "ze2020") & (csv.trimestre == "2023-T2") & (csv.edition == edition)]
    assert len(earlier) and earlier["flags"].isna().all()  # only the last quarter is provisional


def test_each_exported_row_carries_the_flags_of_the_values_it_shows(warehouse, snapshot_2024, tmp_path_factory):
    labels = dict(warehouse.sql("SELECT flag_id, label FROM flag_vocabulary").fetchall())
    flags_file = yaml.safe_load((PROJECT_ROOT / "transforms" / "flags.yml").read_text(encoding="utf-8"))
    assert labels == {k: v["label"] for k, v in flags_file.items()}
    metadata = json.loads((snapshot_2024 / "metadata.json").read_text(encoding="utf-8"))
    used = set()
    snapshot_2013 = export(warehouse, 2013, tmp_path_factory.mktemp("exports"))
    for snapshot in (snapshot_2013, snapshot_2024):
        for mart in sorted(SHOWN):
            parquet = snapshot / f"{mart}.parquet"
            frame = pd.read_parquet(parquet)
            assert "flags" in frame.columns and FLAG_LABELS_COLUMN in frame.columns, mart
            # the French CSV: the same flags and labels, row for row
            csv = pd.read_csv(snapshot / f"{mart}.csv", sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
            assert list(csv["flags"]) == ["" if pd.isna(f) else f for f in frame["flags"]], mart
            assert list(csv[FLAG_LABELS_COLUMN]) == ["" if pd.isna(f) else f for f in frame[FLAG_LABELS_COLUMN]], mart
            # each label is the French label of its id, in the same order
            for ids, words in zip(frame["flags"].dropna(), frame[FLAG_LABELS_COLUMN].dropna(), strict=True):
                assert words == ", ".join(labels[f] for f in ids.split(",")), (mart, ids, words)
                used |= set(ids.split(",")) if snapshot == snapshot_2024 else set()
            # the warehouse's reader has no file access: the exported rows are handed to it as a frame
            relation = f"exported_{mart}"
            warehouse.register(relation, frame)
            try:
                condition = SHOWN[mart].replace("FROM mart_chomage e", f"FROM {relation} e")
                found = _missing_flags(warehouse, relation, condition)
            finally:
                warehouse.unregister(relation)
            assert not found.missing.any(), (snapshot.name, mart, found[found.missing].head(5).to_dict("records"))
    assert "provisional" in used
    # metadata.json: every flag used, with its French label and its meaning; none that is not used
    assert used <= set(metadata["flags"]), (used, metadata["flags"])
    for f, entry in metadata["flags"].items():
        assert entry == {"libelle": flags_file[f]["label"], "meaning": " ".join(flags_file[f]["meaning"].split())}


def test_the_report_and_the_portraits_print_a_provisional_rate_as_such(built_home, warehouse, tmp_path):
    # The latest quarter of the ZE2020 workbook is provisional: its rate is printed « x,y % (provisoire) » in the
    # portrait of a zone d'emploi, and « x,y (provisoire) » in the report's table; never plain.
    from html import unescape

    from reports.portraits import write_portraits
    from reports.report import write_report
    from reports.today import quarter_fr
    from sources.ingestion.settings import get_settings

    quarter, zones = _last_quarter_of_workbook()
    in_words = quarter_fr(quarter)  # « 3e trimestre 2023 »: the publication writes quarters in words
    code = sorted(zones)[0]
    paths = write_portraits(get_settings().warehouse_path, tmp_path / "portraits", level="ze2020", code=code)
    page = unescape(paths[0].read_text(encoding="utf-8"))
    assert re.search(rf"au {in_words} \(provisoire\) : \d+,\d %", page), page[:2000]
    report = write_report(get_settings().warehouse_path, tmp_path / "report")["md"].read_text(encoding="utf-8")
    lines = report.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("|") and f"taux au {in_words} (%)" in line)
    header = [c.strip() for c in lines[at].strip("|").split("|")]
    column = header.index(f"taux au {in_words} (%)")
    body = []
    for line in lines[at + 2:]:
        if not line.startswith("|"):
            break
        body.append(line)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in body]
    assert rows and all(row[column].endswith(" (provisoire)") for row in rows), rows
    before = header.index(f"taux au {quarter_fr(f'{int(quarter[:4]) - 1}{quarter[4:]}')} (%)")
    assert not any("provisoire" in row[before] for row in rows)  # a year earlier: revised or final, not provisional
