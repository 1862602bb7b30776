"""The floor a full refresh is compared to: a minimal DuckDB script of the build's population outputs.

Every census projected through the passage tables onto every geography 2008–2024 and summed for every level
(commune, seven supra-communal levels, the configured groupings): the rows of the build's
`int_population_territory` (9.0 M rows from 8.5 M commune rows on the bundled data), with the same rules (copied
vintages start no walk, passage tables oriented by checking them, ratios recomputed where they do not sum to 1,
communes missing from a membership table take their zonings from the commune they come from). No validation, no
other model, no documentation: one in-memory DuckDB connection over the validated Parquet files.

    python benchmarks/minimal_population.py <validated dir>            # time the script
    python benchmarks/minimal_population.py <validated dir> --check    # also compare with the build's models
    python benchmarks/minimal_population.py <validated dir> --file F   # store the rows in a DuckDB file F

`--file` keeps the rows as the build must: written to a DuckDB file (the build's storage format, v1.4.0) and
checkpointed, instead of held in memory until the script exits.

`--check` runs the project's own models up to int_population_territory in the same process and asserts that the
two give the same rows (the script is a benchmark only if it does the same work).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import yaml

CONFIG = Path(__file__).resolve().parents[1] / "transforms" / "config.yml"

SQL = """
CREATE TEMP TABLE raw AS
    SELECT cog_year::INTEGER AS geo_year, codgeo, pop::BIGINT AS pop FROM read_parquet('{v}/insee_population.parquet');
-- a vintage equal to the previous one for ≥ 90 % of communes is a copy: it starts no walk
CREATE TEMP TABLE pop AS
    WITH y AS (SELECT geo_year, lag(geo_year) OVER (ORDER BY geo_year) AS prev
               FROM (SELECT DISTINCT geo_year FROM raw)),
    s AS (SELECT y.geo_year, avg((a.pop = b.pop)::INTEGER) AS eq FROM y
          JOIN raw a ON a.geo_year = y.geo_year JOIN raw b ON b.geo_year = y.prev AND b.codgeo = a.codgeo
          WHERE a.pop IS NOT NULL AND b.pop IS NOT NULL GROUP BY ALL)
    SELECT r.geo_year, CASE WHEN s.eq >= 0.9 THEN NULL WHEN r.geo_year < 2008 THEN r.geo_year
                            ELSE r.geo_year - 2 END AS census_year, r.codgeo, r.pop
    FROM raw r LEFT JOIN s USING (geo_year);
CREATE TEMP TABLE steps AS
    SELECT geo_year AS from_year, lead(geo_year) OVER (ORDER BY geo_year) AS to_year
    FROM (SELECT DISTINCT geo_year FROM pop) QUALIFY to_year IS NOT NULL;
-- each step's forward table: the delivered orientation whose rows all lead from the earlier to the later vintage
CREATE TEMP TABLE passage AS
    WITH d AS (SELECT from_year::INTEGER AS f, to_year::INTEGER AS t, cod_from, cod_to, ratio
               FROM read_parquet('{v}/insee_cog_passage.parquet')),
    c AS (SELECT s.from_year, s.to_year, 1 AS asis, cod_from, cod_to, ratio
          FROM steps s JOIN d ON f = from_year AND t = to_year
          UNION ALL
          SELECT s.from_year, s.to_year, 0, cod_from, cod_to, ratio
          FROM steps s JOIN d ON f = to_year AND t = from_year),
    ok AS (SELECT c.from_year, c.to_year, c.asis, count(*) = count(*) FILTER (WHERE a.codgeo IS NOT NULL
                  AND b.codgeo IS NOT NULL) AS valid
           FROM c LEFT JOIN pop a ON a.geo_year = c.from_year AND a.codgeo = c.cod_from
                  LEFT JOIN pop b ON b.geo_year = c.to_year AND b.codgeo = c.cod_to GROUP BY ALL),
    pick AS (SELECT from_year, to_year, arg_max(asis, valid::INTEGER * 2 + asis) AS asis FROM ok GROUP BY ALL),
    w AS (SELECT c.*, b.pop AS tp, sum(c.ratio) OVER p AS rs, count(*) OVER p AS n, sum(b.pop) OVER p AS tps
          FROM c JOIN pick USING (from_year, to_year, asis)
          LEFT JOIN pop b ON b.geo_year = c.to_year AND b.codgeo = c.cod_to
          WINDOW p AS (PARTITION BY c.from_year, c.to_year, c.cod_from))
    SELECT from_year, to_year, cod_from, cod_to,
           CASE WHEN abs(rs - 1) <= 1e-3 THEN ratio WHEN n = 1 THEN 1.0 WHEN tps > 0 THEN coalesce(tp, 0) / tps
                ELSE 1.0 / n END AS ratio
    FROM w;
