"""Cross-source checks on a built (not yet published) warehouse, through the same GX runner.

They run on the check_* tables of the freshly built warehouse (before publication) and report disagreements
between producers (severity warning): neither source is wrong by construction, and the differences stay
queryable in the check_* tables.
"""

from __future__ import annotations

from pathlib import Path

from expectations import rules as r
from expectations.runner import ValidationReport, validate, write_report


def _share_rule(column: str) -> r.Expect:
    return r.in_set(
        column,
        [True],
        f"{column}_share",
        "age counts against the real population of the same territory and census; "
        "bounds in transforms/config.yml, rows in check_age_counts_vs_population",
        severity="warning",
    )


# check id → (query on the built warehouse, rules); ordered, so that the rows a report names ("data row 6", the
# sample of a warning) are the same from one run to the next (the tables are written in parallel, in no set order)
CROSS_SOURCE: dict[str, tuple[str, tuple[r.Batch, ...]]] = {
    "cross_epci_insee_vs_dgcl": (
        "SELECT * FROM check_epci_insee_vs_dgcl ORDER BY ALL",
        (
            r.Batch(
                "differences",
                r.whole,
                [
                    r.row_count(
                        0,
                        "insee_and_dgcl_agree_on_commune_epci",
                        "every disagreement is listed in table check_epci_insee_vs_dgcl",
                        severity="warning",
                    ),
                ],
            ),
        ),
    ),
    "cross_dgcl_population_vs_census": (
        "SELECT * FROM check_dgcl_population_vs_census WHERE pop_insee IS NOT NULL ORDER BY year, codgeo",
        (
            r.Batch(
                "pairs",
                r.whole,
                [
                    r.pair_equal(
                        "pop_dgcl",
                        "pop_insee",
                        "dgcl_legal_population_equals_census",
                        "DGCL list of 1 January Y vs INSEE COG Y−1 (census Y−3); "
                        "rows in check_dgcl_population_vs_census",
                        severity="warning",
                    ),
                ],
            ),
        ),
    ),
    "cross_age_counts_vs_population": (
        "SELECT * FROM check_age_counts_vs_population ORDER BY level, code, census_year",
        (
            r.Batch(
                "shares",
                r.whole,
                [_share_rule(c) for c in ("under_20_plausible", "over_60_plausible", "from_20_to_59_plausible")],
            ),
        ),
    ),
}


def run(con, report_dir: Path) -> list[ValidationReport]:
    reports = []
    for check_id, (query, batches) in CROSS_SOURCE.items():
        frame = con.sql(query).df()
        frame.index = frame.index + 1
        report = validate(check_id, frame, [query.split("FROM ")[1].split()[0]], "", batches)
        write_report(report, report_dir / check_id)
        reports.append(report)
    return reports
