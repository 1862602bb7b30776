"""The expectation suites, one per source (plus suites on small derived frames such as rows per vintage).

Every expectation carries `meta.rule`, the name used in logs and quarantine reports. Severity `critical`
quarantines the source; `warning` is reported but lets the batch through (used only for documented quirks of
real deliveries, each explained in `meta.why`).
"""

from __future__ import annotations

from collections.abc import Callable

import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.expectations.row_conditions import Column

from transforms.levels import LEVELS as ALL_LEVELS

COMMUNE = r"^(?:\d{5}|2[AB]\d{3})$"  # 5 characters, Corsica 2A/2B included
SIREN = r"^\d{9}$"
ZONE_EMPLOI = r"^\d{4}$"
NO_EPCI = "ZZZZZZZZZ"  # INSEE's marker for a commune in no EPCI (2009–2013); the 2008 table leaves it empty
COG_YEARS = list(range(2008, 2025))
CENSUS_VINTAGES = [1968, 1975, 1982, 1990, 1999, *COG_YEARS]


def _rule(name: str, why: str | None = None) -> dict:
    return {"rule": name, **({"why": why} if why else {})}


def _rows_per(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.groupby(key).size().rename("n_rows").reset_index()


def _passage_ratio_sums(frame: pd.DataFrame) -> pd.DataFrame:
    forward = frame[frame["from_year"] < frame["to_year"]]
    return forward.groupby(["from_year", "to_year", "cod_from"])["ratio"].sum().rename("ratio_sum").reset_index()


# source id → list of (batch name, frame builder, expectations). The first batch is the parsed source itself.
Batch = tuple[str, Callable[[pd.DataFrame], pd.DataFrame], list]

SUITES: dict[str, list[Batch]] = {
    "insee_cog_appartenance": [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectTableRowCountToBeBetween(
                    min_value=550_000, max_value=700_000, meta=_rule("row_count_bounds")
                ),
                gxe.ExpectColumnValuesToBeInSet(column="cog_year", value_set=COG_YEARS, meta=_rule("known_vintage")),
                gxe.ExpectColumnValuesToNotBeNull(column="codgeo", meta=_rule("commune_code_present")),
                gxe.ExpectColumnValuesToMatchRegex(column="codgeo", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["cog_year", "codgeo"], meta=_rule("commune_unique_per_vintage")
                ),
                gxe.ExpectColumnValuesToMatchRegex(
                    column="epci",
                    regex=rf"^(?:\d{{9}}|{NO_EPCI})$",
                    meta=_rule("epci_siren_or_no_epci_marker"),
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="epci",
                    row_condition=Column("cog_year") >= 2009,
                    meta=_rule("commune_in_one_epci"),
                ),
                gxe.ExpectColumnValuesToMatchRegex(column="ze2010", regex=ZONE_EMPLOI, meta=_rule("ze_code_format")),
                gxe.ExpectColumnValuesToMatchRegex(column="ze2020", regex=ZONE_EMPLOI, meta=_rule("ze_code_format")),
                gxe.ExpectColumnValuesToMatchRegex(
                    column="dep", regex=r"^(?:\d{2}|2[AB]|97\d)$", meta=_rule("departement_code_format")
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="dep", meta=_rule("commune_in_a_departement")),
            ],
        ),
        (
            "rows_per_vintage",
            lambda f: _rows_per(f, "cog_year"),
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="n_rows",
                    min_value=34_000,
                    max_value=38_000,
                    meta=_rule("communes_per_vintage_bounds"),
                ),
                gxe.ExpectTableRowCountToEqual(value=len(COG_YEARS), meta=_rule("every_vintage_present")),
            ],
        ),
    ],
    "insee_cog_libelles": [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectTableRowCountToBeBetween(
                    min_value=100_000, max_value=250_000, meta=_rule("row_count_bounds")
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="nivgeo", meta=_rule("level_present")),
                gxe.ExpectColumnValuesToNotBeNull(column="libgeo", meta=_rule("label_present")),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["cog_year", "nivgeo", "codgeo"],
                    meta=_rule("code_unique_per_level_and_vintage"),
                ),
            ],
        ),
    ],
    "insee_cog_passage": [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=5_000, max_value=50_000, meta=_rule("row_count_bounds")),
                gxe.ExpectColumnValuesToMatchRegex(column="cod_from", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectColumnValuesToMatchRegex(column="cod_to", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectColumnValuesToBeBetween(column="ratio", min_value=0, max_value=1, meta=_rule("ratio_in_0_1")),
                gxe.ExpectColumnValuesToBeInSet(
                    column="from_year", value_set=CENSUS_VINTAGES, meta=_rule("known_vintage")
                ),
            ],
        ),
        (
            "forward_steps",  # the backward tables (new → old) leave some ratios empty; only forward steps are used
            lambda f: f[f["from_year"] < f["to_year"]],
            [gxe.ExpectColumnValuesToNotBeNull(column="ratio", meta=_rule("forward_ratio_present"))],
        ),
        (
            "ratio_sums",
            _passage_ratio_sums,
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="ratio_sum",
                    min_value=0.999,
                    max_value=1.001,
                    severity="warning",
                    meta=_rule(
                        "split_ratios_sum_to_one",
                        "COGugaison gives ratio=1 to every part of some 2022–2024 restorations and 1/n to the "
                        "members of some 2023→2024 mergers; staging recomputes those ratios (see "
                        "stg_commune_passage.sql)",
                    ),
                ),
            ],
        ),
    ],
    "insee_population": [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectTableRowCountToBeBetween(
                    min_value=700_000, max_value=900_000, meta=_rule("row_count_bounds")
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="cog_year", value_set=CENSUS_VINTAGES, meta=_rule("known_vintage")
                ),
                gxe.ExpectColumnValuesToMatchRegex(column="codgeo", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["cog_year", "codgeo"], meta=_rule("commune_unique_per_vintage")
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="pop", min_value=0, max_value=3_000_000, meta=_rule("population_non_negative")
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="pop",
                    mostly=0.998,
                    meta=_rule("population_present", "706 rows (Mayotte before its first census) have none"),
                ),
            ],
        ),
        (
            "rows_per_vintage",
            lambda f: _rows_per(f, "cog_year"),
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="n_rows",
                    min_value=34_000,
                    max_value=38_500,
                    meta=_rule("communes_per_vintage_bounds"),
                ),
                gxe.ExpectTableRowCountToEqual(value=len(CENSUS_VINTAGES), meta=_rule("every_vintage_present")),
            ],
        ),
    ],
    "dgcl_epci": [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectColumnValuesToMatchRegex(column="siren", regex=SIREN, meta=_rule("siren_format")),
                gxe.ExpectColumnValuesToMatchRegex(column="insee", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["year", "insee"], meta=_rule("commune_in_one_epci_per_year")
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="pmun_com", min_value=0, meta=_rule("population_non_negative")
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="pmun_com", meta=_rule("population_present")),
            ],
        ),
        (
            "rows_per_year",
            lambda f: _rows_per(f, "year"),
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="n_rows",
                    min_value=30_000,
                    max_value=37_500,
                    meta=_rule("member_communes_per_year_bounds"),
                ),
            ],
        ),
    ],
}

