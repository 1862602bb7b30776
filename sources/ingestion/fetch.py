"""Fetch a source file (local path or http(s) URL) into the landing area, once per distinct content.

landing/<source_id>/<sha256>/<filename> is written once and never overwritten; landing/manifest.jsonl records
every fetch (source, origin, fetched_at, sha256, bytes), rewritten atomically (a corrupt manifest is rebuilt
from the landed files). An origin that cannot be read or downloaded completely is a FetchError (the source is
quarantined); a failure to write the landing area is an InfrastructureError naming the path (the run stops).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from sources.errors import FetchError, InfrastructureError

CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 2 << 30  # 2 GiB: larger than any INSEE commune file, small enough to stop a runaway response
_manifest_lock = threading.Lock()  # sources are fetched by parallel task threads


@dataclass(frozen=True)
class LandedFile:
    source_id: str
    origin: str
    filename: str
    sha256: str
    bytes: int
    path: str
    fetched_at: str


@contextmanager
def storage(path: Path | str):
    """Writes to the pipeline's own storage: an OSError there (not writable, disk full) is infrastructure."""
    try:
        yield
    except InfrastructureError:
        raise
    except OSError as exc:
        where = exc.filename or path
        raise InfrastructureError(f"cannot write {where}: {exc.strerror or exc}") from exc


def is_url(origin: str) -> bool:
    return urlparse(origin).scheme in ("http", "https")


def _copy_stream(src, dst, max_bytes: int, origin: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while True:
        try:
            chunk = src.read(CHUNK)
        except (OSError, http.client.HTTPException) as exc:  # unreadable origin, connection cut, short body
            raise FetchError(f"{origin}: read failed after {size} bytes: {type(exc).__name__}: {exc}") from exc
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{origin}: larger than the size limit of {max_bytes} bytes")
        digest.update(chunk)
        with storage(dst.name):
            dst.write(chunk)
    return digest.hexdigest(), size


def _download(url: str, dst, timeout: float, retries: int, backoff: float, max_bytes: int) -> tuple[str, int]:
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        dst.seek(0)
        dst.truncate()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
                declared = resp.headers.get("Content-Length")
                if declared and int(declared) > max_bytes:
                    raise FetchError(f"{url}: Content-Length {declared} exceeds the size limit of {max_bytes} bytes")
                sha, size = _copy_stream(resp, dst, max_bytes, url)
                if declared and int(declared) != size:  # a body cut short (or padded) is not the file
                    raise FetchError(f"{url}: received {size} bytes, Content-Length announced {declared}")
                return sha, size
        except urllib.error.HTTPError as exc:
            last = exc
            if exc.code < 500 and exc.code != 429:  # a client error will not heal by retrying
                break
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, FetchError) as exc:
            if isinstance(exc, FetchError) and "size limit" in str(exc):
                raise
            last = exc  # network faults and short bodies are retried
    raise FetchError(f"{url}: failed after {retries + 1} attempt(s): {last}")


def fetch(
    source_id: str,
    origin: str | os.PathLike,
    landing_dir: Path,
    *,
    expected_sha256: str | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LandedFile:
    """Copy or download `origin` into the landing area and return what was stored."""
    origin = str(origin)
    filename = Path(urlparse(origin).path).name if is_url(origin) else Path(origin).name
    with storage(landing_dir):
        landing_dir.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.NamedTemporaryFile(dir=landing_dir, prefix=".fetch-", delete=False)  # noqa: SIM115
    with tmp:
        try:
            if is_url(origin):
                sha, size = _download(origin, tmp, timeout, retries, backoff, max_bytes)
            else:
                if not Path(origin).is_file():
                    raise FetchError(f"{origin}: no such file")
                try:
                    src = open(origin, "rb")  # noqa: SIM115
                except OSError as exc:
                    raise FetchError(f"{origin}: cannot be read: {exc.strerror or exc}") from exc
                with src:
                    sha, size = _copy_stream(src, tmp, max_bytes, origin)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    if expected_sha256 and sha != expected_sha256.lower():
        Path(tmp.name).unlink(missing_ok=True)
        raise FetchError(
            f"{origin}: sha256 {sha} differs from the expected {expected_sha256} "
            "(origins.yml or sources/data/SHA256SUMS)"
        )
    target = landing_dir / source_id / sha / filename
    with storage(target):
        if target.exists():
            Path(tmp.name).unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp.name, target)
    landed = LandedFile(source_id, origin, filename, sha, size, str(target), datetime.now(UTC).isoformat())
    append_manifest(landing_dir, landed)
    return landed


def read_manifest(landing_dir: Path) -> tuple[list[dict], str | None]:
    """The manifest's records, and a problem when it could not be read (then rebuilt from the landed files)."""
    path = landing_dir / "manifest.jsonl"
    if not path.exists():
        return [], None
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()], None
    except (ValueError, UnicodeDecodeError) as exc:
        return _manifest_from_landing(landing_dir), f"{path}: unreadable ({exc}); rebuilt from the landed files"


def _manifest_from_landing(landing_dir: Path) -> list[dict]:
    records = []
    for file in sorted(landing_dir.glob("*/*/*")):
        if file.is_file():
            stat = file.stat()
            records.append(
                {
                    "source_id": file.parents[1].name,
                    "origin": "(rebuilt from landing)",
                    "filename": file.name,
                    "sha256": file.parent.name,
                    "bytes": stat.st_size,
                    "path": str(file),
                    "fetched_at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
                }
            )
    return records


def append_manifest(landing_dir: Path, landed: LandedFile) -> None:
    """Rewrite the manifest with one more record, atomically (a killed run never leaves half a line)."""
    path = landing_dir / "manifest.jsonl"
    with _manifest_lock, storage(path):
        records, _ = read_manifest(landing_dir)
        records.append(asdict(landed))
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def combined_sha256(files: list[LandedFile]) -> str:
    """One content hash for a source made of several files (order-independent)."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.filename):
        digest.update(f"{f.filename}:{f.sha256}\n".encode())
    return digest.hexdigest()
