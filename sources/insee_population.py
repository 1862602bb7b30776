"""INSEE census populations of every commune, in the geography of each COG vintage.

`cog_year` 1968, 1975, 1982, 1990, 1999: that census. `cog_year` ≥ 2008: the population municipale of the
census two years earlier (COG 2011 = RP 2009), which is INSEE's own pairing of legal populations and COG.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.degradation import Degradation, Jump
from sources.errors import SourceError
from sources.insee_cog import CENSUS_VINTAGES, cogugaison, communes_per_vintage, complete_vintages
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


SOURCES = [
    cogugaison(
        id="insee_population", parser=parse, layout="COGugaison POP tables, one row per commune × COG vintage",
        expectations=(
            r.rows(
                r.row_count_between("row_count_bounds", min_value=700_000, max_value=900_000, france_wide=True),
                r.in_set("cog_year", CENSUS_VINTAGES, "known_vintage"),
                r.matches("codgeo", r.COMMUNE, "commune_code_format", france_wide=True),
                r.unique(["cog_year", "codgeo"], "commune_unique_per_vintage"),
                r.between("pop", "population_non_negative", min_value=0, max_value=3_000_000),
                r.not_null(
                    "pop", "population_present", "706 rows (Mayotte before its first census) have none", mostly=0.998
                ),
            ),
            communes_per_vintage(CENSUS_VINTAGES, 38_500),
        ),
        completeness=complete_vintages(CENSUS_VINTAGES, 34_000, "cog_year"),
        degradation=Degradation(
            period="cog_year", keys=("codgeo",), values=("pop",),
            why="A census column of the compilation copied from the previous one drops a census from the warehouse.",
            jump=Jump(
                "pop", max_ratio=5, floor=1_000,
                why="Between two consecutive vintages a commune's population moves by a few percent; only a merger "
                "or split (communes nouvelles 2016) moves it by more, and those jumps are in the last good content. "
                "×5 and a floor of 1 000 inhabitants (either value) leave room for real growth of small communes "
                "and catch a unit error (×1000, a value typed in thousands).",
            ),
        ),
        product="Populations des communes (recensements 1968–1999, populations municipales 2006–2022)",
        product_page="https://www.insee.fr/fr/statistiques/3698339",
        bundled=("cog/population_communes_cog1968_2024.parquet",),
    ),
]