LEVELS = list(ALL_LEVELS)  # GX wants a list

SUITES["insee_rp_age"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToNotBeNull(column="codgeo", meta=_rule("territory_code_present")),
            gxe.ExpectColumnValuesToBeInSet(
                column="nivgeo",
                value_set=["COM", "EPCI", "ARR", "DEP", "REG", "ZE2010", "ZE2020", "METRO"],
                meta=_rule("known_nivgeo"),
            ),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["nivgeo", "codgeo", "census_year", "band"], meta=_rule("one_count_per_territory_and_band")
            ),
            gxe.ExpectColumnValuesToBeBetween(column="count", min_value=0, meta=_rule("count_non_negative")),
            gxe.ExpectColumnValuesToNotBeNull(column="count", meta=_rule("count_present")),
            gxe.ExpectColumnValuesToBeBetween(column="age_min", min_value=0, max_value=120, meta=_rule("age_in_range")),
        ],
    ),
]
SUITES["insee_rp_historique"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToMatchRegex(column="codgeo", regex=COMMUNE, meta=_rule("commune_code_format")),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["codgeo", "variable"], meta=_rule("one_value_per_commune")
            ),
            gxe.ExpectColumnValuesToBeBetween(column="count", min_value=0, meta=_rule("count_non_negative")),
            gxe.ExpectColumnValuesToNotBeNull(column="count", meta=_rule("count_present")),
        ],
    ),
]
for _census_source in ("insee_rp_diplomes", "insee_rp_actifs"):
    SUITES[_census_source] = [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectColumnValuesToMatchRegex(column="codgeo", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["codgeo", "insee_variable"], meta=_rule("one_value_per_commune")
                ),
                gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0, meta=_rule("count_non_negative")),
            ],
        ),
    ]

