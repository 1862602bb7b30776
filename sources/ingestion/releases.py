"""The catalogue of the producers' releases (each source's `releases=`), as `observatoire sources` lists it: the
edition in the warehouse (the files of the last good content), the latest edition seen (the last attempt), the
next edition expected from the declared rhythm, and whether the producer was reachable (checked only online:
offline it says so instead of waiting on a timeout)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sources.ingestion.gate import last_attempt, last_good
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import Settings
from sources.spec import Release


def _day(text: str | None) -> date | None:
    try:
        return datetime.fromisoformat(str(text)).date() if text else None
    except ValueError:
        return None


def _quarter_end(day: date) -> date:
    """The last day of the quarter holding `day`."""
    month = (day.month - 1) // 3 * 3 + 3
    return date(day.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def next_expected(release: Release | None, since: date) -> date | None:
    """The first date after `since` when the next edition should be out, from the declared rhythm (None: no new
    edition expected, or no catalogue entry)."""
    if release is None or release.rhythm == "none":
        return None
    if release.rhythm == "quarterly":
        # the quarter that ended last before `since` is published `lag_days` after its end; if that is already
        # past, the next quarter's is the one expected
        ended = date(since.year, (since.month - 1) // 3 * 3 + 1, 1) - timedelta(days=1)
        expected = ended + timedelta(days=release.lag_days)
        if expected <= since:
            following = date(ended.year + (ended.month + 3) // 13, (ended.month + 2) % 12 + 1, 1)
            expected = _quarter_end(following) + timedelta(days=release.lag_days)
        return expected
    if release.rhythm.startswith("yearly:"):
        month = int(release.rhythm.split(":", 1)[1])
        candidate = date(since.year, month, 1)
        return candidate if candidate > since else date(since.year + 1, month, 1)
    raise ValueError(f"unknown release rhythm {release.rhythm!r}")


def _reachable(attempt: dict | None) -> str:
    """What the last online attempt found: the edition fetched, or why the previous one is kept (stale)."""
    seen = (attempt or {}).get("online")
    if not seen:
        return "not checked (offline)"
    if seen.startswith(("fetched", "checked")):
        return f"yes: {seen}"
    since = (attempt or {}).get("stale_since")
    return f"no: {seen}" + (f" (stale since {since})" if since and seen.startswith("stale") else "")


def _latest_seen(attempt: dict | None) -> str:
    """The last attempt: its end and when, and what the producer answered when it was asked."""
    if not attempt:
        return "never attempted"
    seen = f"{attempt['status']} {attempt['at']}"
    return f"{seen} ({attempt['online']})" if attempt.get("online") else seen


def catalogue(settings: Settings, reachable: dict[str, str] | None = None, today: date | None = None) -> list[dict]:
    """One row per source: its release entry and where the warehouse stands against it."""
    today = today or datetime.now(UTC).date()
    rows = []
    for source_id, spec in SOURCES.items():
        release, meta, attempt = spec.releases, last_good(settings, source_id), last_attempt(settings, source_id)
        validated = _day(meta.get("validated_at")) if meta else None
        files = ", ".join(f["filename"] for f in meta.get("files", [])) if meta else ""
        expected = next_expected(release, validated or today)
        rows.append(
            {
                "source": source_id,
                "producer": spec.producer,
                "rhythm": release.rhythm if release else "not catalogued",
                "in_warehouse": f"{files or 'nothing (not configured)'} (validated {validated})" if meta else "none",
                "latest_seen": _latest_seen(attempt),
                "next_expected": (f"{expected}{' (overdue)' if expected < today else ''}" if expected else "—"),
                "reachable": (reachable or {}).get(source_id) or _reachable(attempt),
                "page": release.page if release else spec.product_page,
                "files": release.files if release else "",
                "format": release.format if release else "",
                "licence": spec.licence,
                "attribution": spec.attribution,
                "verified_on": release.verified_on if release else "",
            }
        )
    return rows
