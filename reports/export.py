"""Annual publication snapshots: `exports/<year>/` with, per mart, Parquet + CSV, metadata.json, SHA256SUMS.

Year rule (documented in the README): the snapshot of year Y holds, for each mart, the rows of the latest
geography vintage available in that mart that is ≤ Y (« millesime_geo »), and only the data periods that end no
later than Y (« recensement » / « periode » / « trimestre »: '2009', '1999-2009' and '2009-T4' end in 2009).
The reproduction table is exported whole (it documents the diagnostic, not a period).

A year before the first geography vintage or after the last one of the warehouse raises `YearOutOfRange` (a
ValueError) before anything is written.

Every number is rounded to its indicator's precision (`indicator_catalogue.precision`; counts become integers):
float sums are not bit-stable across two builds of the same inputs (≈1e-14), rounded values are, so two builds of
the same inputs give byte-identical files and the same SHA256SUMS. metadata.json holds no wall-clock time for
the same reason: a snapshot is identified by its sources' content hashes and the pipeline version.

CSV in the French convention (`;`, decimal comma, UTF-8 with BOM) by default; `plain_csv` adds `,`/`.` twins.
Rows are sorted on the mart's key; the folder is written beside the old one and swapped in at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sources.fetch import file_sha256
from sources.registry import COG_ATTRIBUTION, SOURCES

CSV_CONVENTION = "separator ';', decimal ',', UTF-8 with BOM"
GEO_COLUMN, PERIOD_COLUMNS = "millesime_geo", ("recensement", "periode", "trimestre")


def exported_tables() -> dict[str, tuple[list[str], str | None, str | None]]:
    """Table → (key columns to sort on, geography column, period column) of every exported table. A table declares
    itself: a model by its header key `Export key: <columns>`, a table made outside the models by `export key` in
    warehouse/tables.yml. The year rule filters on the key's `millesime_geo` and on its first period column."""
    from transforms.runner import discover
    from warehouse.build import TABLES_PATH

    declared = {name: model.export_key for name, model in discover().items() if model.export_key}
    tables = yaml.safe_load(TABLES_PATH.read_text(encoding="utf-8"))
    declared |= {name: entry["export key"] for name, entry in tables.items() if entry.get("export key")}
    return {
        name: (keys, GEO_COLUMN if GEO_COLUMN in keys else None, next((c for c in keys if c in PERIOD_COLUMNS), None))
        for name, keys in sorted(declared.items())
    }


MARTS = exported_tables()


