"""The survey code dictionary (sources/emd_codes.yml) as rows, shared by validation and the SQL models."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from sources.emd.standards import STANDARDS

CODES_PATH = Path(__file__).resolve().parents[1] / "emd_codes.yml"


@cache
def dictionary() -> dict:
    return yaml.safe_load(CODES_PATH.read_text(encoding="utf-8"))


def groups(kind: str, standard: str) -> dict[int, str]:
    """Code → group for one standard: the shared codes, replaced by the standard's own where its meaning changed."""
    codes = dictionary()
    resolved = {int(c): group for group, values in codes[f"{kind}s"].items() for c in values}
    own = (codes.get(f"{kind}s_by_standard") or {}).get(standard) or {}
    resolved |= {int(c): group for group, values in own.items() for c in values}
    return resolved


def code_table() -> pd.DataFrame:
    """One row per standard × kind (mode | purpose) × code: its group (the `cfg_emd_codes` table)."""
    rows = [
        {"standard": standard, "kind": kind, "code": code, "code_group": group}
        for standard in STANDARDS
        for kind in ("mode", "purpose")
        for code, group in sorted(groups(kind, standard).items())
    ]
    return pd.DataFrame(rows)
