"""Expectations as data: what a source module declares, and what the runner turns into Great Expectations.

A source module (sources/<producer>.py) lists its rules as `Batch`es of `Expect`s built with the helpers below;
nothing here imports Great Expectations (a night with nothing to refresh never loads it): `Expect.to_gx()` builds
the GX expectation when the runner validates. Every expectation carries `meta.rule`, the name used in logs and
quarantine reports. Severity `critical` quarantines the source; `warning` is reported but lets the batch through
(used only for documented quirks of real deliveries, each explained in `why`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from expectations.scope import FRANCE, Scope

COMMUNE = r"^(?:\d{5}|2[AB]\d{3})$"  # 5 characters, Corsica 2A/2B included
SIREN = r"^\d{9}$"
ZONE_EMPLOI = r"^\d{4}$"

_COMPARISONS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Expect:
    """One expectation: the GX class (`ExpectColumnValuesToMatchRegex` …), its arguments, the rule's name."""

    kind: str
    rule: str
    why: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    where: tuple[str, str, Any] | None = None  # row condition: (column, comparison, value), e.g. ("year", ">=", 2009)
    # min_value/max_value are France's: under a narrower scope (OBSERVATOIRE_SCOPE) they are scaled to it; a
    # commune-code regex is France's: under a narrower scope, codes of its départements only (expectations/scope.py)
    france_wide: bool = False

    def to_gx(self, scope: Scope = FRANCE):
        # imported here: GX costs 2.2–2.7 s to import, and a night with nothing to refresh never validates
        import great_expectations.expectations as gxe

        args = dict(self.args)
        if self.france_wide and "regex" not in args:
            args["min_value"], args["max_value"] = scope.bounds(args.get("min_value"), args.get("max_value"))
        if self.where is not None:
            from great_expectations.expectations.row_conditions import Column  # same cost as above

            column, comparison, value = self.where
            args["row_condition"] = _COMPARISONS[comparison](Column(column), value)
        return getattr(gxe, self.kind)(**args, meta={"rule": self.rule, **({"why": self.why} if self.why else {})})

    def to_gx_all(self, scope: Scope = FRANCE) -> list:
        """The GX expectations of this rule for the run's scope: itself, and for a commune-code rule marked
        france_wide under a narrower scope also `commune_in_scope` (codes of its départements, but for the few
        neighbours the passage tables bring in: 3 of 33 983 population rows of Nord-Pas-de-Calais)."""
        expectations = [self.to_gx(scope)]
        if self.france_wide and "regex" in self.args:
            if (regex := scope.commune_regex()) is not None:
                scoped = Expect(self.kind, "commune_in_scope", f"communes of scope {scope.name}",
                                {**self.args, "regex": regex, "mostly": 0.99}, self.where)
                expectations.append(scoped.to_gx(scope))
        return expectations


def whole(frame: pd.DataFrame) -> pd.DataFrame:
    """The parsed frame itself (the first batch of every source)."""
    return frame


class Batch(NamedTuple):
    """A frame the rules run on: the parsed source (`whole`) or one derived from it (rows per year …)."""

    name: str
    build: Callable[[pd.DataFrame], pd.DataFrame]
    expectations: list[Expect]


def rows(*expectations: Expect) -> Batch:
    """The first batch of a source: its rules on the parsed frame itself."""
    return Batch("rows", whole, list(expectations))


def rows_per(key: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Rows per value of `key`, as a frame with `n_rows` (for "every vintage present, with N rows" rules)."""
    return lambda frame: frame.groupby(key).size().rename("n_rows").reset_index()


# Rule builders: `rule` is the name reports show; other keywords go to GX (`mostly`, `severity`, bounds …).
def matches(column: str, regex: str, rule: str, why: str | None = None, france_wide: bool = False, **kw) -> Expect:
    return Expect(
        "ExpectColumnValuesToMatchRegex", rule, why, {"column": column, "regex": regex, **kw}, france_wide=france_wide
    )


def in_set(column: str, values: list, rule: str, why: str | None = None, **kw) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", rule, why, {"column": column, "value_set": values, **kw})


def between(column: str, rule: str, why: str | None = None, france_wide: bool = False, **kw) -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", rule, why, {"column": column, **kw}, france_wide=france_wide)


def not_null(column: str, rule: str, why: str | None = None, where=None, **kw) -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", rule, why, {"column": column, **kw}, where)


def null(column: str, rule: str, why: str | None = None, **kw) -> Expect:
    return Expect("ExpectColumnValuesToBeNull", rule, why, {"column": column, **kw})


def unique(columns: str | list[str], rule: str, why: str | None = None, **kw) -> Expect:
    """One column unique, or a combination of columns unique (a key)."""
    if isinstance(columns, str):
        return Expect("ExpectColumnValuesToBeUnique", rule, why, {"column": columns, **kw})
    return Expect("ExpectCompoundColumnsToBeUnique", rule, why, {"column_list": columns, **kw})


def row_count_between(rule: str, why: str | None = None, france_wide: bool = False, **kw) -> Expect:
    return Expect("ExpectTableRowCountToBeBetween", rule, why, kw, france_wide=france_wide)


def row_count(value: int, rule: str, why: str | None = None, **kw) -> Expect:
    return Expect("ExpectTableRowCountToEqual", rule, why, {"value": value, **kw})


def pair_equal(column_a: str, column_b: str, rule: str, why: str | None = None, where=None, **kw) -> Expect:
    return Expect(
        "ExpectColumnPairValuesToBeEqual", rule, why, {"column_A": column_a, "column_B": column_b, **kw}, where
    )
