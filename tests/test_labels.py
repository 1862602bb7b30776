"""Labels free of mojibake: the rule label_encoding (expectations/rules.py) on every label column of every source,
the 11 EPCI labels of COG 2008 that lost their « œ » (« CC C¿ur d'Ostrevent ») repaired from DGCL's list of the same
year, DGCL's cp1252-read-as-latin-1 names decoded, and a new delivery with a damaged label stopped."""

from __future__ import annotations

import gzip
import re

import pandas as pd
import pytest

from expectations import rules as r
from expectations.runner import validate
from sources.dgcl_epci import parse as parse_dgcl
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "sources" / "data"
DAMAGED = re.compile(r.MOJIBAKE)
LABEL_COLUMNS = {  # source → its label columns (names and places as the producer writes them)
    "dgcl_epci": {"nom", "nom_com"},
    "insee_cog_appartenance": {"libgeo"},
    "insee_cog_libelles": {"libgeo"},
    "insee_chomage": {"label"},
    "insee_comparateur": {"LIBGEO"},
    "insee_filosofi": {"LIBGEO"},
    "ign_admin_express_communes": {"nom"},
    "urssaf_effectifs": {"label"},
    "ors_indicateurs": {"territoire", "indicateur"},
    "insee_rp_age": {"libgeo"},
    "diagnostic": {"territory"},
    "diagnostic_crosswalk": {"territory"},
}


def _label_rule_columns(source_id: str) -> set[str]:
    return {
        e.args["column"]
        for batch in SOURCES[source_id].expectations
        for e in batch.expectations
        if e.rule == r.LABEL_RULE and e.args.get("regex") == r.MOJIBAKE
    }


@pytest.mark.parametrize("source_id", sorted(LABEL_COLUMNS))
def test_every_label_column_has_the_rule(source_id):
    assert _label_rule_columns(source_id) == LABEL_COLUMNS[source_id]


def test_the_rule_stays_a_leaf_of_the_vocabulary():
    text = (PROJECT_ROOT / "expectations" / "rules.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:from|import) (?:sources|transforms|warehouse|reports|flows)\b", text, re.M)


def _damaged_cog_labels() -> pd.DataFrame:
    cog = pd.read_parquet(DATA / "cog" / "libelles_supracommunaux_cog2008_2024.parquet")
    return cog, cog[cog.libgeo.map(lambda s: isinstance(s, str) and bool(DAMAGED.search(s)))]


def test_the_11_published_labels_are_repaired(warehouse):
    cog, damaged = _damaged_cog_labels()
    assert len(damaged) == 11 and set(damaged.cog_year.astype(int)) == {2008} and set(damaged.nivgeo) == {"EPCI"}
    # Expected: the lost character is « œ » — the COG file itself writes each of these EPCI with « Cœur »/« Coeur »
    # in a later vintage (same SIREN) — and DGCL's 2008 list, decoded from cp1252, says the same.
    dgcl = pd.read_csv(DATA / "dgcl" / "epci_composition_2008.csv.gz", sep=";", dtype=str, encoding="utf-8")
    dgcl_names = dgcl.drop_duplicates("siren").set_index("siren").nom
    dgcl_names = dgcl_names.map(lambda s: s.encode("latin-1").decode("cp1252"))
    published = dict(
        warehouse.sql(
            "SELECT code, label FROM territories WHERE level = 'epci' AND geo_year = 2008 AND NOT label_damaged"
        ).fetchall()
    )
    for row in damaged.itertuples():
        expected = row.libgeo.replace("¿", "œ")
        later = cog[(cog.codgeo == row.codgeo) & (cog.cog_year.astype(int) > 2008)].libgeo
        assert later.str.contains("[Cc](?:œ|oe)ur", regex=True).any(), row.codgeo
        assert dgcl_names[row.codgeo] == expected
        assert published[row.codgeo] == expected, (row.codgeo, published.get(row.codgeo))


def test_no_published_label_is_damaged(warehouse):
    for table, column in (("territories", "label"), ("stg_dgcl_epci_composition", "epci_label"),
                          ("stg_dgcl_epci_composition", "commune_label")):
        labels = [v for (v,) in warehouse.sql(f"SELECT DISTINCT {column} FROM {table}").fetchall() if v]
        assert not [v for v in labels if DAMAGED.search(v)], table
    assert warehouse.sql("SELECT count(*) FROM territories WHERE label_damaged").fetchall() == [(0,)]
    # DGCL's 2008 name of Cœur d'Ostrevent, decoded (the delivered bytes say C\x9cur)
    assert warehouse.sql(
        "SELECT DISTINCT epci_label FROM stg_dgcl_epci_composition WHERE year = 2008 AND epci = '245901152'"
    ).fetchall() == [("CC Cœur d'Ostrevent",)]


def _synthetic_dgcl(path, year: int, names: list[str]) -> None:
    """SYNTHETIC: a DGCL list in its delivered layout (semicolon, UTF-8), one EPCI per name, one commune each."""
    lines = ["siren;nom;nature;fiscalite;ptot;pmun;pcap;nb_com;insee;nom_com;ptot_com;pmun_com;pcap_com"]
    for i, name in enumerate(names):
        lines.append(f"2000000{i:02d};{name};CC;FPU;1000;990;10;1;591{i:02d};Commune {i};1000;990;10")
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("\r\n".join(lines) + "\r\n")


def _label_results(tmp_path, year: int, names: list[str]):
    path = tmp_path / f"epci_composition_{year}.csv.gz"
    _synthetic_dgcl(path, year, names)
    spec = SOURCES["dgcl_epci"]
    report = validate("dgcl_epci", parse_dgcl([path]).frame, [path.name], "synthetic", spec.expectations)
    failed = {f.rule for f in report.failures}
    warned = {w.rule for w in report.warnings}
    return failed, warned


@pytest.mark.parametrize(
    ("year", "name", "critical"),
    [
        (2015, "CC C\x9cur du Pays", True),  # the known quirk in a new year's list: a new delivery, critical
        (2015, "CC C¿ur du Pays", True),
        (2015, "CC C\ufffdur du Pays", True),
        (2010, "CC C¿ur du Pays", True),  # a lost character, even in a year of the known quirk
        (2010, "CC C\x9cur du Pays", False),  # the known quirk where it is known: a warning only
    ],
)
def test_a_synthetic_delivery_with_a_damaged_label_trips_the_rule(tmp_path, year, name, critical):
    failed, warned = _label_results(tmp_path, year, ["CC du Pays de Pange", name])
    if critical:
        assert r.LABEL_RULE in failed, (failed, warned)
    else:
        assert r.LABEL_RULE not in failed and f"{r.LABEL_RULE}_known_quirk" in warned, (failed, warned)


def test_a_clean_synthetic_delivery_passes_the_rule(tmp_path):
    failed, warned = _label_results(tmp_path, 2015, ["CC Cœur du Pays", "CA d’Agen", "CC Val d'Ay"])
    assert not {f for f in failed | warned if f.startswith(r.LABEL_RULE)}
