"""Errors that name the file, column, row and rule, so a failing source can be reported and quarantined."""

from __future__ import annotations


class SourceError(Exception):
    """A source file cannot be read in its official layout."""

    def __init__(self, source_id: str, file: str, rule: str, detail: str, rows: list[int] | None = None):
        self.source_id, self.file, self.rule, self.detail, self.rows = (
            source_id,
            file,
            rule,
            detail,
            rows or [],
        )
        where = f" (rows {', '.join(map(str, self.rows[:10]))})" if self.rows else ""
        super().__init__(f"{source_id}: rule {rule} failed in file {file}{where}: {detail}")


class FetchError(Exception):
    """The content could not be fetched (network, size limit, checksum)."""
