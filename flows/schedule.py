"""The nightly schedule: 02:00 Europe/Paris, after the producers' overnight publications."""

from __future__ import annotations

from prefect.schedules import Cron

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Paris"


def schedule(cron: str = NIGHTLY_CRON, timezone: str = TIMEZONE) -> Cron:
    return Cron(cron, timezone=timezone)


def deployment():
    """The deployment `nightly-refresh/nightly`, as `observatoire serve` registers it (also in prefect.yaml)."""
    from flows.nightly import nightly_refresh

    return nightly_refresh.to_deployment(name="nightly", schedule=schedule())
