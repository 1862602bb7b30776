"""Prefect flows, the CLI and the schedule. Offline settings are applied before Prefect is imported."""

import os

from flows.offline import offline_env
from sources.ingestion.settings import PROJECT_ROOT

for _key, _value in offline_env(PROJECT_ROOT / ".prefect").items():
    os.environ.setdefault(_key, _value)
