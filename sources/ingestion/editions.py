"""Which edition a source's validated content holds, read from the content itself (issue 22: the publication says
which edition each theme shows and how old it is): the latest quarter, census, vintage or year its rows carry,
and the geography that edition is delivered on; else the latest year its file names give. Reads only the few
columns it needs from the validated Parquet file."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

# (column holding the edition, what a reader calls it), the first one present wins
EDITION_COLUMNS = (
    ("quarter", "trimestre"),
    ("census_year", "recensement"),
    ("edition", "recensement"),
    ("period_end", "recensement"),
    ("cog_year", "millésime"),
    ("to_year", "millésime"),
    ("survey_year", "enquête"),
    ("year", "année"),
)
WIDE_CENSUS = re.compile(r"^P(\d{2})_POP$")
YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
NO_EDITION = {"edition": None, "edition_kind": None, "edition_geo_year": None}


def edition_of(parquet: Path, files: list[str]) -> dict:
    """{edition, edition_kind, edition_geo_year} of a validated content (None values when nothing says)."""
    out = dict(NO_EDITION)
    try:
        names = set(pq.read_schema(parquet).names)
    except OSError:
        return out
    found = next(((c, kind) for c, kind in EDITION_COLUMNS if c in names), None)
    if found is not None:
        column, kind = found
        table = pq.read_table(parquet, columns=[column, *(["geo_year"] if "geo_year" in names else [])])
        values = table[column].cast("string") if table[column].type != "string" else table[column]
        numeric = pc.cast(table[column], "int64", safe=False) if not str(table[column].type).startswith(
            ("string", "large_string")) else None
        if table.num_rows and values.null_count < table.num_rows:
            latest = pc.max(numeric).as_py() if numeric is not None else pc.max(values).as_py()
            out.update(edition=str(latest), edition_kind=kind)
            if "geo_year" in table.column_names:
                rows = table.filter(pc.equal(numeric if numeric is not None else values, latest))
                geo = pc.max(rows["geo_year"]).as_py()
                out["edition_geo_year"] = int(geo) if geo is not None else None
            return out
    censuses = [int(m.group(1)) for n in names if (m := WIDE_CENSUS.match(n))]
    if censuses:  # INSEE's wide layouts (comparateur: P18_POP, P13_POP …): the latest census they give
        out.update(edition=str(2000 + max(censuses)), edition_kind="recensement")
        return out
    years = [int(y) for f in files for y in YEAR_IN_NAME.findall(f)]
    if years:
        out.update(edition=str(max(years)), edition_kind="édition")
    return out