for _counts in ("deces_age_sexe", "population_age_sexe"):
    SUITES[_counts] = [
        (
            "rows",
            lambda f: f,
            [
                gxe.ExpectColumnValuesToMatchRegex(column="codgeo", regex=COMMUNE, meta=_rule("commune_code_format")),
                gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=[1, 2], meta=_rule("sex_code")),
                gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0, meta=_rule("count_non_negative")),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["codgeo", "year", "sex", "age_group"], meta=_rule("one_count_per_cell")
                ),
            ],
        ),
    ]


def _ors_rank_breaks(frame: pd.DataFrame) -> pd.DataFrame:
    from sources.ors import rank_order_breaks

    return rank_order_breaks(frame)


SUITES["ors_indicateurs"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToBeBetween(column="rang", min_value=1, max_value=198, meta=_rule("rank_in_1_198")),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["territoire", "indicateur", "periode"], meta=_rule("one_value_per_territory_and_indicator")
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="indicateur", meta=_rule("indicator_named")),
        ],
    ),
    (
        "ranked",
        lambda f: f.dropna(subset=["rang"]),
        [
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["indicateur", "periode", "rang"],
                mostly=0.9,
                severity="warning",
                meta=_rule("one_territory_per_rank", "ties share a rank"),
            ),
        ],
    ),
    (
        "rank_order_breaks",
        _ors_rank_breaks,
        [
            gxe.ExpectTableRowCountToEqual(
                value=0,
                severity="warning",
                meta=_rule("ranks_consistent_with_values", "reported in the reproduction, never corrected"),
            ),
        ],
    ),
]


# Household travel surveys (sources/emd): keys include the sampling sector (and the EMC² survey method).
_EMD_KEYS = {
    "household": ["survey", "method", "sector", "household"],
    "person": ["survey", "method", "sector", "household", "person"],
    "trip": ["survey", "method", "sector", "household", "person", "trip"],
    "leg": ["survey", "method", "sector", "household", "person", "trip", "leg"],
}


def _emd(frame: pd.DataFrame, record: str) -> pd.DataFrame:
    return frame[frame["record"] == record].assign(method=lambda f: f["method"].fillna(""))


