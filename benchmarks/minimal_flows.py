"""The floor of the census-flow aggregation: a minimal DuckDB script doing the same work as the pipeline's
partitioned aggregation (sources/insee_rp_flux.py), in one query per file and no partitions.

For each delivered zip: extract the FD_*.csv member to disk, then one GROUP BY over the whole CSV (residence,
destination commune, mode or IRAN, age band, sex, CS; weights summed exactly as DECIMAL(38,15)), sorted, written
as one Parquet file. No validation, no partitions, no pandas.

    python benchmarks/minimal_flows.py OUT_DIR RP2021_mobpro_csv.zip RP2021_migcom_csv.zip
"""

from __future__ import annotations

import shutil
import sys
import time
import zipfile
from pathlib import Path

import duckdb

AGE = ("CASE WHEN a < 15 THEN '00-14' WHEN a < 30 THEN '15-29' WHEN a < 45 THEN '30-44' WHEN a < 60 THEN '45-59' "
       "WHEN a < 75 THEN '60-74' ELSE '75+' END")


def commune_of(c: str) -> str:
    return (f"CASE WHEN {c} LIKE '751%' AND {c} <> '75056' THEN '75056' WHEN {c} LIKE '6938%' THEN '69123' "
            f"WHEN {c} LIKE '132%' AND {c} <> '13055' AND {c} < '13217' THEN '13055' ELSE {c} END")


def main() -> None:
    out, zips = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET memory_limit='500MB'")
    con.execute("SET preserve_insertion_order=false")
    for path in zips:
        started = time.perf_counter()
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.startswith("FD_"))
            csv = out / member
            with archive.open(member) as src, csv.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        dest, extra = ("DCLT", "TRANS") if "MOBPRO" in member else ("DCRAN", "IRAN")
        con.execute(f"""
            COPY (
              SELECT COMMUNE AS commune, NULLIF(ARM, 'ZZZZZ') AS arm, {dest} AS dest_code,
                     {commune_of(dest)} AS dest_commune, {extra} AS {extra.lower()},
                     {AGE.replace('a <', 'TRY_CAST(AGEREVQ AS INTEGER) <')} AS age_band, SEXE AS sex, CS1 AS cs1,
                     sum(CAST(replace(IPONDI, ',', '.') AS DECIMAL(38,15))) AS weight, count(*) AS records
              FROM read_csv('{csv.as_posix()}', delim=';', header=true, all_varchar=true)
              GROUP BY ALL ORDER BY ALL
            ) TO '{(out / (csv.stem + '.parquet')).as_posix()}' (FORMAT parquet)""")
        csv.unlink()
        print(f"{path.name}: {time.perf_counter() - started:.1f} s")
    con.close()


if __name__ == "__main__":
    main()
