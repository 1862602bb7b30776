"""The survey code dictionary (sources/emd_codes.yml) as rows, shared by validation and the SQL models."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import yaml

CODES_PATH = Path(__file__).resolve().parents[1] / "emd_codes.yml"
ANY_STANDARD = "*"


@cache
def dictionary() -> dict:
    return yaml.safe_load(CODES_PATH.read_text(encoding="utf-8"))


def code_table() -> pd.DataFrame:
    """One row per (standard, kind, code): its group. Standard `*` holds the codes shared by every standard; a
    standard's own rows replace them for that standard's surveys."""
    codes = dictionary()
    rows = []
    for kind in ("modes", "purposes"):
        sets = [(ANY_STANDARD, codes[kind])] + list((codes.get(f"{kind}_by_standard") or {}).items())
        for standard, groups in sets:
            rows += [
                {"standard": standard, "kind": kind[:-1], "code": int(code), "code_group": group}
                for group, values in groups.items()
                for code in values
            ]
    return pd.DataFrame(rows)


def known_codes(kind: str, standard: str) -> set[int]:
    table = code_table()
    return set(table.loc[(table.kind == kind) & table.standard.isin([ANY_STANDARD, standard]), "code"])
