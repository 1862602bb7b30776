"""DGCL « Liste et composition des EPCI à fiscalité propre », one semicolon file per year (1 January).

Official layout (varies by year): siren;nom;nature;fiscalite;[nb_com;]ptot;pmun;[pcap;][nb_com;]insee;
[siren_com;]nom_com;ptot_com;pmun_com[;pcap_com]. UTF-8. One row per member commune. Populations are the
legal populations in force on 1 January of the year (2012 → census 2009).

Normalisations (counted in the run summary): commune codes of départements 01–09 are written without their
leading zero in several years (`1001` for `01001`) and are left-padded to 5 characters; leading/trailing
spaces around names and codes (2009 file) are stripped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness, Partition, fixed
from expectations.degradation import Degradation
from sources.errors import SourceError
from sources.parsing import Parsed, read_delimited, require_columns, stacked
from sources.spec import Release, SourceSpec

SOURCE_ID = "dgcl_epci"
REQUIRED = ["siren", "nom", "nature", "insee", "nom_com", "pmun_com"]
KEPT = ["siren", "nom", "nature", "insee", "nom_com", "ptot_com", "pmun_com"]
YEAR = re.compile(r"(\d{4})")
YEARS = range(2008, 2015)  # the bundled lists, 1 January of each year
# The lists of 2008–2013 hold cp1252 characters read as latin-1 (C1 controls: « C\x9cur » for « Cœur », « d\x92 »
# for « d’ »): 150 EPCI names of 2008, 38 of 2013, and commune names. Kept as delivered; stg_dgcl_epci_composition
# decodes them (the cp1252 character is still there). A C1 control in a later list, or a lost character (U+FFFD,
# `¿`) in any, is a new damage: critical.
C1_LABELS = r.KnownQuirk(
    "c1_control", ("year", "<=", 2013),
    "DGCL lists 2008–2013: cp1252 characters (œ ’) read as latin-1; decoded in stg_dgcl_epci_composition",
)
GEOHISTO = "https://raw.githubusercontent.com/etalab/geohisto/65e6f304a3eecf63c43f214a331cb8a1162ae2de/sources/epci"


def parse_file(path: Path) -> tuple[pd.DataFrame, int]:
    match = YEAR.search(path.name)
    if not match:
        raise SourceError(SOURCE_ID, path.name, "file_name_year", "no year in the file name (epci_composition_YYYY)")
    frame = read_delimited(SOURCE_ID, path)
    require_columns(SOURCE_ID, path.name, list(frame.columns), REQUIRED)
    frame = frame.reindex(columns=KEPT).apply(lambda col: col.str.strip())
    padded = int((frame["insee"].str.len() < 5).sum())
    frame["insee"] = frame["insee"].str.zfill(5)
    frame.insert(0, "year", int(match.group(1)))
    frame["source_file"] = path.name
    frame["source_line"] = range(2, len(frame) + 2)  # line in the file, header = line 1
    for col in ("ptot_com", "pmun_com"):
        frame[col] = pd.to_numeric(frame[col].replace("", None), errors="coerce").astype("Int64")
    return frame, padded


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in sorted(paths, key=lambda p: p.name):
        frame, padded = parse_file(path)
        frames.append(frame)
        if padded:
            notes.append(f"{path.name}: {padded} commune code(s) left-padded to 5 characters")
    return stacked(frames, notes)


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, layout="DGCL semicolon CSV, columns vary by year (see sources/dgcl_epci.py)",
        expectations=(
            r.rows(
                r.matches("siren", r.SIREN, "siren_format"),
                r.matches("insee", r.COMMUNE, "commune_code_format", france_wide=True),
                r.unique(["year", "insee"], "commune_in_one_epci_per_year"),
                r.between("pmun_com", "population_non_negative", min_value=0),
                r.not_null("pmun_com", "population_present"),
                *r.label_rules("nom", "nom_com", known=C1_LABELS),
            ),
            r.Batch(
                "rows_per_year",
                r.rows_per("year"),
                [
                    r.between(
                        "n_rows",
                        "member_communes_per_year_bounds",
                        min_value=30_000,
                        max_value=37_500,
                        france_wide=True,
                    )
                ],
            ),
        ),
        completeness=Completeness(
            [Partition(("year",), fixed(*YEARS), min_rows=30_000, one_file_each=True, france_wide=True)],
            shrink_keys=("year",),
        ),
        degradation=Degradation(
            period="year", keys=("insee",), values=("siren", "ptot_com", "pmun_com"),
            why="A year file identical to the year before: the populations in force change every 1 January, so two "
            "real lists share the same EPCI and populations for under 6 % of their communes.",
        ),
        producer="DGCL", product="Liste et composition des EPCI à fiscalité propre, 1er janvier 2008–2014",
        product_page="https://www.collectivites-locales.gouv.fr/institutions/liste-et-composition-des-epci-fiscalite-propre",
        official_urls=tuple(f"{GEOHISTO}/{y}.csv" for y in YEARS),
        bundled=tuple(f"dgcl/epci_composition_{y}.csv.gz" for y in YEARS),
        licence="Licence Ouverte / Open Licence (Etalab)",
        attribution="DGCL, Liste et composition des EPCI (republished by Etalab, geohisto)",
        releases=Release(
            page="https://www.collectivites-locales.gouv.fr/institutions/liste-et-composition-des-epci-fiscalite-propre",
            files="see listing (one file per 1 January; the bundled 2008–2014 lists are Etalab geohisto's copies)",
            format="csv ; separated (xlsx on the DGCL page since 2015), one file per year",
            rhythm="yearly:1",
            listing="https://www.data.gouv.fr/api/1/datasets/?q=composition+EPCI+fiscalite+propre",
            verified_on="https://insee.fr/fr/information/2510634 (INSEE's EPCI files, COG of 1 January; points to "
            "the DGCL and BANATIC); the data.gouv.fr API shape on https://guides.data.gouv.fr/guide-data.gouv.fr/"
            "api-1/reference/organizations",
        ),
    ),
]
