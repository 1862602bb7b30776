"""Adding a producer's table touches five files: in a temporary copy of the project, a new source is written as a
module under sources/, a staging model and its YAML (dbt's model properties: description, column docs), an
indicator model (named int_indicators_<x>, ephemeral by its folder) and its catalogue entry, nothing else; its
delivery is configured as any deployment configures one (an origins.yml outside the code); after a build its
indicator is in indicator_values, documented in the catalogue and the data dictionary.

The delivery is SYNTHETIC (generated here), in the layout of INSEE's « base chiffres clés logement » CSV: `;`,
latin-1, one row per commune of the 2011 geography, the census variables named Pyy_… (P09_LOG logements,
P09_RP résidences principales)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sources.ingestion.settings import PROJECT_ROOT

EPCI = "246200745"  # an EPCI of the basin on the 2011 geography (read from the bundled membership table)

MODULE = '''"""INSEE, base chiffres clés logement (census): dwellings and main residences by commune (test source)."""

from pathlib import Path

import pandas as pd

from expectations import rules as r
from sources.parsing import Parsed, empty_frame, read_delimited, stacked
from sources.spec import SourceSpec

SOURCE_ID = "insee_rp_logement"
SCHEMA = {"codgeo": "str", "logements": "float64", "residences_principales": "float64", "source_file": "str",
          "source_line": "int64"}


def parse(paths: list[Path]) -> Parsed:
    frames = []
    for path in paths:
        raw = read_delimited(SOURCE_ID, path, encoding="latin-1")
        frames.append(pd.DataFrame({
            "codgeo": raw["CODGEO"], "logements": pd.to_numeric(raw["P09_LOG"]),
            "residences_principales": pd.to_numeric(raw["P09_RP"]), "source_file": path.name,
            "source_line": raw.index + 2,
        }))
    return stacked(frames, [f"{p.name}: census 2009 dwellings" for p in paths])


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, bundled=(), empty=lambda: empty_frame(SCHEMA),
        expectations=(r.rows(
            r.matches("codgeo", r.COMMUNE, "commune_code_format"),
            r.unique("codgeo", "one_row_per_commune"),
            r.between("residences_principales", "main_residences_non_negative", min_value=0),
        ),),
        producer="INSEE", product="Base chiffres clés logement, RP 2009", layout="CODGEO;LIBGEO;P09_LOG;P09_RP",
        product_page="https://www.insee.fr/fr/statistiques/2044726", official_urls=(),
        licence="Licence Ouverte", attribution="Insee, RP 2009",
    ),
]
'''

STAGING_YAML = """version: 2
models:
  - name: stg_insee_rp_logement
    description: One row per commune (2011 geography) with dwellings and main residences at the 2009 census.
    columns:
      - name: codgeo
        description: "{{ doc('codgeo') }}"
      - name: source_file
        description: "{{ doc('source_file') }}"
      - name: source_line
        description: "{{ doc('source_line') }}"
      - name: logements
        description: Nombre de logements (P09_LOG)
      - name: residences_principales
        description: Nombre de résidences principales (P09_RP)
"""

STAGING = """SELECT codgeo, logements, residences_principales, source_file, source_line
FROM read_parquet('{validated}/insee_rp_logement.parquet')
"""

INDICATOR = """-- Main residences at the 2009 census, summed from communes, for every territory of the 2011 geography.
SELECT 'residences_principales_rp2009' AS indicator_id, t.level, t.code, t.geo_year, '2009' AS period,
       sum(s.residences_principales) AS value, NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator,
       NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, 'logements' AS unit, NULL::VARCHAR AS flags,
       'insee_rp_logement' AS source_id, NULL::VARCHAR AS source_sha256
FROM stg_insee_rp_logement s
JOIN int_commune_territory t ON t.codgeo = s.codgeo AND t.geo_year = 2011
GROUP BY ALL
"""

CATALOGUE = """
residences_principales_rp2009:
  label: Résidences principales (test)
  definition: Logements occupés de façon habituelle et à titre principal, au recensement
  formula: somme des résidences principales des communes du territoire
  unit: logements
  precision: 0
  source: insee_rp_logement
"""


def _copy_project(dest: Path) -> None:
    ignored = shutil.ignore_patterns(".venv", ".git", ".prefect", "landing", "store", "*.duckdb*", "out",
                                     "__pycache__", ".pytest_cache", ".ruff_cache", "origins.yml")
    shutil.copytree(PROJECT_ROOT, dest, ignore=ignored)


def _synthetic_delivery(path: Path) -> pd.DataFrame:
    """Every commune of the 2011 geography, with dwelling counts made up from the commune code (synthetic)."""
    membership = pd.read_parquet(PROJECT_ROOT / "sources/data/cog/appartenance_communes_cog2008_2024.parquet")
    communes = membership[membership["cog_year"] == 2011]
    code = communes["codgeo"].astype(str)
    frame = pd.DataFrame({"CODGEO": code, "LIBGEO": "Commune synthétique", "P09_LOG": 0, "P09_RP": 0,
                          "EPCI": communes["epci"].astype(str)})
    digits = code.str.replace(r"\D", "", regex=True).astype(int)
    frame["P09_RP"] = digits % 997 + 10
    frame["P09_LOG"] = frame["P09_RP"] + digits % 13
    frame.drop(columns="EPCI").to_csv(path, sep=";", index=False, encoding="latin-1")
    return frame


@pytest.mark.slow
def test_a_new_source_is_five_files(tmp_path):
    project = tmp_path / "project"
    _copy_project(project)
    written = {
        project / "sources" / "insee_rp_logement.py": MODULE,
        project / "transforms/sql/staging/stg_insee_rp_logement.sql": STAGING,
        project / "transforms/sql/staging/stg_insee_rp_logement.yml": STAGING_YAML,
        project / "transforms/sql/intermediate/int_indicators_logement.sql": INDICATOR,
    }
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    catalogue = project / "transforms/indicators.yml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + CATALOGUE, encoding="utf-8")

    delivery = tmp_path / "delivery" / "base-cc-logement-2009.csv"
    delivery.parent.mkdir()
    expected = _synthetic_delivery(delivery)
    origins = tmp_path / "origins.yml"
    origins.write_text(f"insee_rp_logement:\n  - {delivery}\n", encoding="utf-8")

    env = {**os.environ, "OBSERVATOIRE_HOME": str(tmp_path / "home"), "OBSERVATOIRE_ORIGINS": str(origins)}
    env.pop("OBSERVATOIRE_DATA_DIR", None)
    run = subprocess.run(
        [sys.executable, "-c", "from flows.cli import app; app()", "run", "--force", "--no-prefect"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    con = duckdb.connect(str(tmp_path / "home" / "warehouse" / "observatoire.duckdb"), read_only=True)
    got = con.sql(
        "SELECT value FROM indicator_values WHERE indicator_id = 'residences_principales_rp2009' AND level = 'epci' "
        "AND code = ? AND geo_year = 2011 AND period = '2009'", params=[EPCI],
    ).fetchall()
    label = con.sql("SELECT label FROM indicator_catalogue WHERE id = 'residences_principales_rp2009'").fetchall()
    documented = con.sql(
        "SELECT column_name FROM data_dictionary WHERE table_name = 'stg_insee_rp_logement' AND description <> ''"
    ).fetchall()
    con.close()
    assert got == [(float(expected.loc[expected["EPCI"] == EPCI, "P09_RP"].sum()),)]
    assert label == [("Résidences principales (test)",)]
    assert {c for (c,) in documented} >= {"codgeo", "logements", "residences_principales"}
