"""Errors that name the file, column, row and rule, so a failing source can be reported and quarantined."""

from __future__ import annotations


class SourceError(Exception):
    """A source file cannot be read in its official layout.

    `rows` are line numbers in that file (header = line 1) or, with `sheet`, row numbers of that sheet.
    """

    def __init__(
        self,
        source_id: str,
        file: str,
        rule: str,
        detail: str,
        rows: list[int] | None = None,
        *,
        sheet: str | None = None,
        column: str | None = None,
        values: list[str] | None = None,
    ):
        self.source_id, self.file, self.rule, self.detail = source_id, file, rule, detail
        self.rows, self.sheet, self.column, self.values = rows or [], sheet, column, values or []
        super().__init__(f"{source_id}: rule {rule} failed in {self.where()}: {detail}")

    def where(self) -> str:
        """'file X, sheet S, column C, line(s) 1, 2' — as much as is known."""
        parts = [f"file {self.file}"]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.rows:
            noun = "row" if self.sheet else "line"
            parts.append(f"{noun}{'s' if len(self.rows) > 1 else ''} {', '.join(map(str, self.rows[:10]))}")
        return ", ".join(parts)


class FetchError(Exception):
    """The content could not be fetched (network, size limit, checksum, unreadable origin)."""


class InfrastructureError(Exception):
    """The pipeline's own storage failed (warehouse or landing not writable, disk full): the run stops (exit 1)."""


class ConfigError(Exception):
    """A configuration file is wrong (syntax, unknown key or source id): nothing runs (exit 4)."""


class BusyError(Exception):
    """Another refresh holds the lock of this warehouse (exit 5)."""


class SourceDeclarationError(TypeError):
    """A module under sources/ declares a source the pipeline cannot run (named with the module's file)."""
