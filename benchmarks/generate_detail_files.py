"""SYNTHETIC census detail files in INSEE's delivered layouts, France-sized, for the benchmarks (never real data,
never bundled): `RP<N>_mobpro_csv.zip` holding `FD_MOBPRO_<N>.csv` + `Varmod_MOBPRO_<N>.csv`, and
`RP<N>_migcom_csv.zip` holding `FD_MIGCOM_<N>.csv` + `Varmod_MIGCOM_<N>.csv` (`;`-separated, IPONDI with 15
decimals and a decimal comma, codes as text; every column the parser does not read is filled with a plausible
code, so that the file is as wide as a delivery).

Residences are drawn in proportion to the real commune populations of the bundled COG (population table,
geography N+2); destinations: the same commune (40 % of commuters, 75 % of residents for migrations), a commune
of the same département (uniform), a commune of 10 000 inhabitants or more anywhere (uniform), abroad (99999).
The real COG has no coordinates: no distance model.

    python benchmarks/generate_detail_files.py OUT_DIR [--mobpro 7500000] [--migcom 20000000] [--edition 2021]
"""

from __future__ import annotations

import argparse
import shutil
import time
import zipfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
POPULATION = ROOT / "sources" / "data" / "cog" / "population_communes_cog1968_2024.parquet"
# Columns of the deliveries beyond those the parser reads (filled with a constant plausible code).
MOBPRO_OTHER = ["DCFLT", "REGLT", "DEROU", "DIPL", "EMPL", "ILT", "INATC", "INEEM", "INPOM", "INPSM", "LPRM",
                "MOCO", "NA17", "NA5", "NPERR", "STAT_CONJ", "STOCD", "TP", "TYPL", "TYPMR", "VOIT"]
MIGCOM_OTHER = ["CATL", "DIPL", "EMPL", "ILETUD", "ILT", "INATC", "INPER", "LPRM", "METRODOM", "MOCO", "NA5",
                "NPERR", "REGION", "STAT_CONJ", "STOCD", "TACT", "TYPL", "TYPMR", "VOIT"]


def _communes(con: duckdb.DuckDBPyConnection, geo_year: int) -> None:
    con.execute(f"""
        CREATE TABLE communes AS
        SELECT codgeo, pop::DOUBLE AS pop,
               CASE WHEN codgeo LIKE '97%' THEN left(codgeo, 3) ELSE left(codgeo, 2) END AS dep
        FROM read_parquet('{POPULATION.as_posix()}')
        WHERE cog_year = {geo_year} AND pop > 0""")
    con.execute("CREATE TABLE deps AS SELECT dep, list(codgeo ORDER BY codgeo) AS c FROM communes GROUP BY dep")
    con.execute("CREATE TABLE poles AS SELECT list(codgeo ORDER BY codgeo) AS c FROM communes WHERE pop >= 10000")


def _rows(con: duckdb.DuckDBPyConnection, n: int, stay: float) -> str:
    """A SELECT of n synthetic individuals: residence ∝ population, destination by the shares above."""
    total = con.sql("SELECT sum(pop) FROM communes").fetchall()[0][0]
    return f"""
        WITH k AS (SELECT codgeo, dep, round(pop * {n} / {total})::BIGINT AS n FROM communes),
        p AS (SELECT k.codgeo, k.dep, random() AS r, random() AS r2 FROM k, range(k.n)),
        d AS (
            SELECT p.*, CASE
                WHEN r < {stay} THEN codgeo
                WHEN r < {stay + (1 - stay) * 0.7} THEN list_element(deps.c, 1 + floor(r2 * len(deps.c))::INTEGER)
                WHEN r < 0.99 THEN list_element(poles.c, 1 + floor(r2 * len(poles.c))::INTEGER)
                ELSE '99999' END AS dest
            FROM p JOIN deps USING (dep), poles
        )
        SELECT codgeo AS COMMUNE, 'ZZZZZ' AS ARM, dest,
               (15 + 5 * floor(random() * 10))::INTEGER::VARCHAR AS AGEREVQ,
               (1 + floor(random() * 6))::INTEGER::VARCHAR AS CS1,
               replace(printf('%.15f', 0.8 + random() * 4), '.', ',') AS IPONDI,
               (1 + floor(random() * 2))::INTEGER::VARCHAR AS SEXE,
               (1 + floor(random() * 6))::INTEGER::VARCHAR AS code6
        FROM d"""


def _zip(csv: Path, varmod: str, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.write(csv, csv.name)
        archive.writestr(csv.name.replace("FD_", "Varmod_"), varmod)


def generate(out: Path, mobpro: int, migcom: int, edition: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET memory_limit='1GB'")
    con.execute("SELECT setseed(0.23)")
    _communes(con, edition + 2)
    written = []
    for kind, n, stay, other in (("MOBPRO", mobpro, 0.4, MOBPRO_OTHER), ("MIGCOM", migcom, 0.75, MIGCOM_OTHER)):
        if not n:
            continue
        started = time.perf_counter()
        csv = out / f"FD_{kind}_{edition}.csv"
        fill = ", ".join(f"'Z' AS {c}" for c in other)
        if kind == "MOBPRO":
            select = (f"SELECT COMMUNE, ARM, dest AS DCLT, AGEREVQ, CS1, IPONDI, SEXE, code6 AS TRANS, {fill} "
                      f"FROM ({_rows(con, n, stay)})")
        else:
            iran = "CASE WHEN dest = COMMUNE THEN '1' WHEN dest = '99999' THEN '7' ELSE '3' END"
            select = (f"SELECT COMMUNE, ARM, dest AS DCRAN, {iran} AS IRAN, AGEREVQ, CS1, IPONDI, SEXE, {fill} "
                      f"FROM ({_rows(con, n, stay)})")
        con.execute(f"COPY ({select}) TO '{csv.as_posix()}' (HEADER, DELIMITER ';', QUOTE '')")
        varmod = ("COD_VAR;LIB_VAR;COD_MOD;LIB_MOD;TYPE_VAR;LONG_VAR\n"
                  "SEXE;Sexe;1;Hommes;CHAR;1\nSEXE;Sexe;2;Femmes;CHAR;1\n")
        target = out / f"RP{edition}_{kind.lower()}_csv.zip"
        _zip(csv, varmod, target)
        rows = con.sql(f"SELECT count(*) FROM read_csv('{csv.as_posix()}', delim=';', header=true)").fetchall()[0][0]
        csv.unlink()
        print(f"{target.name}: {rows} rows (SYNTHETIC), {target.stat().st_size / 1e6:.0f} MB zipped, "
              f"{time.perf_counter() - started:.0f} s")
        written.append(target)
    con.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--mobpro", type=int, default=7_500_000)
    parser.add_argument("--migcom", type=int, default=20_000_000)
    parser.add_argument("--edition", type=int, default=2021)
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        shutil.rmtree(args.out)
    generate(args.out, args.mobpro, args.migcom, args.edition)


if __name__ == "__main__":
    main()
