"""Regional health observatory (ORS) indicator tables: one row per territory × indicator × period.

ORS Nord-Pas-de-Calais publications (e.g. « Les inégalités de santé dans les communautés urbaines et
d'agglomération ») compute mortality indicators from INSERM-CépiDc deaths and INSEE populations and rank the
territories. Layout read here (`;` CSV, UTF-8): `territoire;code;indicateur;periode;valeur;unite;rang;nb_territoires`
(`code`: SIREN of the EPCI when known, empty otherwise; `rang` 1 = lowest value of the indicator's ranking order).
Nothing official is available offline: the bundled file is an extract of the figures the diagnostic printed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.parsing import Parsed, read_delimited, require_columns, to_numbers
from sources.spec import Release, SourceSpec

SOURCE_ID = "ors_indicateurs"
EXTRACT = "ors/ors-indicateurs-extrait-diagnostic.csv"
COLUMNS = ["territoire", "code", "indicateur", "periode", "valeur", "unite", "rang", "nb_territoires"]


def parse(paths: list[Path]) -> Parsed:
    frames = []
    for path in paths:
        frame = read_delimited(SOURCE_ID, path)
        require_columns(SOURCE_ID, path.name, list(frame.columns), COLUMNS)
        lines = pd.Series(frame.index + 2, index=frame.index)
        for column in ("valeur", "rang", "nb_territoires"):
            frame[column] = to_numbers(SOURCE_ID, path.name, frame[column], column, lines)
        frame["source_file"], frame["source_line"] = path.name, frame.index + 2
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["rang"] = out["rang"].astype("Int64")
    out["nb_territoires"] = out["nb_territoires"].astype("Int64")
    out.index = out.index + 1
    # kept as a column: the reproduction explains these rows from the warehouse (never corrected)
    out["rang_hors_ordre"] = out.index.isin(rank_order_breaks(out).index)
    return Parsed(out, [f"{len(out)} ORS indicator values"])


def rank_order_breaks(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose value breaks the monotone order implied by the ranks of their indicator and period.

    Sorted by rank, values must move in one direction (ties allowed): the direction is the one most pairs follow.
    Equal values at distant ranks cannot be judged on a partial table and are not reported.
    """
    breaks = []
    for _, group in frame.dropna(subset=["valeur", "rang"]).groupby(["indicateur", "periode"]):
        ordered = group.sort_values("rang")
        steps = ordered["valeur"].diff().dropna()
        direction = -1 if (steps < 0).sum() >= (steps > 0).sum() else 1
        wrong = steps[(steps * direction) < 0]
        breaks.append(ordered.loc[wrong.index])
    return pd.concat(breaks) if breaks else frame.iloc[0:0]


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, layout="territoire;code;indicateur;periode;valeur;unite;rang;nb_territoires",
        expectations=(
            r.rows(
                r.between("rang", "rank_in_1_198", min_value=1, max_value=198),
                r.unique(["territoire", "indicateur", "periode"], "one_value_per_territory_and_indicator"),
                r.not_null("indicateur", "indicator_named"),
                *r.label_rules("territoire", "indicateur"),
            ),
            r.Batch(
                "ranked",
                lambda f: f.dropna(subset=["rang"]),
                [
                    r.unique(
                        ["indicateur", "periode", "rang"],
                        "one_territory_per_rank",
                        "ties share a rank",
                        mostly=0.9,
                        severity="warning",
                    ),
                ],
            ),
            r.Batch(
                "rank_order_breaks",
                lambda f: f[f["rang_hors_ordre"]],
                [
                    r.row_count(
                        0,
                        "ranks_consistent_with_values",
                        "reported in the reproduction, never corrected",
                        severity="warning",
                    ),
                ],
            ),
        ),
        completeness=Completeness(shrink_keys=("indicateur",)),
        producer="ORS Nord-Pas-de-Calais", product_page="https://www.orsnpdc.org",
        product="Indicateurs de mortalité des communautés urbaines et d'agglomération (extract of the diagnostic)",
        official_urls=("(extract of the diagnostic partagé: table 7 and prose)",),
        bundled=(EXTRACT,), extract_files=(EXTRACT,),  # the diagnostic's figures, not independent data
        licence="figures as printed in the diagnostic partagé "
        "(source printed: Insee, Inserm-CépiDc, traitement ORS)",
        attribution="ORS Nord-Pas-de-Calais, as printed in the diagnostic partagé (2013)",
        releases=Release(
            page="https://www.orsnpdc.org",
            files="none: a fixed document, no new edition",
            format="csv (extract typed from the diagnostic's table 7)", rhythm="none",
            verified_on="not applicable: figures printed in the 2013 diagnostic",
        ),
    ),
]
