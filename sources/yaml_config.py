"""Strict YAML loading: a syntax error names the file and line, a schema error names the key and the valid ones.

Every YAML the pipeline reads goes through `load(path, Model)` with a pydantic model that forbids unknown keys;
the models of the transforms' and reports' files are in `flows/configuration.py`, the origins' here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from sources.errors import ConfigError


class Strict(BaseModel):
    """A YAML mapping whose keys are all known (a typo is an error, never ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from exc


def _valid_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed at `loc` (for a message that lists them)."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if fields and part in fields:
            current = fields[part].annotation
            current = getattr(current, "__args__", [current])[-1] if not hasattr(current, "model_fields") else current
        else:
            args = getattr(current, "__args__", None)
            current = args[-1] if args else None
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def validate(path: Path, data: Any, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:10]:
            loc = ".".join(str(p) for p in error["loc"] if p not in ("root",)) or "(top level)"
            if error["type"] == "extra_forbidden":
                valid = _valid_keys(model, tuple(p for p in error["loc"] if p != "root"))
                problems.append(f"unknown key {loc!r}" + (f"; valid keys: {', '.join(valid)}" if valid else ""))
            else:
                problems.append(f"{loc}: {error['msg']}")
        raise ConfigError(f"{path}: " + "; ".join(problems)) from exc


def validate_entry(path: Path, where: str, data: Any, model: type[BaseModel]) -> Any:
    """One mapping of a YAML file through `model`; errors say where in the file (`where`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:10]:
            loc = ".".join(str(p) for p in error["loc"])
            if error["type"] == "extra_forbidden":
                problems.append(f"unknown key {loc!r}; valid keys: {', '.join(sorted(model.model_fields))}")
            else:
                problems.append(f"{loc or '(entry)'}: {error['msg']}")
        raise ConfigError(f"{path}: {where}: " + "; ".join(problems)) from exc


def load(path: Path, model: type[BaseModel]) -> Any:
    return validate(path, read_yaml(path), model)


class OriginEntry(Strict):
    """One file of a source: a local path or an http(s) URL, optionally with its expected sha256."""

    url: str | None = None
    path: str | None = None
    sha256: str | None = None

    def location(self) -> str:
        if bool(self.url) == bool(self.path):
            raise ValueError("give exactly one of url or path")
        return str(self.url or self.path)

