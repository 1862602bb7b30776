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
import re
import tempfile
import threading
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
    not_modified: bool = False  # the producer answered 304 to a conditional request: nothing was downloaded


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


CONNECT_TIMEOUT = 5.0  # a producer that does not answer within this is unreachable (offline detection: 1.5 s)
MIRROR_ENV = "OBSERVATOIRE_MIRROR"
# How long a producer may take to send the next bytes, and how many times a failed download is tried again:
# settings of the deployment (a slow proxy wants more), lowered by the tests so that a timeout costs little.
READ_TIMEOUT_ENV = "OBSERVATOIRE_READ_TIMEOUT"
RETRIES_ENV = "OBSERVATOIRE_FETCH_RETRIES"
BACKOFF_ENV = "OBSERVATOIRE_FETCH_BACKOFF"


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def read_timeout() -> float:
    """Seconds a producer may stay silent while sending (OBSERVATOIRE_READ_TIMEOUT, default 30)."""
    return _env_number(READ_TIMEOUT_ENV, 30.0)
RETRIED_STATUSES = (429, 500, 502, 503, 504)


def mirror_map(value: str | None = None) -> dict[str, str]:
    """`OBSERVATOIRE_MIRROR`: "www.insee.fr=http://mirror/insee,open.urssaf.fr=http://mirror/urssaf" (host → base
    URL, paths kept), or one base URL for every host ("http://mirror" → http://mirror/<host>/<path>)."""
    value = os.environ.get(MIRROR_ENV, "") if value is None else value
    pairs = [p.strip() for p in value.split(",") if p.strip()]
    if len(pairs) == 1 and "=" not in pairs[0]:
        return {"*": pairs[0].rstrip("/")}
    return {host.strip(): base.strip().rstrip("/") for host, _, base in (p.partition("=") for p in pairs)}


def mirrored(url: str, mapping: dict[str, str] | None = None) -> str:
    """The URL to request: the producer's, or its mirror's (same path and query)."""
    mapping = mirror_map() if mapping is None else mapping
    parts = urlparse(url)
    if parts.hostname in mapping:
        base = mapping[parts.hostname]
    elif "*" in mapping:
        base = f"{mapping['*']}/{parts.hostname}"
    else:
        return url
    return base + parts.path + (f"?{parts.query}" if parts.query else "")


def _pool(timeout: float, retries: int, backoff: float):
    """urllib3's pool with its Retry: connection errors, read timeouts, a body cut short (read while the response
    is preloaded) and 429/5xx answers are retried with exponential backoff (Retry-After respected); a client
    error is returned at once."""
    import urllib3
    from urllib3.util import Retry, Timeout

    retry = Retry(
        total=retries, connect=retries, read=retries, status=retries, other=0, redirect=5,
        backoff_factor=backoff, status_forcelist=RETRIED_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=True, respect_retry_after_header=True,
    )
    return urllib3.PoolManager(retries=retry, timeout=Timeout(connect=min(timeout, CONNECT_TIMEOUT), read=timeout))


_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected")


def _reason(exc: BaseException) -> str:
    """The cause of a failed request, in words a reader of the quarantine report needs."""
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if m := _INCOMPLETE.search(text):
        got, more = int(m.group(1)), int(m.group(2))
        return f"received {got} bytes, Content-Length announced {got + more}"
    return f"{type(reason).__name__}: {text}"


def _validators_path(landing_dir: Path) -> Path:
    return landing_dir / "validators.json"


def read_validators(landing_dir: Path) -> dict[str, dict]:
    """ETag / Last-Modified per origin URL, with the sha256 of the file they validated."""
    try:
        data = json.loads(_validators_path(landing_dir).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember(landing_dir: Path, url: str, record: dict) -> None:
    path = _validators_path(landing_dir)
    with _manifest_lock, storage(path):
        data = read_validators(landing_dir)
        data[url] = record
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)


class NotModified(Exception):
    """The producer answered 304: the landed file is still the current one."""


