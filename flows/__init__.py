"""Prefect flows, the CLI and the schedule. Offline settings are applied before Prefect is imported."""

import os

from sources.settings import PROJECT_ROOT

for _key, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # the ephemeral server's telemetry heartbeat
    "DO_NOT_TRACK": "1",  # SDK telemetry
    "PREFECT_HOME": str(PROJECT_ROOT / ".prefect"),  # never ~/.prefect
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",  # cold start measured up to 13.5 s
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "GX_ANALYTICS_ENABLED": "false",
}.items():
    os.environ.setdefault(_key, _value)
