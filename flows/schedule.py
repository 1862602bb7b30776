"""The nightly schedule: 02:00 Europe/Paris, after the producers' overnight publications."""

from __future__ import annotations

from prefect.schedules import Cron

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Paris"
SERVER_HELP = """a schedule needs a running Prefect server (the temporary one has no scheduler). Start one and point
the CLI at it, then run `observatoire serve` again:
  eval "$(.venv/bin/python -m flows)"    # the offline defaults (flows/offline.py), PREFECT_HOME=$PWD/.prefect
  .venv/bin/prefect server start --host 127.0.0.1 --port 4200 &
  export PREFECT_API_URL=http://127.0.0.1:4200/api
Without Prefect, an OS cron can call `observatoire run --no-prefect` at the same hour."""


class ScheduleError(ValueError):
    pass


def schedule(cron: str = NIGHTLY_CRON, timezone: str = TIMEZONE) -> Cron:
    """The Cron schedule; a malformed cron or an unknown time zone is a ScheduleError saying what is valid."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"--timezone {timezone!r} is not an IANA time zone (valid examples: Europe/Paris, UTC, America/Cayenne)"
        ) from None
    try:
        return Cron(cron, timezone=timezone)
    except ValueError:
        raise ScheduleError(
            f"--cron {cron!r} is not a cron expression: five fields 'minute hour day month weekday', e.g. '0 2 * * *'"
        ) from None


def api_problem(timeout: float = 3.0) -> str | None:
    """Why `serve` cannot register and run the deployment (no server configured or none answering), or None."""
    import os

    import httpx
    from prefect.settings import PREFECT_API_URL

    url = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()  # the environment may change after import
    if not url:
        return f"PREFECT_API_URL is not set: {SERVER_HELP}"
    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        return f"the Prefect API at {url} does not answer ({type(exc).__name__}): {SERVER_HELP}"
    return None


def deployment():
    """The deployment `nightly-refresh/nightly`, as `observatoire serve` registers it (also in prefect.yaml)."""
    from flows.nightly import nightly_refresh  # here: Prefect + the pipeline (3.5 s), for `serve` only

    return nightly_refresh.to_deployment(name="nightly", schedule=schedule())