def _emd_orphans(frame: pd.DataFrame, child: str, parent: str) -> pd.DataFrame:
    """Records of `child` whose parent record is missing, with their key spelled out (reported as failing values)."""
    kids, parents = _emd(frame, child), _emd(frame, parent)
    link = _EMD_KEYS[parent]
    known = pd.MultiIndex.from_frame(parents[link].astype(str))
    orphans = kids[~pd.MultiIndex.from_frame(kids[link].astype(str)).isin(known)]
    labels = {"method": "method", "sector": "sector", "household": "ECH", "person": "PER", "trip": "NDEP", "leg": "T1"}
    keys_text = [
        " ".join([row[0]] + [f"{labels[k]} {v}" for k, v in zip(_EMD_KEYS[child][1:], row[1:], strict=True) if v])
        for row in orphans[_EMD_KEYS[child]].astype(str).values
    ]
    return pd.DataFrame({"orphan_key": pd.Series(keys_text, index=orphans.index, dtype="str")})


def _emd_unknown_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per survey × field × code absent from the survey standard's dictionary, with its count."""
    from sources.emd.codes import groups

    rows, first_lines = [], []  # the row label of a code is its first record (survey/file:line)
    for record, column, kind in (
        ("trip", "mode_code", "mode"),
        ("trip", "origin_purpose", "purpose"),
        ("trip", "destination_purpose", "purpose"),
        ("leg", "leg_mode_code", "mode"),
    ):
        part = _emd(frame, record).dropna(subset=[column])
        for (survey, standard), group in part.groupby(["survey", "standard"]):
            unknown = group.loc[~group[column].astype(int).isin(list(groups(kind, standard))), column]
            for code, records in unknown.groupby(unknown):
                rows.append(f"{survey} {column} {int(code)}: {len(records)} {record}(s), counted as 'autre'")
                first_lines.append(records.index[0])
    return pd.DataFrame({"unknown_code": pd.Series(rows, index=first_lines, dtype="str")})


def _emd_persons_in_scope(frame: pd.DataFrame) -> pd.DataFrame:
    """Persons that count in the trip indicators, per survey (interviewed ones when the survey says who was)."""
    persons = _emd(frame, "person")
    in_scope = (persons["weight_scope"] == "all") | persons["interviewed"].fillna(False).astype(bool)
    return in_scope.groupby(persons["survey"]).sum().rename("n_persons").reset_index()


def _emd_trips_of_non_interviewed(frame: pd.DataFrame) -> pd.DataFrame:
    persons = _emd(frame, "person")
    skipped = persons[(persons["weight_scope"] == "interviewed") & ~persons["interviewed"].fillna(False).astype(bool)]
    trips = _emd(frame, "trip")
    key = _EMD_KEYS["person"]
    return trips[
        pd.MultiIndex.from_frame(trips[key].astype(str)).isin(pd.MultiIndex.from_frame(skipped[key].astype(str)))
    ]


def _emd_flagged(flag: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda f: (lambda trips: trips[trips[flag].fillna(False).astype(bool)])(_emd(f, "trip"))


def _emd_warning(name: str, why: str):
    return gxe.ExpectTableRowCountToEqual(value=0, severity="warning", meta=_rule(name, why))


def _emd_unique(record: str, rule: str):
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=_EMD_KEYS[record], meta=_rule(rule))


def _emd_linked(child: str, parent: str) -> Batch:
    rule = f"{child}_linked_to_{parent}"
    return (
        f"{child}s_without_{parent}",
        lambda f: _emd_orphans(f, child, parent),
        [gxe.ExpectColumnValuesToBeNull(column="orphan_key", meta=_rule(rule))],
    )


