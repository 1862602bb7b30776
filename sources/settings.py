"""Where things live. Every path can be moved with an environment variable (tests use temporary folders)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


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

    @property
    def name(self) -> str:
        from urllib.parse import urlparse

        return Path(urlparse(self.location).path).name if "://" in self.location else Path(self.location).name


def configured_origins(settings: Settings) -> dict[str, list[Origin]]:
    """Origins configured for sources (see origins.example.yml); empty when no file is there.

    Strict: an unknown source id, an unknown key or a YAML syntax error is a ConfigError naming the file (and
    line), never ignored (a typo would silently fall back to the bundled files)."""
    from sources.errors import ConfigError
    from sources.registry import SOURCES
    from sources.yaml_config import OriginEntry, read_yaml, validate_entry

    path = settings.origins_path
    if path is None or not path.exists():
        return {}
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping « source id: [paths or URLs] », got {type(data).__name__}")
    unknown = sorted(set(data) - set(SOURCES))
    if unknown:
        raise ConfigError(f"{path}: unknown source id(s) {unknown}; valid ids: {', '.join(sorted(SOURCES))}")
    origins: dict[str, list[Origin]] = {}
    for source_id, entries in data.items():
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            where = f"{source_id}[{i}]"
            if isinstance(entry, dict):
                parsed = validate_entry(path, where, entry, OriginEntry)
                try:
                    origin = Origin(parsed.location(), parsed.sha256)
                except ValueError as exc:
                    raise ConfigError(f"{path}: {where}: {exc} (valid keys: path, sha256, url)") from exc
            elif isinstance(entry, str | Path) and str(entry):
                origin = Origin(str(entry))
            else:
                raise ConfigError(f"{path}: {where}: expected a path, a URL or {{url|path, sha256}}, got {entry!r}")
            origins.setdefault(source_id, []).append(origin)
    return origins