# Exported number column → the indicator whose catalogue precision rounds it (a trailing * takes the largest
# precision of the ids it prefixes), or a fixed number of decimals for columns that are no catalogue indicator.
# A number column missing here stops the export: every published number is rounded on purpose.
COLUMN_PRECISION: dict[str, str | int] = {
    "population": "population",
    "population_debut": "population",
    "population_fin": "population",
    "variation": "population_variation",
    "taux_annuel_compose_pct": "taux_variation_annuel_moyen_compose",
    "taux_annuel_lineaire_pct": "taux_variation_annuel_moyen_lineaire",
    "taux_solde_naturel_pct": "taux_variation_annuel_solde_naturel",
    "taux_solde_migratoire_pct": "taux_variation_annuel_solde_migratoire_apparent",
    "taux_natalite_pour_mille": "taux_natalite",
    "taux_mortalite_pour_mille": "taux_mortalite",
    "naissances": "naissances",
    "deces": "deces",
    "solde_naturel": "solde_naturel",
    "solde_migratoire_apparent": "solde_migratoire_apparent",
    # base comparateur de territoires (mart_logement, mart_activite, mart_densite) and FiLoSoFi (mart_revenus)
    "menages": "menages",
    "logements": "logements",
    "residences_principales": "residences_principales",
    "residences_secondaires": "residences_secondaires",
    "logements_vacants": "logements_vacants",
    "residences_principales_proprietaires": "residences_principales_proprietaires",
    "taux_vacance_pct": "taux_vacance_logements",
    "part_residences_secondaires_pct": "part_residences_secondaires",
    "part_proprietaires_pct": "part_proprietaires",
    "emplois_lieu_travail": "emplois_lieu_travail",
    "emplois_salaries_lieu_travail": "emplois_salaries_lieu_travail",
    "population_15_64_ans": "population_15_64_ans",
    "actifs_15_64_ans": "actifs_15_64_ans",
    "chomeurs_15_64_ans": "chomeurs_15_64_ans",
    "taux_activite_15_64_pct": "taux_activite_15_64_ans",
    "taux_chomage_recensement_15_64_pct": "taux_chomage_recensement_15_64_ans",
    "emplois_pour_100_actifs_occupes": "emplois_par_actif_occupe_15_64_ans",
    "etablissements_actifs": "etablissements_actifs",
    "superficie_km2": "superficie",
    "densite_hab_km2": "densite_population",
    "mediane_niveau_vie": "mediane_niveau_vie",
    "premier_quartile_niveau_vie": "premier_quartile_niveau_vie",
    "troisieme_quartile_niveau_vie": "troisieme_quartile_niveau_vie",
    "premier_decile_niveau_vie": "premier_decile_niveau_vie",
    "neuvieme_decile_niveau_vie": "neuvieme_decile_niveau_vie",
    "rapport_interdecile_d9_d1": "rapport_interdecile_d9_d1",
    "indice_gini": "indice_gini_niveau_vie",
    "taux_pauvrete_pct": "taux_pauvrete",
    "part_menages_fiscaux_imposes_pct": "part_menages_fiscaux_imposes",
    "menages_fiscaux": "menages_fiscaux",
    "personnes_menages_fiscaux": "personnes_menages_fiscaux",
    "pop_moins_20_ans": "pop_moins_20_ans",
    "pop_60_ans_et_plus": "pop_60_ans_et_plus",
    "indice_jeunesse": "indice_jeunesse",
    "part_moins_20_ans_pct": "part_moins_20_ans",
    "part_60_ans_et_plus_pct": "part_60_ans_et_plus",
    "taux_chomage_pct": "taux_chomage",
    "effectif_salarie_prive": "effectif_salarie_prive",
    "variation_brute": "variation_effectif_salarie_prive",
    "variation_relative_pct": "taux_variation_effectif_salarie_prive",
    "part_pct": "part_diplome_*",
    "effectif": 0,  # people holding the diploma (numerator of part_pct)
    "population_non_scolarisee_15p": 0,
    "part_actifs_residence_pct": "part_regionale_actifs_lieu_residence",
    "part_emplois_travail_pct": "part_regionale_emplois_lieu_travail",
    "deces_observes": "deces",
    "deces_attendus": 1,  # an expected count (sum of rates × population), not a count of people
    "icm": "icm",
    "icm_ic95_bas": "icm",
    "icm_ic95_haut": "icm",
    "icm_ic998_bas": "icm",
    "icm_ic998_haut": "icm",
    "taux_standardise_100000": "taux_standardise_mortalite",
    "ts_ic95_bas": "taux_standardise_mortalite",
    "ts_ic95_haut": "taux_standardise_mortalite",
}
# reproduction: the published value at its printed precision, computed values with two more decimals (so that a
# difference below the printed precision stays visible)
REPRODUCTION_EXTRA_DECIMALS = 2
REPRODUCTION_VALUES = ("computed_value", "computed_other_convention", "difference")
NUMBER_TYPES = ("DOUBLE", "FLOAT", "REAL")


class YearOutOfRange(ValueError):
    """The snapshot year is outside the geography vintages of the warehouse: nothing to export."""


def available_years(con: duckdb.DuckDBPyConnection) -> range:
    """Years a snapshot can be made for: from the first to the last geography vintage of the indicator values."""
    first, last = con.sql("SELECT min(geo_year), max(geo_year) FROM indicator_values").fetchall()[0]
    return range(int(first), int(last) + 1)


def check_year(con: duckdb.DuckDBPyConnection, year: int) -> None:
    years = available_years(con)
    if year not in years:
        raise YearOutOfRange(
            f"no data for year {year}: the warehouse holds geography vintages {years.start}–{years.stop - 1}; "
            f"choose a year in {years.start}–{years.stop - 1}"
        )