_EMD_KEPT = "kept as delivered and flagged"
SUITES["emd"] = [
    (
        "households",
        lambda f: _emd(f, "household"),
        [
            _emd_unique("household", "household_key_unique"),
            gxe.ExpectColumnValuesToBeBetween(
                column="household_weight", min_value=0, strict_min=True, meta=_rule("weight_positive")
            ),
        ],
    ),
    (
        "persons",
        lambda f: _emd(f, "person"),
        [
            _emd_unique("person", "person_key_unique"),
            gxe.ExpectColumnValuesToNotBeNull(column="person_weight", meta=_rule("person_weight_present")),
            gxe.ExpectColumnValuesToBeBetween(
                column="person_weight", min_value=0, strict_min=True, meta=_rule("weight_positive")
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="age", meta=_rule("age_present")),
            gxe.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=120, meta=_rule("age_in_range")),
        ],
    ),
    (
        "interviewed_persons",  # their weight (COEQ) is what the trip indicators use
        lambda f: (lambda p: p[(p["weight_scope"] == "interviewed") & p["interviewed"].fillna(False).astype(bool)])(
            _emd(f, "person")
        ),
        [
            gxe.ExpectColumnValuesToNotBeNull(column="interviewed_weight", meta=_rule("interviewed_weight_present")),
            gxe.ExpectColumnValuesToBeBetween(
                column="interviewed_weight", min_value=0, strict_min=True, meta=_rule("weight_positive")
            ),
        ],
    ),
    (
        "persons_in_scope_per_survey",  # completeness: a survey whose trip indicators would rest on nobody
        _emd_persons_in_scope,
        [
            gxe.ExpectColumnValuesToBeBetween(
                column="n_persons", min_value=1, meta=_rule("survey_has_interviewed_persons")
            ),
        ],
    ),
    (
        "trips",
        lambda f: _emd(f, "trip"),
        [
            _emd_unique("trip", "trip_key_unique"),
            *(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column,
                    min_value=0,
                    max_value=30 * 60 - 1,
                    severity="warning",
                    meta=_rule("time_in_range", f"times outside 00:00–29:59 are {_EMD_KEPT}; the duration is used"),
                )
                for column in ("departure_min", "arrival_min")
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="duration_min",
                min_value=0,
                severity="warning",
                meta=_rule("duration_not_negative", f"{_EMD_KEPT}; left out of the mean duration"),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="distance_m",
                min_value=0,
                severity="warning",
                meta=_rule("distance_not_negative", f"{_EMD_KEPT}; left out of the mean distance"),
            ),
        ],
    ),
    ("legs", lambda f: _emd(f, "leg"), [_emd_unique("leg", "leg_key_unique")]),
    _emd_linked("person", "household"),
    _emd_linked("trip", "person"),
    _emd_linked("leg", "trip"),
    (
        "unknown_codes",
        _emd_unknown_codes,
        [
            gxe.ExpectColumnValuesToBeNull(
                column="unknown_code",
                severity="warning",
                meta=_rule(
                    "code_in_dictionary",
                    "mode and purpose codes absent from sources/emd_codes.yml for the survey's standard are "
                    "counted in the group 'autre' (values: survey, field, code, count)",
                ),
            ),
        ],
    ),
    (
        "outside_survey_area",
        _emd_flagged("outside_perimeter"),
        [
            _emd_warning(
                "trips_within_survey_area",
                "trips leaving the surveyed perimeter (TYPD 2/3, else zone codes of sources/emd_codes.yml or the "
                f"manifest) are {_EMD_KEPT}: they count in shares and trips per person, not in mean duration/distance",
            ),
        ],
    ),
    (
        "long_trips",
        _emd_flagged("long_trip"),
        [_emd_warning("trip_length_plausible", f"trips beyond the bounds of sources/emd_codes.yml are {_EMD_KEPT}")],
    ),
    (
        "swapped_times",
        lambda f: (lambda t: t[t["arrival_min"] < t["departure_min"]])(_emd(f, "trip")),
        [
            _emd_warning(
                "arrival_after_departure",
                "arrival before departure (swapped times or a trip past midnight): the delivered duration is "
                "used, the times are kept as delivered",
            ),
        ],
    ),
    (
        "trips_of_non_interviewed_persons",
        _emd_trips_of_non_interviewed,
        [
            _emd_warning(
                "trips_only_of_interviewed_persons",
                "trips of persons not interviewed (PENQ ≠ 1) are kept but do not count in the indicators",
            ),
        ],
    ),
]

