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
# A label damaged by a wrong character decoding. Two kinds: a C1 control (U+0080–U+009F: cp1252's œ ’ € … read as
# latin-1, the character is still there, recoverable), and a lost character: the replacement character U+FFFD (bytes
# that did not decode) or `¿` inside a word (a character the producer's export could not write: « C¿ur »). Never in
# a real French name.
MOJIBAKE_KINDS = {"c1_control": r"[\u0080-\u009f]", "lost_character": r"\ufffd|\w¿|¿\w"}
MOJIBAKE = "|".join(MOJIBAKE_KINDS.values())
LABEL_RULE = "label_encoding"

_COMPARISONS = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne,
}


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


def clean_label(column: str, why: str | None = None, where=None, rule: str = LABEL_RULE, regex: str = MOJIBAKE,
                **kw) -> Expect:
    """A label column free of mojibake (MOJIBAKE), critical unless `severity="warning"` is given with its `why`."""
    return Expect("ExpectColumnValuesToNotMatchRegex", rule, why, {"column": column, "regex": regex, **kw}, where)


@dataclass(frozen=True)
class KnownQuirk:
    """A documented mojibake of real deliveries: its kind (a key of MOJIBAKE_KINDS), the rows where it is known
    (a row condition, e.g. ("year", "<=", 2013)) and why it is let through."""

    kind: str
    where: tuple[str, str, Any]
    why: str


def label_rules(*columns: str, known: KnownQuirk | None = None) -> list[Expect]:
    """The label rule on each label column of a source (every source with label columns declares it). With a known
    quirk, that kind on those rows only warns (rule `label_encoding_known_quirk`, with its why); any other damage
    (another kind, or the same kind on other rows: a new delivery) stays critical (rule `label_encoding`)."""
    if known is None:
        return [clean_label(c) for c in columns]
    column, comparison, value = known.where
    outside = (column, {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}[comparison], value)
    others = "|".join(v for k, v in MOJIBAKE_KINDS.items() if k != known.kind)
    out = []
    for c in columns:
        out += [
            clean_label(c, where=outside),
            clean_label(c, where=known.where, regex=others),
            clean_label(c, known.why, known.where, rule=f"{LABEL_RULE}_known_quirk",
                        regex=MOJIBAKE_KINDS[known.kind], severity="warning"),
        ]
    return out
