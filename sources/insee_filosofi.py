"""INSEE FiLoSoFi (Fichier localisé social et fiscal): disposable income by commune, editions 2014–2019.

What is bundled is NOT the producer's own file: INSEE ships `FILOyyyy_DISP_COM.xls` (banner rows above the
header, one sheet per population); a third party (repository aubryprieur/streamlit_data_territoire) converted its
« ENSEMBLE » sheet to CSV: `;`-separated, UTF-8 with a byte-order mark, decimal comma, CRLF, one row per commune
or municipal arrondissement, columns named as INSEE names them with the 2-digit income year `yy` as suffix:
`CODGEO;LIBGEO;NBMENyy;NBPERSyy;NBUCyy;Q1yy;Q2yy (median);Q3yy;Q3_Q1;D1yy…D9yy (D5 = Q2, not repeated);RD;
S80S20yy;GIyy;…` (the shares of income components that follow are not read). Editions 2014, 2015, 2016, 2018 and
2019 are bundled (2017 is not in the third party's folder). No poverty rate (TP60yy) in this sheet: INSEE ships it
in the « DISP_Pauvres » files, not converted by the third party.
Statistical secrecy: a commune with too few fiscal households has NO row (≈ 3 650 of ≈ 35 000 communes each
year); within a row, deciles and quartiles are empty cells for the small communes where only the median is
published. Both stay NULL (staging and the indicator model flag them `suppressed`), never 0.
Normalisation (documented, counted in the run summary): the year suffix is removed from the column names
(`Q219` → `Q2`, `S80S2019` → `S80S20`) so that every edition has the same columns, and `income_year` (from the
file name `FILOyyyy`) says which edition a row is. Geography: each edition is in the COG of 1 January of the year
after the income year (FILO2019 → COG 2020), checked on the codes (docs/assumptions.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.errors import SourceError
from sources.parsing import Parsed, read_delimited, require_columns, stacked, to_numbers
from sources.spec import Release, SourceSpec

SOURCE_ID = "insee_filosofi"
FILE_YEAR = re.compile(r"FILO(\d{4})_DISP_COM", re.I)
# INSEE variable (without its year suffix) → kept; D5 is the median Q2 and is not a column of the sheet
MEASURES = ("NBMEN", "NBPERS", "NBUC", "Q1", "Q2", "Q3", "Q3_Q1", *(f"D{i}" for i in (1, 2, 3, 4, 6, 7, 8, 9)),
            "RD", "S80S20", "GI")
REQUIRED = ("NBMEN", "NBPERS", "Q2")
EDITIONS = ("2014", "2015", "2016", "2018", "2019")


def income_year(path: Path) -> int:
    match = FILE_YEAR.search(path.name)
    if not match:
        raise SourceError(SOURCE_ID, path.name, "file_name_year", "no income year (FILOyyyy_DISP_COM) in the file name")
    return int(match.group(1))


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in sorted(paths, key=lambda p: p.name):
        year = income_year(path)
        yy = f"{year % 100:02d}"
        raw = read_delimited(SOURCE_ID, path, encoding="utf-8-sig")  # the conversion wrote a byte-order mark
        renamed = {c: c[: -len(yy)] for c in raw.columns if c.endswith(yy) and c[: -len(yy)] in MEASURES}
        raw = raw.rename(columns=renamed)
        require_columns(SOURCE_ID, path.name, list(raw.columns), ["CODGEO", "LIBGEO", *REQUIRED])
        lines = pd.Series(range(2, len(raw) + 2), index=raw.index)
        out = pd.DataFrame({"CODGEO": raw["CODGEO"].str.strip(), "LIBGEO": raw["LIBGEO"], "income_year": year})
        absent = []
        for measure in MEASURES:
            if measure in raw.columns:
                out[measure] = to_numbers(SOURCE_ID, path.name, raw[measure], measure, lines)
            else:  # a measure this edition does not publish
                out[measure] = pd.Series(float("nan"), index=raw.index)
                absent.append(measure)
        out["geo_year"] = year + 1
        out["source_file"] = path.name
        out["source_line"] = lines.values
        frames.append(out)
        notes.append(
            f"{path.name}: {len(out)} communes/arrondissements, income year {year} on COG {year + 1}; "
            f"{len(renamed)} column names stripped of their year suffix '{yy}'; "
            f"empty medians (secret) {int(out['Q2'].isna().sum())}, empty first deciles {int(out['D1'].isna().sum())}"
            + (f"; not in this edition: {absent}" if absent else "")
        )
    return stacked(frames, notes)


def _communes_per_edition(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("income_year").size().rename("n_rows").reset_index()


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, producer="INSEE (conversion CSV par un tiers)",
        expectations=(
            r.rows(
                r.matches("CODGEO", r.COMMUNE, "commune_code_format", france_wide=True),
                r.unique(["CODGEO", "income_year"], "one_row_per_commune_and_edition"),
                r.not_null("Q2", "median_present", why="a secret commune has no row: a row has its median"),
                r.between("Q2", "median_in_range", min_value=5_000, max_value=80_000),
                r.between("NBMEN", "households_non_negative", min_value=0),
                r.between("NBPERS", "persons_non_negative", min_value=0),
                r.between("GI", "gini_in_0_1", min_value=0, max_value=1),
                *r.label_rules("LIBGEO"),
            ),
            r.Batch(
                "communes_per_edition",
                _communes_per_edition,
                [r.between("n_rows", "communes_per_edition", min_value=28_000, max_value=36_000, france_wide=True)],
            ),
        ),
        completeness=Completeness(shrink_keys=("income_year",)),
        product="FiLoSoFi, revenus disponibles par commune (feuille ENSEMBLE de FILOyyyy_DISP_COM.xls), revenus "
        "2014, 2015, 2016, 2018, 2019 — conversion CSV de la publication Insee par un tiers",
        product_page="https://www.insee.fr/fr/statistiques/6036902",
        official_urls=tuple(
            "https://github.com/aubryprieur/streamlit_data_territoire/raw/7618e8e9/revenu/revenu_commune/"
            f"FILO{y}_DISP_COM.csv" for y in EDITIONS
        ),
        bundled=tuple(f"insee_filosofi/FILO{y}_DISP_COM.csv.gz" for y in EDITIONS),
        licence="Licence Ouverte 2.0 (INSEE)",
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/6036907 (FiLoSoFi 2019, communes)",
            files="see listing: one page per edition (2019: /fr/statistiques/fichier/6036907/"
            "indic-struct-distrib-revenu-2019-COMMUNES_csv.zip; 2018: /fr/statistiques/fichier/5009218/"
            "indic-struct-distrib-revenu-2018-COMMUNES_csv.zip)",
            format="INSEE: zip of FILOyyyy_DISP_COM (xls or ; CSV); the bundled copy is a third party's CSV conversion",
            rhythm="yearly:4",
            verified_on="file names: addresses of the 2019 and 2018 editions seen in public reuses (code corpus)",
        ),
        attribution="Source : Insee-DGFiP-Cnaf-Cnav-Ccmsa, Fichier localisé social et fiscal (FiLoSoFi)",
        layout="third-party CSV conversion of INSEE's FILOyyyy_DISP_COM.xls, sheet ENSEMBLE: "
        "CODGEO;LIBGEO;NBMENyy;NBPERSyy;NBUCyy;Q1yy;Q2yy;Q3yy;Q3_Q1;D1yy…D9yy;RD;S80S20yy;GIyy;… "
        "(`;`, UTF-8 with BOM, decimal comma)",
    ),
]