SUITES["diagnostic"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToBeUnique(column="figure_id", meta=_rule("figure_id_unique")),
            gxe.ExpectColumnValuesToNotBeNull(column="seed_lines", meta=_rule("seed_lines_present")),
            gxe.ExpectColumnValuesToMatchRegex(
                column="seed_lines",
                regex=r"^\d+(?:-\d+)?(?:[,;] ?\d+(?:-\d+)?)*$",
                mostly=0.95,
                meta=_rule("seed_lines_format"),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="precision", min_value=0, max_value=6, meta=_rule("precision_range")
            ),
            gxe.ExpectTableRowCountToBeBetween(min_value=300, max_value=2000, meta=_rule("row_count_bounds")),
        ],
    ),
]
SUITES["diagnostic_crosswalk"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["table_id", "territory"], meta=_rule("one_mapping_per_printed_name")
            ),
            gxe.ExpectColumnValuesToBeInSet(column="level", value_set=LEVELS, meta=_rule("known_level")),
            gxe.ExpectColumnValuesToNotBeNull(column="code", meta=_rule("code_present")),
            gxe.ExpectColumnValuesToBeBetween(
                column="geo_year", min_value=2008, max_value=2024, meta=_rule("known_vintage")
            ),
        ],
    ),
]

SUITES["insee_chomage"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToMatchRegex(
                column="code", regex=r"^(?:\d{4}|\d{2}|[0-9AB]{4}|FM)$", meta=_rule("zone_code_is_text")
            ),
            gxe.ExpectColumnValuesToMatchRegex(column="quarter", regex=r"^\d{4}-T[1-4]$", meta=_rule("quarter_format")),
            gxe.ExpectColumnValuesToBeBetween(column="rate", min_value=0, max_value=60, meta=_rule("rate_in_0_60")),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["zoning", "code", "quarter", "edition"], meta=_rule("one_rate_per_zone_quarter_edition")
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="zoning",
                value_set=["ze2020", "ze2010", "zer2020", "region", "france_metro"],
                meta=_rule("known_zoning"),
            ),
        ],
    ),
    (
        "missing_rates",
        lambda f: f[f["rate"].isna()],
        [
            gxe.ExpectColumnValuesToNotBeNull(column="flag", meta=_rule("missing_rate_is_flagged")),
        ],
    ),
    (
        "zones_per_sheet",
        lambda f: f[f["zoning"] == "ze2020"].groupby("edition")["code"].nunique().rename("n_zones").reset_index(),
        [
            gxe.ExpectColumnValuesToBeBetween(
                column="n_zones", min_value=280, max_value=320, meta=_rule("ze2020_zone_count")
            ),
        ],
    ),
]
SUITES["urssaf_effectifs"] = [
    (
        "rows",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToMatchRegex(column="code", regex=ZONE_EMPLOI, meta=_rule("ze_code_format")),
            gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0, meta=_rule("headcount_non_negative")),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["zoning", "code", "measure", "year"], meta=_rule("one_value_per_zone_year")
            ),
        ],
    ),
    (
        "missing_values",
        lambda f: f[f["value"].isna()],
        [
            gxe.ExpectColumnValuesToNotBeNull(column="flag", meta=_rule("missing_value_is_flagged")),
        ],
    ),
]

