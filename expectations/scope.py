"""The extent a validation's France-wide bounds apply to: France (every bound exactly as declared) or a declared part of
it, whose row-count bounds are France's scaled by its share of the communes (with a factor SLACK either way) and
whose commune codes must lie in its départements. The scopes themselves are declared by the ingestion
(sources/ingestion/scope.py); the engine only receives one."""

from __future__ import annotations

import math
from dataclasses import dataclass

SLACK = 2.0


@dataclass(frozen=True)
class Scope:
    name: str
    label: str
    departements: tuple[str, ...]  # () = every département
    share: float  # the scope's share of France's communes

    def bounds(self, min_value: float | None, max_value: float | None) -> tuple[float | None, float | None]:
        """France's bounds for this scope (identical under `france`)."""
        if self.share == 1:
            return min_value, max_value
        # rounded to whole rows outward (after float noise is gone: 550 000 × 0.043 / 2 is 11 825, not 11 824)
        low = None if min_value is None else math.floor(round(min_value * self.share / SLACK, 6))
        high = None if max_value is None else math.ceil(round(max_value * self.share * SLACK, 6))
        return low, high

    def commune_regex(self) -> str | None:
        """Commune codes of the scope's départements (None under `france`: every commune code is in it)."""
        if not self.departements:
            return None
        return "^(?:" + "|".join(rf"{d}\d{{{5 - len(d)}}}" for d in self.departements) + ")$"


FRANCE = Scope("france", "France, every département", (), 1.0)
