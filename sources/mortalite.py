"""Death counts and populations by territory × age group × sex × year, for standardised mortality.

Official products: deaths by commune of residence, sex, age and year come from INSEE's état civil (fichier
détail des décès, « décès domiciliés ») or, by cause, from INSERM-CépiDc (delivered to ORS under agreement);
populations by commune, sex and 5-year age group from INSEE's census (« Population par sexe et âge
quinquennal »). Nothing of this is public at commune level by cause, so nothing is bundled.

Layout read here (`;`-separated, UTF-8, one row per commune × year × sex × age group):
- deaths: `CODGEO;ANNEE;SEXE;AGE;DECES`
- population: `CODGEO;ANNEE;SEXE;AGE;POP`
`SEXE`: 1 = men, 2 = women (INSEE coding); `AGE`: a band `aa-bb` (`00-04` … `80-84`) or open `aa+` (`85+`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from sources.errors import SourceError
from sources.parsing import Parsed, empty_frame, read_delimited, require_columns
from sources.spec import Release, SourceSpec

AGE = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|\+)$")


def _parse(paths: list[Path], source_id: str, measure: str) -> Parsed:
    frames, notes = [], []
    for path in paths:
        frame = read_delimited(source_id, path)
        require_columns(source_id, path.name, list(frame.columns), ["CODGEO", "ANNEE", "SEXE", "AGE", measure])
        lines = pd.Series(range(2, len(frame) + 2), index=frame.index)
        bands = frame["AGE"].str.extract(AGE)
        bad = bands[0].isna()
        if bad.any():
            raise SourceError(
                source_id, path.name, "age_band_format", "AGE must be aa-bb or aa+", rows=lines[bad].tolist()
            )
        if not frame["SEXE"].isin(["1", "2"]).all():
            raise SourceError(
                source_id,
                path.name,
                "sex_code",
                "SEXE must be 1 (men) or 2 (women)",
                rows=lines[~frame["SEXE"].isin(["1", "2"])].tolist(),
            )
        value = pd.to_numeric(frame[measure].str.replace(",", ".", regex=False), errors="coerce")
        if value.isna().any():
            raise SourceError(
                source_id, path.name, "count_is_number", f"column {measure}", rows=lines[value.isna()].tolist()
            )
        frames.append(
            pd.DataFrame(
                {
                    "codgeo": frame["CODGEO"].str.strip(),
                    "year": pd.to_numeric(frame["ANNEE"]).astype("int64"),
                    "sex": frame["SEXE"].astype("int64"),
                    "age_min": bands[0].astype("int64"),
                    "age_max": pd.to_numeric(bands[1]).astype("Int64"),
                    "age_group": frame["AGE"],
                    "value": value,
                    "source_file": path.name,
                    "source_line": lines,
                }
            )
        )
        notes.append(f"{path.name}: {len(frame)} rows")
    out = pd.concat(frames, ignore_index=True) if frames else empty()
    out.index = out.index + 1
    return Parsed(out, notes)


def parse_deaths(paths: list[Path]) -> Parsed:
    return _parse(paths, "deces_age_sexe", "DECES")


def parse_population(paths: list[Path]) -> Parsed:
    return _parse(paths, "population_age_sexe", "POP")


def empty() -> pd.DataFrame:
    return empty_frame(
        {
            "codgeo": "str", "year": "int64", "sex": "int64",
            "age_min": "int64", "age_max": "Int64", "age_group": "str",
            "value": "float64",
            "source_file": "str", "source_line": "int64",
        }
    )


def counts_by_age_and_sex(**spec) -> SourceSpec:
    """Deaths or populations by commune × year × sex × age group: same layout, rules and empty schema."""
    rows = r.rows(
        r.matches("codgeo", r.COMMUNE, "commune_code_format"),
        r.in_set("sex", [1, 2], "sex_code"),
        r.between("value", "count_non_negative", min_value=0),
        r.unique(["codgeo", "year", "sex", "age_group"], "one_count_per_cell"),
    )
    return SourceSpec(bundled=(), empty=empty, expectations=(rows,), **spec)


SOURCES = [
    counts_by_age_and_sex(
        id="deces_age_sexe", parser=parse_deaths, layout="CODGEO;ANNEE;SEXE;AGE;DECES (sources/mortalite.py)",
        producer="INSEE (état civil) / INSERM-CépiDc",
        product="Décès domiciliés par commune, sexe, groupe d'âge quinquennal et année",
        product_page="https://www.insee.fr/fr/information/4190491",
        official_urls=("(delivered to ORS under agreement; INSEE fichier détail des décès for all causes)",),
        licence="depends on the delivery (INSEE: Licence Ouverte; CépiDc: agreement)",
        attribution="Insee, état civil; Inserm-CépiDc",
        releases=Release(
            page="https://www.data.gouv.fr/fr/datasets/fichier-des-personnes-decedees/ (INSEE: "
            "https://www.insee.fr/fr/information/4190491)",
            files="see listing (INSEE's fichier des personnes décédées on data.gouv.fr: one file per year, "
            "deces-{year}.txt, and one per month of the current year, deces-{year}-m{month}.txt, under "
            "https://static.data.gouv.fr/resources/fichier-des-personnes-decedees/<upload time>/)",
            format="fixed-width text, one row per death (name, sex, birth date and place, death date, commune "
            "code of death); to be aggregated by commune × year × sex × age before this source reads it",
            rhythm="yearly:2", listing="https://www.data.gouv.fr/api/1/datasets/fichier-des-personnes-decedees/",
            verified_on="https://www.icem7.fr/?p=18483 (« 62 fichiers txt diffusés par l'Insee sur data.gouv.fr, "
            "annuels et mensuels »); file address seen in public code: https://static.data.gouv.fr/resources/"
            "fichier-des-personnes-decedees/20210614-174027/deces-2021-m05.txt; dataset API "
            "https://www.data.gouv.fr/api/1/datasets/fichier-des-personnes-decedees/ (code corpus)",
        ),
    ),
    counts_by_age_and_sex(
        id="population_age_sexe", parser=parse_population, layout="CODGEO;ANNEE;SEXE;AGE;POP (sources/mortalite.py)",
        producer="INSEE", product="Population par commune, sexe et âge quinquennal (recensement)",
        product_page="https://www.insee.fr/fr/statistiques/1893204",
        official_urls=("https://www.insee.fr/fr/statistiques/1893204",),
        licence="Licence Ouverte (INSEE)", attribution="Insee, RP",
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/1893204", files="see the page (one file per census edition)",
            format="csv or xlsx by commune, sex and five-year age group", rhythm="yearly:6",
            # the page is not in the stored corpus; public reuses cite it for this product, delivered wide
            # (columns ageq_recNNsSrpopYYYY) where this source reads a long layout: say so, do not guess a file URL
            verified_on="https://www.insee.fr/fr/statistiques/1893204 as cited by public reuses (« population par "
            "tranche d'âge quinquennal », RP 2011–2022, commune; wide columns ageq_recNNsS…); the page itself and "
            "the file names per edition were not read",
        ),
    ),
]
