"""INSEE census populations of every commune, in the geography of each COG vintage.

`cog_year` 1968, 1975, 1982, 1990, 1999: that census. `cog_year` ≥ 2008: the population municipale of the
census two years earlier (COG 2011 = RP 2009), which is INSEE's own pairing of legal populations and COG.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sources.errors import SourceError
from sources.parsing import Parsed, read_parquet

COLUMNS = ["cog_year", "codgeo", "pop"]


def census_year(cog_year: int) -> int:
    """The census whose population is attached to a COG vintage."""
    return cog_year if cog_year < 2008 else cog_year - 2


def parse(paths: list[Path]) -> Parsed:
    frame = read_parquet("insee_population", paths[0], COLUMNS)
    frame = frame.reset_index(drop=True)
    frame.index = frame.index + 1
    pop = pd.to_numeric(frame["pop"], errors="coerce")
    fractional = pop.notna() & (pop != pop.round())
    if fractional.any():
        raise SourceError(
            "insee_population",
            paths[0].name,
            "population_is_integer",
            "populations must be whole numbers",
            rows=list(frame.index[fractional]),
        )
    frame["pop"] = pop.astype("Int64")
    notes = [f"{paths[0].name}: {int(frame['pop'].isna().sum())} commune row(s) without population kept as NULL"]
    return Parsed(frame, notes)
