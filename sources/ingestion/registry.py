"""Every source the pipeline knows, discovered from the modules of the `sources` package.

A module (or package) under `sources/` that defines `SOURCES = [SourceSpec(...), ...]` is a producer's module:
its specs say who produces each source, where it officially lives, what is bundled, its licence, its parser and
the rules (expectations, completeness) its parsed frame must pass. Nothing else lists them: `SOURCES` (id → spec)
is built here, in the order of the modules' names and, within a module, of its list. A declaration that cannot
work (no expectations, an id declared twice, nothing bundled and no empty schema) stops the import with an error
naming the module. `official_urls` are the real addresses of the files the bundled copies come from (unreachable
from the build machine, documented so that a connected deployment can point the fetch step at them).
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from pathlib import Path

from expectations.rules import Batch, Expect
from sources.errors import SourceDeclarationError
from sources.ingestion.fetch import file_sha256
from sources.ingestion.scope import tagged
from sources.ingestion.settings import PROJECT_ROOT
from sources.spec import SourceSpec

NOT_PRODUCERS = {"ingestion"}  # the machinery itself (it imports the producers, never the reverse)


def _checked(module, spec: object, seen: dict[str, str]) -> SourceSpec:
    where = module.__file__
    if not isinstance(spec, SourceSpec):
        raise SourceDeclarationError(f"{where}: SOURCES holds {spec!r}, not a SourceSpec")
    if spec.id in seen:
        raise SourceDeclarationError(f"{where}: source {spec.id!r} is already declared in {seen[spec.id]}")
    if not spec.expectations:
        raise SourceDeclarationError(
            f"{where}: source {spec.id!r} declares no expectations; give it "
            "expectations=(Batch('rows', whole, [...]), ...) (expectations/rules.py)"
        )
    for batch in spec.expectations:
        rules = batch.expectations if isinstance(batch, Batch) else None
        if not rules or not all(isinstance(e, Expect) for e in rules):
            raise SourceDeclarationError(
                f"{where}: source {spec.id!r}: {batch!r} is not a Batch(name, build, [Expect, ...]) with rules"
            )
    if not spec.bundled and spec.empty is None:
        raise SourceDeclarationError(
            f"{where}: source {spec.id!r} bundles no file and gives no empty schema (empty=) to publish until "
            "an origin is configured"
        )
    seen[spec.id] = where
    return spec


def _module_files(module) -> list[Path]:
    """The files that make a producer's module: the module, or every file of its package."""
    where = Path(module.__file__).resolve()
    return sorted(where.parent.rglob("*.py")) if where.name == "__init__.py" else [where]


def discover(package: str = "sources") -> dict[str, SourceSpec]:
    """id → spec of every source declared by the modules of `package` (those with a `SOURCES` list)."""
    root = importlib.import_module(package)
    found: dict[str, SourceSpec] = {}
    seen: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if info.name in NOT_PRODUCERS:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        declared = getattr(module, "SOURCES", None)
        if declared is None:
            continue
        if not isinstance(declared, list | tuple):
            raise SourceDeclarationError(f"{module.__file__}: SOURCES must be a list of SourceSpec")
        for spec in declared:
            found[spec.id] = _checked(module, spec, seen)
            MODULE_FILES[spec.id] = _module_files(module)
    return found


MODULE_FILES: dict[str, list[Path]] = {}  # source id → the files of the module that declares it
SOURCES: dict[str, SourceSpec] = discover()
# What reads and checks every source besides its own module: parsing helpers, the rule engine, code tables.
_SHARED_READER_FILES = (
    "sources/parsing.py", "sources/spec.py", "sources/ingestion/scope.py", "sources/*.yml", "expectations/*.py"
)


def reader_fingerprint(source_id: str) -> str:
    """Hash of the code that turns a source's files into its validated content (its module's parser and rules,
    the shared parsing helpers and the rule engine): when it changes, unchanged files are parsed and validated
    again, so a tightened rule or a fixed parser applies to the data already there. The scope (scope.py)
    counts too: it sets the France-wide bounds."""
    shared = [p for pattern in _SHARED_READER_FILES for p in sorted(PROJECT_ROOT.glob(pattern))]
    return tagged(code_digest([*MODULE_FILES.get(source_id, []), *shared]))


def code_digest(files: list[Path]) -> str:
    """One hash of the project's files given (their paths in the project and their bytes, in the order given)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def document_extract_sources(validated_metas: dict[str, dict], data_dir: Path) -> set[str]:
    """Sources whose validated content includes one of their declared extract files (same sha256)."""
    found = set()
    for source_id, meta in validated_metas.items():
        spec = SOURCES.get(source_id)
        if spec is None or not spec.extract_files:
            continue
        extracts = {file_sha256(path) for path in (data_dir / f for f in spec.extract_files) if path.exists()}
        if extracts & {f["sha256"] for f in meta.get("files", [])}:
            found.add(source_id)
    return found