# Cross-source checks run on the check_* tables of the freshly built warehouse (before publication). They
# report disagreements between producers (severity warning): neither source is wrong by construction, and the
# differences stay queryable in the check_* tables.
CROSS_SOURCE: dict[str, str] = {
    "cross_epci_insee_vs_dgcl": "SELECT * FROM check_epci_insee_vs_dgcl",
    "cross_dgcl_population_vs_census": "SELECT * FROM check_dgcl_population_vs_census WHERE pop_insee IS NOT NULL",
    "cross_age_counts_vs_population": "SELECT * FROM check_age_counts_vs_population",
}
SUITES["cross_age_counts_vs_population"] = [
    (
        "shares",
        lambda f: f,
        [
            gxe.ExpectColumnValuesToBeInSet(
                column=column,
                value_set=[True],
                severity="warning",
                meta=_rule(
                    f"{column}_share",
                    "age counts against the real population of the same territory and census; "
                    "bounds in transforms/config.yml, rows in check_age_counts_vs_population",
                ),
            )
            for column in ("under_20_plausible", "over_60_plausible", "from_20_to_59_plausible")
        ],
    ),
]
SUITES["cross_epci_insee_vs_dgcl"] = [
    (
        "differences",
        lambda f: f,
        [
            gxe.ExpectTableRowCountToEqual(
                value=0,
                severity="warning",
                meta=_rule(
                    "insee_and_dgcl_agree_on_commune_epci",
                    "every disagreement is listed in table check_epci_insee_vs_dgcl",
                ),
            ),
        ],
    ),
]
SUITES["cross_dgcl_population_vs_census"] = [
    (
        "pairs",
        lambda f: f,
        [
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A="pop_dgcl",
                column_B="pop_insee",
                severity="warning",
                meta=_rule(
                    "dgcl_legal_population_equals_census",
                    "DGCL list of 1 January Y vs INSEE COG Y−1 (census Y−3); rows in check_dgcl_population_vs_census",
                ),
            ),
        ],
    ),
]


# ---------------------------------------------------------------------------------------------------------------
# Completeness and shrinkage (expectations/completeness.py): what a complete delivery holds, partition by
# partition, and which partitions are compared with the last good content. A source not listed here is checked
# for empty files and for shrinkage of its whole content.
# ---------------------------------------------------------------------------------------------------------------
def _fixed(*values) -> Callable[[list[str]], list[tuple]]:
    return lambda files: [v if isinstance(v, tuple) else (v,) for v in values]


def _each_workbook_has(sheet: str) -> Callable[[list[str]], list[tuple]]:
    return lambda files: [(f, sheet) for f in files if f.lower().endswith((".xlsx", ".xls"))]


def _completeness():
    from expectations.completeness import Completeness, Partition

    dgcl_years = list(range(2008, 2015))  # the bundled DGCL lists (sources/registry.py DGCL_YEARS)
    return {
        "insee_cog_appartenance": Completeness(
            [Partition(("cog_year",), _fixed(*COG_YEARS), min_rows=34_000)], shrink_keys=("cog_year",)
        ),
        "insee_cog_libelles": Completeness(
            [Partition(("cog_year",), _fixed(*COG_YEARS), min_rows=5_000)], shrink_keys=("cog_year", "nivgeo")
        ),
        "insee_cog_passage": Completeness([Partition(("from_year",), min_rows=1)], shrink_keys=("from_year",)),
        "insee_population": Completeness(
            [Partition(("cog_year",), _fixed(*CENSUS_VINTAGES), min_rows=34_000)], shrink_keys=("cog_year",)
        ),
        "dgcl_epci": Completeness(
            [Partition(("year",), _fixed(*dgcl_years), min_rows=30_000, one_file_each=True)], shrink_keys=("year",)
        ),
        "insee_chomage": Completeness(
            [Partition(("source_file", "sheet"), _each_workbook_has("txcho_ze"), min_rows=1)],
            shrink_keys=("zoning", "sheet"),
        ),
        "urssaf_effectifs": Completeness([Partition(("measure",), _fixed("effectifs"))], shrink_keys=("year",)),
        "ors_indicateurs": Completeness(shrink_keys=("indicateur",)),
        "insee_rp_age": Completeness(shrink_keys=("nivgeo",)),
        "diagnostic": Completeness(shrink_keys=("table_id",)),
        "diagnostic_crosswalk": Completeness(shrink_keys=("table_id",)),
        # the layout workbook and the manifest of a survey give no rows: the EMD parser checks its record files
        "emd": Completeness(shrink_keys=("survey", "record"), files_give_rows=False),
    }


COMPLETENESS = _completeness()
