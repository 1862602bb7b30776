"""The rules a travel-survey delivery must pass (run by expectations/runner.py): keys, weights, links between
records, codes of the survey standard's dictionary, and the documented quirks kept as delivered (warnings)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.emd.codes import groups

# Keys include the sampling sector (and the EMC² survey method).
KEYS = {
    "household": ["survey", "method", "sector", "household"],
    "person": ["survey", "method", "sector", "household", "person"],
    "trip": ["survey", "method", "sector", "household", "person", "trip"],
    "leg": ["survey", "method", "sector", "household", "person", "trip", "leg"],
}
KEPT = "kept as delivered and flagged"


def records(frame: pd.DataFrame, record: str) -> pd.DataFrame:
    return frame[frame["record"] == record].assign(method=lambda f: f["method"].fillna(""))


def _orphans(frame: pd.DataFrame, child: str, parent: str) -> pd.DataFrame:
    """Records of `child` whose parent record is missing, with their key spelled out (reported as failing values)."""
    kids, parents = records(frame, child), records(frame, parent)
    link = KEYS[parent]
    known = pd.MultiIndex.from_frame(parents[link].astype(str))
    orphans = kids[~pd.MultiIndex.from_frame(kids[link].astype(str)).isin(known)]
    labels = {"method": "method", "sector": "sector", "household": "ECH", "person": "PER", "trip": "NDEP", "leg": "T1"}
    keys_text = [
        " ".join([row[0]] + [f"{labels[k]} {v}" for k, v in zip(KEYS[child][1:], row[1:], strict=True) if v])
        for row in orphans[KEYS[child]].astype(str).values
    ]
    return pd.DataFrame({"orphan_key": pd.Series(keys_text, index=orphans.index, dtype="str")})


def _unknown_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per survey × field × code absent from the survey standard's dictionary, with its count."""
    rows, first_lines = [], []  # the row label of a code is its first record (survey/file:line)
    for record, column, kind in (
        ("trip", "mode_code", "mode"),
        ("trip", "origin_purpose", "purpose"),
        ("trip", "destination_purpose", "purpose"),
        ("leg", "leg_mode_code", "mode"),
    ):
        part = records(frame, record).dropna(subset=[column])
        for (survey, standard), group in part.groupby(["survey", "standard"]):
            unknown = group.loc[~group[column].astype(int).isin(list(groups(kind, standard))), column]
            for code, found in unknown.groupby(unknown):
                rows.append(f"{survey} {column} {int(code)}: {len(found)} {record}(s), counted as 'autre'")
                first_lines.append(found.index[0])
    return pd.DataFrame({"unknown_code": pd.Series(rows, index=first_lines, dtype="str")})


def _persons_in_scope(frame: pd.DataFrame) -> pd.DataFrame:
    """Persons that count in the trip indicators, per survey (interviewed ones when the survey says who was)."""
    persons = records(frame, "person")
    in_scope = (persons["weight_scope"] == "all") | persons["interviewed"].fillna(False).astype(bool)
    return in_scope.groupby(persons["survey"]).sum().rename("n_persons").reset_index()


def _interviewed_persons(frame: pd.DataFrame) -> pd.DataFrame:
    persons = records(frame, "person")
    return persons[(persons["weight_scope"] == "interviewed") & persons["interviewed"].fillna(False).astype(bool)]


def _trips_of_non_interviewed(frame: pd.DataFrame) -> pd.DataFrame:
    persons = records(frame, "person")
    skipped = persons[(persons["weight_scope"] == "interviewed") & ~persons["interviewed"].fillna(False).astype(bool)]
    trips = records(frame, "trip")
    key = KEYS["person"]
    return trips[
        pd.MultiIndex.from_frame(trips[key].astype(str)).isin(pd.MultiIndex.from_frame(skipped[key].astype(str)))
    ]


