"""Origins of the sources: the paths or URLs a deployment configures in origins.yml (origins.example.yml), checked
against the registry (an unknown id or key is an error naming the file, never ignored)."""

from __future__ import annotations

from pathlib import Path

from sources.errors import ConfigError
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import Origin, Settings
from sources.ingestion.yaml_config import OriginEntry, read_yaml, validate_entry


def configured_origins(settings: Settings) -> dict[str, list[Origin]]:
    """Origins configured for sources (see origins.example.yml); empty when no file is there.

    Strict: an unknown source id, an unknown key or a YAML syntax error is a ConfigError naming the file (and
    line), never ignored (a typo would silently fall back to the bundled files)."""
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
