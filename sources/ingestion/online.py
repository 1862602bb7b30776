"""Online mode (`observatoire run --online`, or OBSERVATOIRE_ONLINE=1 for the nightly deployment): every source
without an origins.yml override fetches its producer's newest edition, found from its catalogue entry
(`releases=`: a fixed URL, or a template over years/quarters tried newest first).

Offline is first-class: the network is probed once per run with a short connect timeout; with no producer
reachable, one line says the run uses the bundled and landed editions, and nothing waits on a timeout per source.
"""

from __future__ import annotations

import os
import socket
from datetime import date
from urllib.parse import urlparse

from sources.ingestion.fetch import mirrored, read_timeout
from sources.spec import Release, SourceSpec

ONLINE_ENV = "OBSERVATOIRE_ONLINE"
PROBE_TIMEOUT = 1.5  # seconds: the one connect attempt that decides whether this run is online
_probed: dict[str, str | None] = {}  # mirror configuration → None (reachable) or why not, once per process


def enabled() -> bool:
    return os.environ.get(ONLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def templated(release: Release | None) -> bool:
    """The catalogue entry names URLs this mode can try (not a listing to read by hand, not a placeholder)."""
    return release is not None and (bool(release.editions) or bool(candidates(release, date.today(), back=1)))


def published_editions(release: Release, today: date) -> list[tuple[int, str, str]]:
    """The editions of a side-by-side source (`Release.editions`) published by `today`, oldest first: edition N of
    a `yearly:<month>` rhythm appears on the first of that month of N + edition_lag_years."""
    month = int(release.rhythm.split(":", 1)[1]) if release.rhythm.startswith("yearly:") else 1
    return [e for e in sorted(release.editions) if date(e[0] + release.edition_lag_years, month, 1) <= today]


def candidates(release: Release, today: date, back: int = 16) -> list[str]:
    """The URLs of the editions that may be the newest, newest first ({year}, {quarter} filled in; 16 quarters:
    INSEE has paused a series for a year before)."""
    if not release.files.startswith(("http://", "https://")) or "<" in release.files:
        return []
    if "{quarter}" in release.files:
        out, year, quarter = [], today.year, (today.month - 1) // 3 + 1
        for _ in range(back):
            out.append(release.files.format(year=year, quarter=quarter))
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        return out
    if "{year}" in release.files:
        return [release.files.format(year=today.year - i) for i in range(min(back, 6))]
    return [] if "{" in release.files else [release.files]


def probe(urls: list[str]) -> str | None:
    """None when the first producer host (or its mirror) accepts a connection, else why not; asked once."""
    key = os.environ.get("OBSERVATOIRE_MIRROR", "")
    if key not in _probed:
        target = urlparse(mirrored(urls[0])) if urls else None
        if target is None or not target.hostname:
            _probed[key] = "no producer address in the catalogue"
        else:
            port = target.port or (443 if target.scheme == "https" else 80)
            try:
                with socket.create_connection((target.hostname, port), timeout=PROBE_TIMEOUT):
                    _probed[key] = None
            except OSError as exc:
                _probed[key] = f"{target.hostname}:{port} unreachable ({exc.strerror or type(exc).__name__})"
    return _probed[key]


def forget_probe() -> None:
    _probed.clear()


def today() -> date:
    """The day the online mode looks for editions on (a function, so that a test can be in December)."""
    return date.today()


def newest(spec: SourceSpec, today: date, timeout: float | None = None) -> tuple[str | None, str]:
    """The newest edition's URL that the producer (or mirror) serves, and what was tried: a HEAD per candidate,
    newest first, through urllib3 (no retry: a candidate that is absent is simply not the newest)."""
    import urllib3

    tried: list[str] = []
    read = read_timeout() if timeout is None else timeout
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.util.Timeout(connect=PROBE_TIMEOUT, read=read))
    for url in candidates(spec.releases, today):
        try:
            status = pool.request("HEAD", mirrored(url)).status
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            tried.append(f"{url}: {type(exc).__name__}")
            return None, _summary(tried)  # the producer does not answer: stop here, the previous edition stays
        if status < 400:
            return url, _summary(tried)
        tried.append(f"{url}: HTTP {status}")
    return None, _summary(tried) or "no URL in the catalogue entry"


def served_editions(spec: SourceSpec, today: date, timeout: float | None = None) -> tuple[list[tuple[str, str]], str]:
    """The editions of a side-by-side source that the producer (or mirror) serves: (URL, name to land it as) of
    each published edition answering a HEAD, and what was tried. An edition not served (404) is left out; a
    producer that does not answer stops the look-up with nothing (the previous content stays)."""
    import urllib3

    read = read_timeout() if timeout is None else timeout
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.util.Timeout(connect=PROBE_TIMEOUT, read=read))
    served, tried = [], []
    for edition, url, name in published_editions(spec.releases, today):
        try:
            status = pool.request("HEAD", mirrored(url)).status
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return [], f"{url}: {type(exc).__name__}"
        if status < 400:
            served.append((url, name))
        else:
            tried.append(f"edition {edition} {url}: HTTP {status}")
    return served, "; ".join(tried) or "no edition published yet"


def _summary(tried: list[str]) -> str:
    """What was tried, short enough for a status line: the editions not (yet) published counted, the last
    answer in full."""
    absent = [t for t in tried if t.endswith("HTTP 404")]
    answers = [t for t in tried if t not in absent]  # errors, in full
    return "; ".join([*answers, *([f"{len(absent)} candidate(s) not published (HTTP 404)"] if absent else [])])
