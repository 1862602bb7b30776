"""Strict YAML loading: a syntax error names the file and line, a schema error names the key and the valid ones.

Every YAML the pipeline reads goes through `load(path, Model)` with a pydantic model that forbids unknown keys;
the models of the transforms' and reports' files are in `flows/configuration.py`, the origins' here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

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
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from exc


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (dict[str, M], list[M], M | None …)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(get_args(annotation)):
        if found := _model_in(arg):
            return found
    return None


def _valid_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed where the unknown key `loc[-1]` was found (for a message that lists them)."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return []
        fields = current.model_fields
        if part in fields:
            current = _model_in(fields[part].annotation) or current
        elif "root" in fields:
            current = _model_in(fields["root"].annotation)
        # else: a free key of a dict (an id, a name): the value's model is already `current`
    if current is not None and "root" in current.model_fields:
        current = _model_in(current.model_fields["root"].annotation)
    return sorted(current.model_fields) if current is not None else []


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

    @field_validator("sha256", mode="before")
    @classmethod
    def _hex_digest(cls, value: Any) -> Any:
        if isinstance(value, int | float):  # YAML reads a digest of digits only as a number: its zeros are lost
            raise ValueError("YAML read this sha256 as a number; write it in quotes: sha256: \"…\"")
        if isinstance(value, str) and not (len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)):
            raise ValueError(f"a sha256 is 64 hexadecimal digits, got {len(value)} characters: {value!r}")
        return value

    def location(self) -> str:
        if bool(self.url) == bool(self.path):
            raise ValueError("give exactly one of url or path")
        return str(self.url or self.path)

