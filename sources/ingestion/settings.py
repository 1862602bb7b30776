"""Where things live. Every path can be moved with an environment variable (tests use temporary folders)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    data_dir: Path  # bundled official files (read-only)
    home: Path  # working state: landing/, warehouse/

    origins_path: Path | None = None  # YAML: source id → list of paths or URLs replacing the bundled files

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse" / "observatoire.duckdb"

    @property
    def store_dir(self) -> Path:
        """Last good validated parse of each source, quarantine reports, run state."""
        return self.home / "warehouse" / "store"

    @property
    def validated_dir(self) -> Path:
        return self.store_dir / "validated"

    @property
    def quarantine_dir(self) -> Path:
        return self.store_dir / "quarantine"

    @property
    def state_path(self) -> Path:
        return self.store_dir / "state.json"


def get_settings() -> Settings:
    return Settings(
        data_dir=Path(os.environ.get("OBSERVATOIRE_DATA_DIR", PROJECT_ROOT / "sources" / "data")),
        home=Path(os.environ.get("OBSERVATOIRE_HOME", PROJECT_ROOT)),
        origins_path=Path(os.environ.get("OBSERVATOIRE_ORIGINS", PROJECT_ROOT / "origins.yml")),
    )


@dataclass(frozen=True)
class Origin:
    """Where a file of a source comes from: a local path or an http(s) URL, and the sha256 it must have."""

    location: str
    sha256: str | None = None
    land_as: str | None = None  # the file name to land it under (None: its own name)

    @property
    def name(self) -> str:
        if self.land_as:
            return self.land_as
        return Path(urlparse(self.location).path).name if "://" in self.location else Path(self.location).name
