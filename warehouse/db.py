"""DuckDB connections: offline (no extension download ever), one writer, readers read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb

OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect(path: Path | str, read_only: bool = False, memory_limit: str = "8GB") -> duckdb.DuckDBPyConnection:
    config = {**OFFLINE, "memory_limit": memory_limit}
    return duckdb.connect(str(path), read_only=read_only, config=config)


def connect_readonly(path: Path | str) -> duckdb.DuckDBPyConnection:
    """What analysts and reports use: never blocks the nightly build, which writes another file."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no published warehouse at {path}: run `observatoire run` first")
    return connect(path, read_only=True)
