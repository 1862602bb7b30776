"""What a source module declares: `SOURCES = [SourceSpec(...)]` (see sources/__init__.py, « Adding a source »)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sources.parsing import Parsed

if TYPE_CHECKING:
    from expectations.completeness import Completeness
    from expectations.degradation import Degradation
    from expectations.rules import Batch


@dataclass(frozen=True)
class Release:
    """Where and when the producer publishes a source: the catalogue `observatoire sources` lists (issue 22).

    `files` is the file URL of one edition: a template whose `{year}`, `{quarter}` are the edition's, or, when the
    producer's file names cannot be predicted, the listing to discover them from (`listing`: the data.gouv.fr
    dataset API, or the producer's page). `verified_on` names the page the pattern was checked against; an entry
    that could not be checked says so there ("not verified: …") instead of guessing."""

    page: str  # the producer's dataset page
    files: str  # URL template of an edition's file(s), or "see listing"
    format: str  # as delivered: "xlsx (one sheet per zoning)", "csv ; separated, zip" …
    rhythm: str  # quarterly | yearly:<month 1-12> (the month the new edition appears) | none (a fixed document)
    verified_on: str  # the page (address) the pattern was checked against, or "not verified: <why>"
    listing: str | None = None  # an API listing the editions (data.gouv.fr /api/1/datasets/<slug>/, Opendatasoft …)
    lag_days: int = 0  # for quarterly series: days between the quarter's end and its publication
    # A source whose editions are separate deliveries held side by side (populations légales: one zip per census),
    # at addresses the producer's page numbers make unpredictable: (edition, file URL, landed as) of each edition
    # whose address is known; the online mode fetches every one published by `today` (yearly rhythm: edition N
    # appears in the declared month of N + `edition_lag_years`). A new edition's address is added here.
    editions: tuple[tuple[int, str, str], ...] = ()
    edition_lag_years: int = 0


@dataclass(frozen=True)
class SourceSpec:
    id: str
    producer: str
    product: str
    product_page: str  # the producer's page for the product
    official_urls: tuple[str, ...]  # where the bundled files were taken from
    bundled: tuple[str, ...]  # paths relative to the data directory
    licence: str
    attribution: str
    parser: Callable[[list[Path]], Parsed]
    layout: str  # official layout version the parser knows
    # The rules the parsed frame must pass (expectations/rules.py): the first batch is the parsed frame itself.
    # Required: a source without rules is refused when the registry discovers it.
    expectations: tuple[Batch, ...] = ()
    # What a complete delivery holds (expectations/completeness.py); None: every file gives rows, and the whole
    # content may not shrink by more than 5 %.
    completeness: Completeness | None = None
    # What a new edition may not lose or change compared with the last good content (expectations/degradation.py):
    # a period repeated or gone, an implausible jump. None: no comparison beyond completeness' shrinkage.
    degradation: Degradation | None = None
    # For a source with nothing bundled: the empty frame (schema) used until an origin is configured.
    empty: Callable[[], pd.DataFrame] | None = None
    role: str = "input"  # input (transforms read it) | reference (only the reproduction step reads it)
    # Bundled files that are extracts of the diagnostic itself (its printed figures in the producer's layout),
    # not independent data: a figure recomputed from them is `consistent`, never `reproduced`. Recognised by
    # content (sha256), so a real delivery configured in origins.yml in their place counts as independent.
    extract_files: tuple[str, ...] = ()
    # Where the producer publishes new editions (None: not catalogued yet; `observatoire sources` says so).
    releases: Release | None = None

    def bundled_paths(self, data_dir: Path) -> list[Path]:
        return [data_dir / p for p in self.bundled]
