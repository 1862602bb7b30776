"""Incremental builds: a changed source rebuilds only the models downstream of it, and the warehouse it publishes is
the one a full build of the same inputs publishes (every table, by the order-free digest of tests/table_digest.py).

Runs on the small real geography (a private copy of its build); the changed delivery is the bundled URSSAF extract
with one headcount raised by one (an edition correcting one value)."""

from pathlib import Path

import duckdb
from table_digest import digests

from sources.ingestion.settings import get_settings

URSSAF = "urssaf/effectifs-salaries-prive-ze2010-extrait-diagnostic.csv"


def _digest(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return digests(con)
    finally:
        con.close()


def _one_value_changed(data: Path, target: Path) -> int:
    lines = (data / URSSAF).read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(";")
    fields[2] = str(int(fields[2]) + 1)
    lines[1] = ";".join(fields)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return int(fields[2])


def test_one_changed_source_rebuilds_its_downstream_and_equals_a_full_build(
    small_private_home, small_data, tmp_path, monkeypatch
):
    from flows.refresh import run_refresh

    delivery = tmp_path / "delivery" / Path(URSSAF).name
    delivery.parent.mkdir()
    value = _one_value_changed(small_data, delivery)
    origins = tmp_path / "origins.yml"
    origins.write_text(f"urssaf_effectifs:\n  - {delivery}\n", encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(origins))

    summary = run_refresh()
    models = {m["model"]: m for m in summary["build"]["models"]}
    rebuilt = {name for name, m in models.items() if m["rebuilt"] and m["kind"] not in ("ephemeral", "temp")}
    # downstream of URSSAF: its staging table, the union, the marts that show its indicators, the nesting check
    assert {"stg_urssaf_effectifs", "indicator_values", "mart_emploi", "violations_nesting"} <= rebuilt
    # not downstream: the geography, the population marts, every staging table of another source
    untouched = {"geo_commune", "territories", "mart_population", "mart_jeunesse", "stg_commune_population",
                 "stg_insee_chomage", "violations_conservation"}
    assert not rebuilt & untouched, " ".join(sorted(rebuilt & untouched))
    path = get_settings().warehouse_path
    con = duckdb.connect(str(path), read_only=True)
    published = con.sql("SELECT effectif_salarie_prive FROM mart_emploi WHERE effectif_salarie_prive = ?",
                        params=[value]).fetchall()
    con.close()
    assert published, "the corrected headcount is published"
    incremental = _digest(path)

    run_refresh(force=True)  # the same inputs, every model built
    assert _digest(path) == incremental
