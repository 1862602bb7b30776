"""The geographic extent a run covers: France (the default, the only one a real run uses) or a declared part of it.

The row-count bounds of the sources cut by commune (COG memberships, populations, passage tables, DGCL lists) are
France's: a delivery of 34 000 to 38 000 communes per vintage. A run over a part of France (the tests' small real
geography, `tests/small_geography.py`: Nord and Pas-de-Calais cut from the bundled files) declares it with
`OBSERVATOIRE_SCOPE=<name>`; those bounds are then France's multiplied by the scope's share of France's communes,
with a factor `SLACK` either way (a few départements are no uniform sample of France: Nord and Pas-de-Calais hold
4.3 % of the communes but 1.2 % of the passage-table rows). The rules keep their names, so a quarantine report
reads the same; under `france` every bound is exactly the declared one. A rule that scales says so:
`france_wide=True` on the rule or the completeness partition (expectations/rules.py, expectations/completeness.py).
On a commune-code rule (`r.matches(..., france_wide=True)`) it adds the reverse check: under a narrower scope the
communes must lie in the scope's départements (one more rule, `commune_in_scope`, 99 % of the rows: the passage
tables bring in a few neighbouring communes), so that a France-wide file thinned to the cut's row counts is not
taken for the cut. The scope a content passed is recorded with it (`of_meta`); a build never mixes scopes.
"""

from __future__ import annotations

import os

from expectations.scope import FRANCE, SLACK, Scope  # noqa: F401 (SLACK: re-exported for the tests)
from sources.errors import ConfigError

SCOPE_ENV = "OBSERVATOIRE_SCOPE"


SCOPES = {
    scope.name: scope
    for scope in (
        FRANCE,
        # 1 538–1 547 of France's 34 936–36 700 communes in COG 2008–2024 (tests/test_config.py recounts them)
        Scope("nord-pas-de-calais", "Nord (59) and Pas-de-Calais (62)", ("59", "62"), 0.043),
    )
}


def tagged(fingerprint: str) -> str:
    """A code fingerprint for this run's scope: unchanged under france, `<fingerprint>:<scope>` otherwise (the
    reader of a source, registry.py, and the pipeline, flows/state.py: another scope validates and builds
    again)."""
    name = current().name
    return fingerprint if name == "france" else f"{fingerprint}:{name}"


def of_meta(meta: dict) -> str:
    """The scope a validated content passed: recorded as `scope`; before that key existed, the tag of its reader
    fingerprint (`tagged`)."""
    if "scope" in meta:
        return meta["scope"]
    _, _, tag = str(meta.get("reader", "")).partition(":")
    return tag or "france"


def current() -> Scope:
    """The scope of this process (OBSERVATOIRE_SCOPE, default france); ConfigError on an unknown name."""
    name = os.environ.get(SCOPE_ENV, "france").strip() or "france"
    if name not in SCOPES:
        raise ConfigError(f"{SCOPE_ENV}={name!r}: unknown scope; valid scopes: {', '.join(SCOPES)}")
    return SCOPES[name]
