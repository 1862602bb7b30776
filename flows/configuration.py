"""Schemas of every YAML the pipeline reads, checked before a run touches anything (`observatoire run` exits 4
on a mistake, naming the file, the line of a syntax error, the unknown key and the valid ones).

The loaders of each file stay where they are (transforms/runner.py, warehouse/build.py, reports/reproduction.py);
this module refuses a file those loaders would misread. A new key in one of these files is added here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, RootModel

from sources.errors import ConfigError
from sources.ingestion import scope
from sources.ingestion.origins import configured_origins
from sources.ingestion.settings import PROJECT_ROOT, Settings
from sources.ingestion.yaml_config import Strict, load

Scalar = str | int | float | bool | None


class Grouping(Strict):
    label: str
    member_level: str
    members: list[str] = Field(min_length=1)


class Mortality(Strict):
    geo_year: int
    suppress_below: int
    reliable_from: int


class Emd(Strict):
    min_age: int


class TransformsConfig(Strict):
    """transforms/config.yml"""

    groupings: dict[str, Grouping]
    variation_periods: list[tuple[int, int]]
    age_plausibility: dict[str, tuple[float, float]]
    census_count_plausibility: dict[str, tuple[float, float]] = {}
    mortality: Mortality
    emd: Emd


class Indicator(Strict):
    label: str
    definition: str | None = None
    formula: str | None = None
    unit: str | None = None
    precision: int | None = None
    source: str | None = None
    convention: str | None = None
    reference: str | None = None
    age_bounds: Any = None


class Catalogue(RootModel[dict[str, Indicator]]):
    """transforms/indicators.yml: indicator id → definition"""


class Columns(RootModel[dict[str, str]]):
    """warehouse/columns.yml: the shared glossary, column name → description"""


class TableDoc(Strict):
    """One table made outside the SQL models: what a row is, its columns (shared ones by name)."""

    description: str
    columns: dict[str, str] = {}
    shared_columns: list[str] = Field(default=[], alias="shared columns")
    export_key: list[str] | None = Field(default=None, alias="export key")


class Tables(RootModel[dict[str, TableDoc]]):
    """warehouse/tables.yml: table → description and columns"""


class FigureRule(Strict):
    """A printed column's rule: keys are strict, values are checked by reports/reproduction.py."""

    indicator: Any = None
    period: Any = None
    plausibility: Any = None
    missing: Any = None
    inputs: Any = None
    identity: Any = None
    note: Any = None
    other: Any = None
    years: Any = None
    components: Any = None
    total: Any = None
    by_construction: Any = None
    change: Any = None
    row_sum_zero: Any = None
    gap_of: Any = None
    ors: Any = None
    total_row: Any = None
    parts: Any = None


class FlowEnd(Strict):
    level: str
    code: str


class FlowChange(Strict):
    """A change (%) of the commuters from `origin` to `destination` between two census editions, on geo_year."""

    origin: FlowEnd
    destination: FlowEnd
    geo_year: int
    to: str
    from_: str = Field(alias="from")


class ProseRule(Strict):
    indicator: Any = None
    level: Any = None
    code: Any = None
    geo_year: Any = None
    period: Any = None
    precision: Any = None
    missing: Any = None
    by_construction: Any = None
    emd: Any = None
    ors_rank: Any = None
    persons_of: Any = None
    same_as: Any = None
    upper_bound: Any = None
    flow_change: FlowChange | None = None  # census flows between two territories, two editions (issue 23)


class FigureMap(Strict):
    """reports/figure_map.yml"""

    tables: dict[str, dict[str, FigureRule]]
    prose: dict[str, ProseRule] = {}
    not_yet: dict[str, str] = {}


class MissingDataset(Strict):
    kind: str
    dataset: Any = None
    producer: Any = None
    product: Any = None
    variables: Any = None
    geography: Any = None
    year: Any = None
    note: Any = None


class MissingDatasets(RootModel[dict[str, MissingDataset]]):
    """reports/missing_datasets.yml: figure id → the dataset that would compute it"""


class Flag(Strict):
    label: str  # the reader's word, in French (exports, report, portraits)
    meaning: str


class Flags(RootModel[dict[str, Flag]]):
    """transforms/flags.yml: flag → its French label and its meaning"""


class EmdCodes(Strict):
    """sources/emd_codes.yml (values checked by sources/emd/codes.py)"""

    modes: dict[str, Any]
    purposes: dict[str, Any]
    modes_by_standard: dict[str, Any] = {}
    purposes_by_standard: dict[str, Any] = {}
    outside_area_zone_prefixes: list[str] = []
    long_trip: dict[str, Any] = {}


SCHEMAS: dict[str, type[BaseModel]] = {
    "transforms/config.yml": TransformsConfig,
    "transforms/indicators.yml": Catalogue,
    "warehouse/columns.yml": Columns,
    "warehouse/tables.yml": Tables,
    "reports/figure_map.yml": FigureMap,
    "reports/missing_datasets.yml": MissingDatasets,
    "transforms/flags.yml": Flags,
    "sources/emd_codes.yml": EmdCodes,
}


def check_configuration(settings: Settings, root: Path = PROJECT_ROOT) -> None:
    """Every YAML of the project, the operator's origins.yml through its schema and the scope
    (OBSERVATOIRE_SCOPE); ConfigError on a mistake."""
    for relative, model in SCHEMAS.items():
        path = root / relative
        if not path.exists():
            raise ConfigError(f"{path}: missing")
        load(path, model)
    configured_origins(settings)
    scope.current()
