"""DuckDB connections: offline (no extension download ever), one writer, readers read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb

OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect(
    path: Path | str, read_only: bool = False, memory_limit: str = "8GB", storage_version: str | None = None
) -> duckdb.DuckDBPyConnection:
    """`storage_version` applies when the call creates the file (e.g. 'v1.4.0': readable by DuckDB 1.4 clients)."""
    config = {**OFFLINE, "memory_limit": memory_limit}
    if storage_version:
        config["storage_compatibility_version"] = storage_version
    return duckdb.connect(str(path), read_only=read_only, config=config)


def connect_readonly(path: Path | str) -> duckdb.DuckDBPyConnection:
    """What analysts and reports use: never blocks the nightly build, which writes another file."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no published warehouse at {path}: run `observatoire run` first")
    return connect(path, read_only=True)