-- forward walk, one vintage at a time: merges sum, splits share by ratio
CREATE TEMP TABLE projected AS
    WITH RECURSIVE y AS (SELECT geo_year, lead(geo_year) OVER (ORDER BY geo_year) AS nxt
                         FROM (SELECT DISTINCT geo_year FROM pop)),
    walk(census_year, geo_year, codgeo, pop, est) AS (
        SELECT census_year, geo_year, codgeo, pop::DOUBLE, false FROM pop
        WHERE pop IS NOT NULL AND census_year IS NOT NULL
        UNION ALL
        SELECT w.census_year, y.nxt, coalesce(p.cod_to, w.codgeo),
               CASE WHEN p.cod_from IS NULL THEN w.pop ELSE w.pop * p.ratio END,
               w.est OR (p.cod_from IS NOT NULL AND p.ratio < 1.0)
        FROM walk w JOIN y ON y.geo_year = w.geo_year AND y.nxt IS NOT NULL
        LEFT JOIN passage p ON p.from_year = w.geo_year AND p.to_year = y.nxt AND p.cod_from = w.codgeo)
    SELECT census_year, geo_year, codgeo, sum(pop) AS pop, bool_or(est) AS est
    FROM walk WHERE geo_year >= 2008 GROUP BY ALL;
-- membership: the delivered table, plus communes of the population table it misses (from the commune they come
-- from in that vintage, else their own row of the next vintage)
CREATE TEMP TABLE m AS
    WITH d AS (SELECT cog_year::INTEGER AS geo_year, codgeo, reg, dep, arr, coalesce(epci, 'ZZZZZZZZZ') AS epci,
                      ze2010, ze2020 FROM read_parquet('{v}/insee_cog_appartenance.parquet')),
    x AS (SELECT geo_year, codgeo FROM pop ANTI JOIN d USING (geo_year, codgeo) WHERE pop IS NOT NULL
            AND geo_year BETWEEN (SELECT min(geo_year) FROM d) AND (SELECT max(geo_year) FROM d)),
    l AS (SELECT x.geo_year, x.codgeo, min(s.cod_from) AS donor FROM x
          JOIN passage s ON s.to_year = x.geo_year AND s.cod_to = x.codgeo AND s.cod_from <> x.codgeo
          JOIN d ON d.geo_year = x.geo_year AND d.codgeo = s.cod_from GROUP BY ALL)
    SELECT * FROM d
    UNION ALL SELECT l.geo_year, l.codgeo, d.reg, d.dep, d.arr, d.epci, d.ze2010, d.ze2020
              FROM l JOIN d ON d.geo_year = l.geo_year AND d.codgeo = l.donor
    UNION ALL SELECT x.geo_year, x.codgeo, d.reg, d.dep, d.arr, d.epci, d.ze2010, d.ze2020
              FROM x JOIN d ON d.geo_year = x.geo_year + 1 AND d.codgeo = x.codgeo
              ANTI JOIN l ON l.geo_year = x.geo_year AND l.codgeo = x.codgeo;
-- every level from one join of the commune rows with the one-row-per-commune membership: communes summed per
-- combination of zonings (an integer id), then per level; groupings from their member territories
CREATE TEMP TABLE mz AS
    SELECT *, dense_rank() OVER (ORDER BY geo_year, epci, ze2010, ze2020, arr, dep, reg)::INTEGER AS zone FROM m;
CREATE TEMP TABLE z AS
    SELECT z.zone, p.census_year, sum(p.pop) AS pop, bool_or(p.est) AS est, count(*) AS n
    FROM projected p JOIN mz z USING (geo_year, codgeo) GROUP BY ALL;
