"""Fetch a source file (local path or http(s) URL) into the landing area, once per distinct content.

landing/<source_id>/<sha256>/<filename> is written once and never overwritten; landing/manifest.jsonl records
every fetch (source, origin, fetched_at, sha256, bytes).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from sources.errors import FetchError

CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 2 << 30  # 2 GiB: larger than any INSEE commune file, small enough to stop a runaway response


@dataclass(frozen=True)
class LandedFile:
    source_id: str
    origin: str
    filename: str
    sha256: str
    bytes: int
    path: str
    fetched_at: str


def _is_url(origin: str) -> bool:
    return urlparse(origin).scheme in ("http", "https")


def _copy_stream(src, dst, max_bytes: int, origin: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{origin}: larger than the size limit of {max_bytes} bytes")
        digest.update(chunk)
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
                return _copy_stream(resp, dst, max_bytes, url)
        except urllib.error.HTTPError as exc:
            last = exc
            if exc.code < 500 and exc.code != 429:  # a client error will not heal by retrying
                break
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
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
    filename = Path(urlparse(origin).path).name if _is_url(origin) else Path(origin).name
    landing_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=landing_dir, prefix=".fetch-", delete=False) as tmp:
        try:
            if _is_url(origin):
                sha, size = _download(origin, tmp, timeout, retries, backoff, max_bytes)
            else:
                if not Path(origin).is_file():
                    raise FetchError(f"{origin}: no such file")
                with open(origin, "rb") as src:
                    sha, size = _copy_stream(src, tmp, max_bytes, origin)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    if expected_sha256 and sha != expected_sha256.lower():
        Path(tmp.name).unlink(missing_ok=True)
        raise FetchError(f"{origin}: sha256 {sha} differs from the expected {expected_sha256}")
    target = landing_dir / source_id / sha / filename
    if target.exists():
        Path(tmp.name).unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp.name, target)
    landed = LandedFile(source_id, origin, filename, sha, size, str(target), datetime.now(UTC).isoformat())
    with open(landing_dir / "manifest.jsonl", "a", encoding="utf-8") as manifest:
        manifest.write(json.dumps(asdict(landed), ensure_ascii=False) + "\n")
    return landed


def combined_sha256(files: list[LandedFile]) -> str:
    """One content hash for a source made of several files (order-independent)."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.filename):
        digest.update(f"{f.filename}:{f.sha256}\n".encode())
    return digest.hexdigest()
