"""URSSAF open data: private-sector salaried employment (« effectifs salariés ») by zone d'emploi.

Layout of the open.urssaf.fr exports (`;`-separated CSV, UTF-8, one row per territory, one column per year):
`Code zone d'emploi` (or `Code zone d'emploi 2010` when the file states the zoning), `Zone d'emploi`, optional
`Région`, then `Effectifs salariés YYYY` (annual average headcount) and optionally `Nombre d'établissements YYYY`.
Champ: secteur privé, régime général, hors agriculture. A cell URSSAF withholds (« s », « secret ») is kept as
NULL with the flag `suppressed`; an empty cell as NULL with `not_available`, never as zero.
Geography: the zoning in force when the file was published, taken as the COG of the year after the last data
year (`geo_year` = last year + 1) unless the file name carries `geoYYYY`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness, Partition, fixed
from sources.errors import SourceError
from sources.parsing import Parsed, read_delimited, stacked
from sources.spec import Release, SourceSpec

SOURCE_ID = "urssaf_effectifs"
EXTRACT = "urssaf/effectifs-salaries-prive-ze2010-extrait-diagnostic.csv"
YEAR_COLUMN = re.compile(r"^(Effectifs salariés|Nombre d'établissements) (\d{4})$")
CODE_COLUMN = re.compile(r"^Code zone d'emploi(?: (\d{4}))?$")
MARKERS = {"s": "suppressed", "secret": "suppressed"}


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in paths:
        raw = read_delimited(SOURCE_ID, path)
        code_cols = [c for c in raw.columns if CODE_COLUMN.match(c)]
        years = [c for c in raw.columns if YEAR_COLUMN.match(c)]
        if not code_cols or not years:
            raise SourceError(
                SOURCE_ID,
                path.name,
                "required_columns",
                f"need « Code zone d'emploi » and « Effectifs salariés YYYY » header columns; got {list(raw.columns)}",
                [1],
            )
        zoning_year = CODE_COLUMN.match(code_cols[0]).group(1) or "2020"
        last_year = max(int(YEAR_COLUMN.match(c).group(2)) for c in years)
        geo = re.search(r"geo(\d{4})", path.stem)
        geo_year = int(geo.group(1)) if geo else last_year + 1
        for column in years:
            measure, year = YEAR_COLUMN.match(column).groups()
            text = raw[column].str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
            value = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
            flag = text.str.lower().map(MARKERS).where(text.ne(""), "not_available")
            bad = value.isna() & text.ne("") & flag.isna()
            if bad.any():
                raise SourceError(
                    SOURCE_ID,
                    path.name,
                    "headcount_is_number",
                    f"not a number: {raw[column][bad].head(5).tolist()}",
                    rows=[int(i) + 2 for i in raw.index[bad]],
                    column=column,
                    values=raw[column][bad].head(10).tolist(),
                )
            frames.append(
                pd.DataFrame(
                    {
                        "zoning": f"ze{zoning_year}",
                        "code": raw[code_cols[0]].str.strip(),
                        "label": raw["Zone d'emploi"] if "Zone d'emploi" in raw.columns else None,
                        "measure": "effectifs" if measure.startswith("Effectifs") else "etablissements",
                        "year": int(year),
                        "value": value,
                        "flag": flag,
                        "geo_year": geo_year,
                        "source_file": path.name,
                        "source_line": raw.index + 2,
                    }
                )
            )
        notes.append(
            f"{path.name}: {len(raw)} zones × {len(years)} year columns (zoning ZE{zoning_year}, geo {geo_year})"
        )
    return stacked(frames, notes)


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse,
        expectations=(
            r.rows(
                r.matches("code", r.ZONE_EMPLOI, "ze_code_format"),
                r.between("value", "headcount_non_negative", min_value=0),
                r.unique(["zoning", "code", "measure", "year"], "one_value_per_zone_year"),
                *r.label_rules("label"),
            ),
            r.Batch("missing_values", lambda f: f[f["value"].isna()], [r.not_null("flag", "missing_value_is_flagged")]),
        ),
        completeness=Completeness([Partition(("measure",), fixed("effectifs"))], shrink_keys=("year",)),
        product="Effectifs salariés du secteur privé par zone d'emploi, 2008 et 2012 — extract of the "
        "diagnostic's table 4 (source printed: URSSAF 2013)",
        producer="URSSAF", product_page="https://open.urssaf.fr/explore/?q=effectifs+zone+d%27emploi",
        official_urls=("(extract of the diagnostic partagé, table 4)",),
        bundled=(EXTRACT,), extract_files=(EXTRACT,),  # the diagnostic's figures, not independent data
        licence="Licence Ouverte / ODbL (URSSAF open data); figures as printed in the diagnostic partagé",
        attribution="Urssaf, as printed in the diagnostic partagé du Bassin minier (2013), table 4",
        # the producer's series (the bundled file is the diagnostic's extract of it)
        releases=Release(
            page="https://www.data.gouv.fr/fr/datasets/effectifs-salaries-et-masse-salariale-trimestriels-du-secteur-prive-par-zone-demploi/",
            files="https://open.urssaf.fr/api/explore/v2.1/catalog/datasets/"
            "effectifs-salaries-et-masse-salariale-du-secteur-prive-par-zone-demploi/exports/csv",
            format="csv ; separated (Opendatasoft export), one row per zone d'emploi × quarter",
            rhythm="quarterly", lag_days=90,
            listing="https://www.data.gouv.fr/api/1/datasets/5eaa8ff4f3b39e025ceb753a/",
            verified_on="https://www.data.gouv.fr/fr/datasets/effectifs-salaries-et-masse-salariale-trimestriels-du-"
            "secteur-prive-par-zone-demploi/ (id 5eaa8ff4f3b39e025ceb753a, ods:url on open.urssaf.fr, ODbL, « fin de "
            "trim. + ~90 jours »); the exports/csv path of open.urssaf.fr's API v2.1 seen in public reuses",
        ),
        layout="open.urssaf.fr export: Code zone d'emploi [YYYY];Zone d'emploi;Effectifs salariés YYYY …",
    ),
]