CREATE TEMP TABLE supra AS
    WITH l AS (
        SELECT DISTINCT zone, geo_year, 'epci' AS level, epci AS code FROM mz WHERE epci <> 'ZZZZZZZZZ'
        UNION ALL SELECT DISTINCT zone, geo_year, 'ze2010', ze2010 FROM mz WHERE ze2010 IS NOT NULL
        UNION ALL SELECT DISTINCT zone, geo_year, 'ze2020', ze2020 FROM mz WHERE ze2020 IS NOT NULL
        UNION ALL SELECT DISTINCT zone, geo_year, 'arrondissement', arr FROM mz WHERE arr IS NOT NULL AND arr <> 'ZZZZ'
        UNION ALL SELECT DISTINCT zone, geo_year, 'departement', dep FROM mz
        UNION ALL SELECT DISTINCT zone, geo_year, 'region', reg FROM mz WHERE reg IS NOT NULL
        UNION ALL SELECT DISTINCT zone, geo_year, 'france_metro', 'FM' FROM mz WHERE dep NOT LIKE '97%')
    SELECT l.level, l.code, l.geo_year, z.census_year, sum(z.pop) AS pop, bool_or(z.est) AS est, sum(z.n)::BIGINT AS n
    FROM z JOIN l USING (zone) GROUP BY ALL;
CREATE TABLE population_territory AS
    SELECT 'commune' AS level, codgeo AS code, geo_year, census_year, pop, est AS estimated, 1::BIGINT AS n_communes
    FROM projected SEMI JOIN m USING (geo_year, codgeo)
    UNION ALL SELECT * FROM supra
    UNION ALL SELECT 'grouping', g.grouping_code, s.geo_year, s.census_year, sum(s.pop), bool_or(s.est),
                     sum(s.n)::BIGINT
    FROM (SELECT * FROM supra UNION ALL SELECT 'commune', codgeo, geo_year, census_year, pop, est, 1 FROM projected
          SEMI JOIN m USING (geo_year, codgeo)
          SEMI JOIN groupings g ON g.member_level = 'commune' AND g.member_code = codgeo) s
    JOIN groupings g ON g.member_level = s.level AND g.member_code = s.code GROUP BY ALL;
"""


def groupings() -> list[tuple[str, str, str]]:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["groupings"]
    return [(k, g["member_level"], str(c)) for k, g in cfg.items() for c in g["members"]]


def population_territory(con: duckdb.DuckDBPyConnection, validated: Path) -> int:
    con.execute("CREATE TEMP TABLE groupings (grouping_code VARCHAR, member_level VARCHAR, member_code VARCHAR)")
    con.executemany("INSERT INTO groupings VALUES (?, ?, ?)", groupings())
    con.execute(SQL.replace("{v}", validated.as_posix()))
    return con.sql("SELECT count(*) FROM population_territory").fetchall()[0][0]


def check(con: duckdb.DuckDBPyConnection, validated: Path) -> None:
    """Build the project's models that int_population_territory needs, in the same connection, and compare."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import pandas as pd

    from transforms import runner

    runner.load_config(con, pd.DataFrame({"source_id": ["x"], "sha256": ["x"]}))
    models = runner.discover()
    needed, todo = set(), ["int_population_territory"]
    while todo:
        name = todo.pop()
        if name in models and name not in needed:
            needed.add(name)
            todo += list(models[name].reads)
    for model in runner.order({k: v for k, v in models.items() if k in needed}):
        runner.run_model(con, model, validated)
    cols = "level, code, geo_year, census_year, round(pop, 6), estimated, n_communes"
    differ = con.sql(
        f"SELECT count(*) FROM ((SELECT {cols} FROM population_territory EXCEPT ALL SELECT {cols} FROM "
        f"int_population_territory) UNION ALL (SELECT {cols} FROM int_population_territory EXCEPT ALL "
        f"SELECT {cols} FROM population_territory))"
    ).fetchall()[0][0]
    n = con.sql("SELECT count(*) FROM int_population_territory").fetchall()[0][0]
    print(f"check: build's int_population_territory {n:,} rows; rows that differ: {differ}")
    if differ:
        raise SystemExit(1)


def main() -> None:
    validated = Path(sys.argv[1])
    started = time.perf_counter()
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    target = None
    if "--file" in sys.argv:
        given = sys.argv[sys.argv.index("--file") + 1:][:1]
        if not given or given[0].startswith("--") or Path(given[0]).exists():
            raise SystemExit("--file needs the path of a DuckDB file that does not exist yet (it is never overwritten)")
        target = Path(given[0])
        config["storage_compatibility_version"] = "v1.4.0"
    con = duckdb.connect(str(target or ":memory:"), config=config)
    rows = population_territory(con, validated)
    if target is not None:
        con.execute("CHECKPOINT")
    commune_rows = con.sql("SELECT count(*) FROM projected").fetchall()[0][0]
    print(f"minimal script: {commune_rows:,} commune rows, {rows:,} territory rows in "
          f"{time.perf_counter() - started:.1f} s")
    if "--check" in sys.argv[2:]:
        check(con, validated)


if __name__ == "__main__":
    main()
