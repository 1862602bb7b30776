"""Cross-source checks on a built (not yet published) warehouse, through the same GX runner."""

from __future__ import annotations

from pathlib import Path

from expectations.runner import ValidationReport, validate, write_report
from expectations.suites import CROSS_SOURCE


def run(con, report_dir: Path) -> list[ValidationReport]:
    reports = []
    for check_id, query in CROSS_SOURCE.items():
        frame = con.sql(query).df()
        frame.index = frame.index + 1
        report = validate(check_id, frame, [query.split("FROM ")[1].split()[0]], "")
        write_report(report, report_dir / check_id)
        reports.append(report)
    return reports
