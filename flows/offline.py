"""The environment defaults that keep Prefect and Great Expectations offline and quiet, defined once.

The CLI applies them before Prefect is imported (flows/__init__.py: defaults, an operator's value wins); the tests,
the benchmarks and the live-server test start from the same dict with their own PREFECT_HOME. A shell that starts
Prefect by hand (a real server for the schedule) takes them from here too:

    eval "$(.venv/bin/python -m flows)"     # prints `export KEY=value` lines, PREFECT_HOME=$PWD/.prefect
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path


def offline_env(prefect_home: Path) -> dict[str, str]:
    """Variables for a process that may import Prefect or Great Expectations; `prefect_home`: Prefect's folder."""
    return {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # the ephemeral server's telemetry heartbeat
        "DO_NOT_TRACK": "1",  # SDK telemetry
        "PREFECT_HOME": str(prefect_home),  # never ~/.prefect
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",  # cold start measured up to 13.5 s
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "GX_ANALYTICS_ENABLED": "false",
    }


def print_exports(argv: list[str]) -> None:
    """`export KEY=value` lines for a shell (`python -m flows [PREFECT_HOME]`, default ./.prefect)."""
    home = Path(argv[0]) if argv else Path.cwd() / ".prefect"
    sys.stdout.write("".join(f"export {k}={shlex.quote(v)}\n" for k, v in offline_env(home).items()))