def _flagged(flag: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda f: (lambda trips: trips[trips[flag].fillna(False).astype(bool)])(records(f, "trip"))


def _none(rule: str, why: str) -> r.Expect:
    """A warning: the batch (trips with a documented quirk) should be empty."""
    return r.row_count(0, rule, why, severity="warning")


def _unique(record: str, rule: str) -> r.Expect:
    return r.unique(KEYS[record], rule)


def _linked(child: str, parent: str) -> r.Batch:
    return r.Batch(
        f"{child}s_without_{parent}",
        lambda f: _orphans(f, child, parent),
        [r.null("orphan_key", f"{child}_linked_to_{parent}")],
    )


EXPECTATIONS = (
    r.Batch(
        "households",
        lambda f: records(f, "household"),
        [
            _unique("household", "household_key_unique"),
            r.between("household_weight", "weight_positive", min_value=0, strict_min=True),
        ],
    ),
    r.Batch(
        "persons",
        lambda f: records(f, "person"),
        [
            _unique("person", "person_key_unique"),
            r.not_null("person_weight", "person_weight_present"),
            r.between("person_weight", "weight_positive", min_value=0, strict_min=True),
            r.not_null("age", "age_present"),
            r.between("age", "age_in_range", min_value=0, max_value=120),
        ],
    ),
    r.Batch(  # their weight (COEQ) is what the trip indicators use
        "interviewed_persons",
        _interviewed_persons,
        [
            r.not_null("interviewed_weight", "interviewed_weight_present"),
            r.between("interviewed_weight", "weight_positive", min_value=0, strict_min=True),
        ],
    ),
    r.Batch(  # completeness: a survey whose trip indicators would rest on nobody
        "persons_in_scope_per_survey",
        _persons_in_scope,
        [r.between("n_persons", "survey_has_interviewed_persons", min_value=1)],
    ),
    r.Batch(
        "trips",
        lambda f: records(f, "trip"),
        [
            _unique("trip", "trip_key_unique"),
            *(
                r.between(
                    column,
                    "time_in_range",
                    f"times outside 00:00–29:59 are {KEPT}; the duration is used",
                    min_value=0,
                    max_value=30 * 60 - 1,
                    severity="warning",
                )
                for column in ("departure_min", "arrival_min")
            ),
            r.between(
                "duration_min",
                "duration_not_negative",
                f"{KEPT}; left out of the mean duration",
                min_value=0,
                severity="warning",
            ),
            r.between(
                "distance_m",
                "distance_not_negative",
                f"{KEPT}; left out of the mean distance",
                min_value=0,
                severity="warning",
            ),
        ],
    ),
    r.Batch("legs", lambda f: records(f, "leg"), [_unique("leg", "leg_key_unique")]),
    _linked("person", "household"),
    _linked("trip", "person"),
    _linked("leg", "trip"),
    r.Batch(
        "unknown_codes",
        _unknown_codes,
        [
            r.null(
                "unknown_code",
                "code_in_dictionary",
                "mode and purpose codes absent from sources/emd_codes.yml for the survey's standard are "
                "counted in the group 'autre' (values: survey, field, code, count)",
                severity="warning",
            ),
        ],
    ),
    r.Batch(
        "outside_survey_area",
        _flagged("outside_perimeter"),
        [
            _none(
                "trips_within_survey_area",
                "trips leaving the surveyed perimeter (TYPD 2/3, else zone codes of sources/emd_codes.yml or the "
                f"manifest) are {KEPT}: they count in shares and trips per person, not in mean duration/distance",
            ),
        ],
    ),
    r.Batch(
        "long_trips",
        _flagged("long_trip"),
        [_none("trip_length_plausible", f"trips beyond the bounds of sources/emd_codes.yml are {KEPT}")],
    ),
    r.Batch(
        "swapped_times",
        lambda f: (lambda t: t[t["arrival_min"] < t["departure_min"]])(records(f, "trip")),
        [
            _none(
                "arrival_after_departure",
                "arrival before departure (swapped times or a trip past midnight): the delivered duration is "
                "used, the times are kept as delivered",
            ),
        ],
    ),
    r.Batch(
        "trips_of_non_interviewed_persons",
        _trips_of_non_interviewed,
        [
            _none(
                "trips_only_of_interviewed_persons",
                "trips of persons not interviewed (PENQ ≠ 1) are kept but do not count in the indicators",
            ),
        ],
    ),
)
# the layout workbook and the manifest of a survey give no rows: the EMD parser checks its record files
COMPLETENESS = Completeness(shrink_keys=("survey", "record"), files_give_rows=False)
