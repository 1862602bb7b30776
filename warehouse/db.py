"""DuckDB connections: offline (no extension download ever), one writer, readers read-only and locked down.

An analyst connection (`observatoire sql`, the report and export reads, `connect_readonly` for Python users)
opens the published file read-only with `enable_external_access=false` and `lock_configuration=true`: it
answers every query on the warehouse and refuses COPY … TO, ATTACH, EXPORT DATABASE, INSTALL/LOAD, reading or
writing any other file, and `SET` of any option (each refusal is tested in tests/test_sql_lockdown.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
LOCKED = {"enable_external_access": False, "lock_configuration": True}


def connect(
    path: Path | str, read_only: bool = False, memory_limit: str = "8GB", storage_version: str | None = None
) -> duckdb.DuckDBPyConnection:
    """`storage_version` applies when the call creates the file (e.g. 'v1.4.0': readable by DuckDB 1.4 clients)."""
    config = {**OFFLINE, "memory_limit": memory_limit}
    if storage_version:
        config["storage_compatibility_version"] = storage_version
    return duckdb.connect(str(path), read_only=read_only, config=config)


def connect_readonly(path: Path | str, memory_limit: str = "8GB") -> duckdb.DuckDBPyConnection:
    """What analysts and reports use: never blocks the nightly build (which writes another file), never writes
    anything anywhere, never reads anything but the warehouse."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no published warehouse at {path}: run `observatoire run` first")
    # memory_limit is set here: lock_configuration forbids any later SET
    config = {**OFFLINE, "memory_limit": memory_limit, **LOCKED}
    return duckdb.connect(str(path), read_only=True, config=config)