def precisions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Decimals of every exported number column (from the indicator catalogue)."""
    catalogue = {k: int(float(p)) for k, p in con.sql("SELECT id, precision FROM indicator_catalogue").fetchall()}
    out = {}
    for column, rule in COLUMN_PRECISION.items():
        if isinstance(rule, int):
            out[column] = rule
        elif rule.endswith("*"):
            out[column] = max(p for k, p in catalogue.items() if k.startswith(rule[:-1]))
        else:
            out[column] = catalogue[rule]
    return out


def _select_list(con: duckdb.DuckDBPyConnection, mart: str, decimals: dict[str, int]) -> str:
    """Columns of the mart, numbers rounded: precision 0 → BIGINT, else round(x, p)."""
    columns = con.sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{mart}' AND table_catalog = current_database() ORDER BY ordinal_position"
    ).fetchall()
    out = []
    for name, dtype in columns:
        quoted = f'"{name}"'
        if dtype == '"NULL"':  # a column of NULLs only: typed as text so that Parquet and CSV agree
            out.append(f"CAST({quoted} AS VARCHAR) AS {quoted}")
        elif dtype not in NUMBER_TYPES:
            out.append(quoted)
        elif mart == "reproduction" and name == "published_value":
            out.append(f"round({quoted}, CAST(precision AS INTEGER)) AS {quoted}")
        elif mart == "reproduction" and name not in ("precision", *REPRODUCTION_VALUES):
            out.append(f"round({quoted}, 6) AS {quoted}")  # evidence: shares, ratios
        elif mart == "reproduction" and name != "precision":
            out.append(f"round({quoted}, CAST(precision AS INTEGER) + {REPRODUCTION_EXTRA_DECIMALS}) AS {quoted}")
        elif mart == "reproduction":
            out.append(f"CAST({quoted} AS INTEGER) AS {quoted}")
        elif name not in decimals:
            raise ValueError(f"{mart}.{name}: number column without a precision (add it to COLUMN_PRECISION)")
        elif decimals[name] == 0:
            out.append(f"CAST(round({quoted}) AS BIGINT) AS {quoted}")
        else:
            out.append(f"round({quoted}, {decimals[name]}) AS {quoted}")
    return ", ".join(out)


def _query(mart: str, year: int, columns: str = "*") -> str:
    keys, geo, period = MARTS[mart]
    where = []
    if geo:
        where.append(f"{geo} = (SELECT max({geo}) FROM {mart} WHERE {geo} <= {year})")
    if period:
        # last 4-digit year of the period text ('2009', '1999-2009', '2013-T1')
        where.append(f"CAST(regexp_extract({period}, '(\\d{{4}})(?:-T[1-4])?$', 1) AS INTEGER) <= {year}")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {columns} FROM {mart}{clause} ORDER BY {', '.join(keys)}"


def _french_csv(table: pa.Table, path: Path, plain: bool = False) -> None:
    # integers stay integers when a column has missing values (not 123.0)
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype()}.get)
    if plain:
        frame.to_csv(path, sep=",", index=False, encoding="utf-8", lineterminator="\n")
    else:
        frame.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig", lineterminator="\n")


def _sources(in_build: dict[str, tuple]) -> list[dict]:
    """Every registered source with its producer, licence and attribution; content hash and files when in the build."""
    out = []
    for source_id, spec in sorted(SOURCES.items()):
        sha256, files = in_build.get(source_id, (None, None))
        out.append(
            {
                "source_id": source_id,
                "producer": spec.producer,
                "product": spec.product,
                "licence": spec.licence,
                "attribution": spec.attribution,
                "sha256": None if sha256 is None else str(sha256),
                "files": None if files is None else str(files),
            }
        )
    return out


def export(
    con: duckdb.DuckDBPyConnection,
    year: int,
    out_root: Path,
    formats: tuple[str, ...] = ("csv", "parquet"),
    plain_csv: bool = False,
    progress=None,
) -> Path:
    """Write the snapshot of `year` under out_root/<year>/ (replacing any previous one) and return its path."""
    unknown = set(formats) - {"csv", "parquet"}
    if unknown:
        raise ValueError(f"unknown export format(s) {sorted(unknown)}; choose among csv, parquet")
    check_year(con, year)
    decimals = precisions(con)
    out_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=out_root))
    staging.chmod(0o755)  # mkdtemp creates 0700; a publication folder is for everyone to read
    try:
        rows, columns = {}, {}
        dictionary = con.sql("SELECT table_name, column_name, data_type, description FROM data_dictionary").df()
        for mart in MARTS:
            table = con.sql(_query(mart, year, _select_list(con, mart, decimals))).to_arrow_table()
            rows[mart] = table.num_rows
            columns[mart] = dictionary[dictionary.table_name == mart][
                ["column_name", "data_type", "description"]
            ].to_dict("records")
            if "parquet" in formats:
                # fixed writer settings: the same data gives the same bytes (no timestamps in the file)
                pq.write_table(table, staging / f"{mart}.parquet", compression="zstd", write_statistics=True)
            if "csv" in formats:
                _french_csv(table, staging / f"{mart}.csv")
                if plain_csv:
                    _french_csv(table, staging / f"{mart}.plain.csv", plain=True)
            if progress:
                progress(mart)
        in_build = {r[0]: r[1:] for r in con.sql("SELECT source_id, sha256, files FROM cfg_sources").fetchall()}
        metadata = {
            "snapshot_year": year,
            "year_rule": __doc__.split("Year rule (documented in the README): ")[1].split("\n\n")[0].replace("\n", " "),
            "pipeline_version": version("observatoire"),
            "licence": f"ODbL 1.0, derived database: {COG_ATTRIBUTION}",
            "csv_convention": CSV_CONVENTION + ("; *.plain.csv: ',' and '.'" if plain_csv else ""),
            "sources": _sources(in_build),
            "row_counts": rows,
            "columns": columns,
        }
        (staging / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
        sums = [f"{file_sha256(p)}  {p.name}" for p in sorted(staging.iterdir()) if p.is_file()]
        (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
        final = out_root / str(year)
        old = out_root / f".{year}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
        return final
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