def _download(
    url: str, dst, timeout: float, retries: int, backoff: float, max_bytes: int, known: dict | None = None
) -> tuple[str, int, dict]:
    """GET `url` (through its mirror) into `dst`; conditional when `known` holds validators of a landed file
    (raises NotModified on 304). Returns sha256, size and the response's validators."""
    import urllib3

    headers = {}
    if known:
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
    target = mirrored(url)
    try:
        response = _pool(timeout, retries, backoff).request("GET", target, headers=headers, preload_content=True)
    except urllib3.exceptions.MaxRetryError as exc:
        raise FetchError(f"{url}: failed after {retries + 1} attempt(s): {_reason(exc)}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"{url}: failed: {_reason(exc)}") from exc
    if response.status == 304 and known:
        raise NotModified(url)
    if response.status >= 400:
        raise FetchError(f"{url}: HTTP {response.status} {response.reason or ''}".rstrip())
    body = response.data
    if len(body) > max_bytes:
        raise FetchError(f"{url}: larger than the size limit of {max_bytes} bytes")
    declared = response.headers.get("Content-Length")
    if declared and int(declared) != len(body):
        raise FetchError(f"{url}: received {len(body)} bytes, Content-Length announced {declared}")
    with storage(dst.name):
        dst.write(body)
    validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
    return hashlib.sha256(body).hexdigest(), len(body), validators


def fetch(
    source_id: str,
    origin: str | os.PathLike,
    landing_dir: Path,
    *,
    expected_sha256: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    filename: str | None = None,
) -> LandedFile:
    """Copy or download `origin` into the landing area and return what was stored (`filename`: the name to land
    it under, when the producer's own name does not say the edition, e.g. INSEE's `ensemble.zip`).
    Unset timeout, retries and backoff come from OBSERVATOIRE_READ_TIMEOUT (30 s), OBSERVATOIRE_FETCH_RETRIES (3)
    and OBSERVATOIRE_FETCH_BACKOFF (1 s)."""
    origin = str(origin)
    timeout = read_timeout() if timeout is None else timeout
    retries = int(_env_number(RETRIES_ENV, 3)) if retries is None else retries
    backoff = _env_number(BACKOFF_ENV, 1.0) if backoff is None else backoff
    filename = filename or (Path(urlparse(origin).path).name if is_url(origin) else Path(origin).name)
    with storage(landing_dir):
        landing_dir.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.NamedTemporaryFile(dir=landing_dir, prefix=".fetch-", delete=False)  # noqa: SIM115
    with tmp:
        try:
            if is_url(origin):
                known = _landed_validators(landing_dir, source_id, origin, filename)
                try:
                    sha, size, validators = _download(origin, tmp, timeout, retries, backoff, max_bytes, known)
                except NotModified:  # a 304 costs nothing: the landed file is the current edition
                    Path(tmp.name).unlink(missing_ok=True)
                    path = landing_dir / source_id / known["sha256"] / filename
                    return LandedFile(source_id, origin, filename, known["sha256"], path.stat().st_size, str(path),
                                      known.get("fetched_at", ""), not_modified=True)
                _remember(landing_dir, origin, {**validators, "sha256": sha, "filename": filename,
                                                "fetched_at": datetime.now(UTC).isoformat()})
            else:
                if not Path(origin).is_file():
                    raise FetchError(f"{origin}: no such file")
                known = _local_unchanged(landing_dir, source_id, origin, filename)
                if known and (not expected_sha256 or expected_sha256.lower() == known["sha256"]):
                    Path(tmp.name).unlink(missing_ok=True)  # the local If-Modified-Since: nothing read or copied
                    path = landing_dir / source_id / known["sha256"] / filename
                    landed = LandedFile(source_id, origin, filename, known["sha256"], known["size"], str(path),
                                        datetime.now(UTC).isoformat())
                    append_manifest(landing_dir, landed)  # recorded as a copy would be
                    return landed
                try:
                    src = open(origin, "rb")  # noqa: SIM115
                    stat = os.fstat(src.fileno())
                except OSError as exc:
                    raise FetchError(f"{origin}: cannot be read: {exc.strerror or exc}") from exc
                with src:
                    sha, size = _copy_stream(src, tmp, max_bytes, origin)
                if size == stat.st_size:  # not written to while read: its stat now names this content
                    _remember(landing_dir, _local_key(origin), {
                        **_stat_record(stat), "sha256": sha, "filename": filename,
                        "fetched_at": datetime.now(UTC).isoformat()})
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


def _local_key(path: str | os.PathLike) -> str:
    return "file:" + str(Path(path).resolve())


def _stat_record(stat: os.stat_result) -> dict:
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def _local_unchanged(landing_dir: Path, source_id: str, path: str, filename: str) -> dict | None:
    """What a local file held when it was last landed, if its size, modification time and inode are still those
    (the test rsync and git make; a file rewritten in place gets a new modification time) and that landed copy is
    still there: a large delivery is then not read again every night."""
    known = read_validators(landing_dir).get(_local_key(path))
    try:
        same = bool(known) and _stat_record(Path(path).stat()) == {k: known.get(k) for k in ("size", "mtime_ns",
                                                                                             "inode")}
    except OSError:
        return None
    if not same or not known.get("sha256") or known.get("filename") != filename:
        return None
    return known if (landing_dir / source_id / known["sha256"] / filename).is_file() else None


def local_sha256(landing_dir: Path, source_id: str, path: Path) -> str:
    """The sha256 of a local file: the one recorded when it was landed if it has not changed since (size,
    modification time, inode), else computed."""
    known = _local_unchanged(landing_dir, source_id, str(path), path.name)
    return known["sha256"] if known else file_sha256(path)


def _landed_validators(landing_dir: Path, source_id: str, url: str, filename: str) -> dict | None:
    """The validators of the file last landed from `url`, when that file is still in the landing area (a changed
    file behind the same URL without a new validator is caught by its sha256 on the next full download)."""
    known = read_validators(landing_dir).get(url)
    if not known or not (known.get("etag") or known.get("last_modified")) or not known.get("sha256"):
        return None
    return known if (landing_dir / source_id / known["sha256"] / filename).is_file() else None


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
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()  # streamed: memory stays flat on large deliveries


def combined_sha256(files: list[LandedFile]) -> str:
    """One content hash for a source made of several files (order-independent)."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.filename):
        digest.update(f"{f.filename}:{f.sha256}\n".encode())
    return digest.hexdigest()
