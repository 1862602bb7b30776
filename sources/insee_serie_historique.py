"""INSEE « séries historiques » populations (base-cc-serie-historique): every census since 1968 on ONE geography.

Official layout (`;`-separated CSV, UTF-8, one row per commune, e.g. base-cc-serie-historique-2021.CSV):
`CODGEO;…;P21_POP;P15_POP;P10_POP;D99_POP;D90_POP;D82_POP;D75_POP;D68_POP;…` — `Pyy_POP` the population municipale
of the annual census yy, `Dyy_POP` the population « sans doubles comptes » of the exhaustive censuses 1968–1999,
all in the geography of the edition (census Y → geography of 1 January Y+2: `geo_year` = latest census + 2). Other
columns (births, deaths, dwellings …) are other products of the same file (sources/insee_rp.py reads the events).
Nothing is bundled: when a file is configured in origins.yml, its 1968–1999 populations become the population of
record of those censuses on its geography and the later ones (int_census_population), in place of the bundled
compilation, whose 1968–1999 values are not INSEE's constant-geography series (flag compilation_not_insee_series).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.errors import SourceError
from sources.parsing import Parsed, empty_frame, read_delimited, require_columns, stacked, to_numbers
from sources.spec import Release, SourceSpec

SOURCE_ID = "insee_serie_historique"
POPULATION = re.compile(r"^([PD])(\d{2})_POP$")
SCHEMA = {
    "codgeo": "str", "census_year": "int64", "variable": "str", "pop": "float64", "geo_year": "int64",
    "source_file": "str", "source_line": "int64",
}


def year4(yy: str) -> int:
    """INSEE's 2-digit census years: 68–99 → 19yy, 00–67 → 20yy."""
    return (1900 if int(yy) >= 68 else 2000) + int(yy)


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in sorted(paths, key=lambda p: p.name):
        raw = read_delimited(SOURCE_ID, path)
        require_columns(SOURCE_ID, path.name, list(raw.columns), ["CODGEO"])
        columns = [c for c in raw.columns if POPULATION.match(c)]
        if not columns:
            raise SourceError(SOURCE_ID, path.name, "required_columns", "no Pyy_POP / Dyy_POP column", [1])
        lines = pd.Series(raw.index + 2, index=raw.index)  # header is line 1
        latest = max(year4(POPULATION.match(c).group(2)) for c in columns)
        for column in columns:
            frames.append(
                pd.DataFrame(
                    {
                        "codgeo": raw["CODGEO"].str.strip(),
                        "census_year": year4(POPULATION.match(column).group(2)),
                        "variable": column,
                        "pop": to_numbers(SOURCE_ID, path.name, raw[column], column, lines),
                        "geo_year": latest + 2,
                        "source_file": path.name,
                        "source_line": lines,
                    }
                )
            )
        notes.append(f"{path.name}: {len(raw)} communes × {len(columns)} census populations, geography {latest + 2}")
    return stacked(frames, notes)


def empty() -> pd.DataFrame:
    return empty_frame(SCHEMA)


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, producer="INSEE", empty=empty,
        expectations=(
            r.rows(
                r.matches("codgeo", r.COMMUNE, "commune_code_format"),
                r.unique(["codgeo", "census_year"], "one_population_per_commune_and_census"),
                r.between("pop", "population_non_negative", min_value=0, max_value=3_000_000),
                r.not_null("pop", "population_present", "a commune created after a census has no value for it",
                           mostly=0.99),
                r.in_set("variable", [f"D{y}_POP" for y in ("68", "75", "82", "90", "99")]
                         + [f"P{y:02d}_POP" for y in range(6, 100)], "known_census_column"),
            ),
        ),
        completeness=Completeness(shrink_keys=("census_year",)),
        product="Séries historiques du recensement : populations 1968–… par commune, à géographie constante",
        product_page="https://www.insee.fr/fr/statistiques/2522602",
        official_urls=(), bundled=(),
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/7632565 (edition 2020; one page per census edition)",
            files="see listing: https://www.insee.fr/fr/statistiques/fichier/<page of the edition>/"
            "base-cc-serie-historique-<edition>.zip (2021: page 6683035; 2020: page 7632565, "
            "base-cc-serie-historique-2020_csv.zip): the page number, and the name's suffix, vary by edition",
            format="zip of ; CSV base-cc-serie-historique (CODGEO; P21_POP … D68_POP), with its meta file",
            rhythm="yearly:6",
            verified_on="file names: https://www.insee.fr/fr/statistiques/fichier/6683035/"
            "base-cc-serie-historique-2021.zip and https://www.insee.fr/fr/statistiques/fichier/7632565/"
            "base-cc-serie-historique-2020_csv.zip, as downloaded by public code (code corpus; the 2020 page "
            "https://www.insee.fr/fr/statistiques/7632565 cited by two of them); no stored copy of INSEE's pages",
        ),
        attribution="Source : Insee, RP, séries historiques",
        layout="INSEE base-cc-serie-historique: CODGEO;…;P21_POP;P15_POP;P10_POP;D99_POP;D90_POP;D82_POP;D75_POP;"
        "D68_POP …",
    ),
]
