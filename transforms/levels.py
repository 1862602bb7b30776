"""The territory levels of the warehouse (`level` of indicator_values and territories), defined once: the build's
audit, the expectations, the CLI, the reports and the tests import them from here.

A new level is added here and in the model that maps communes to it (transforms/sql/intermediate/
int_commune_territory.sql); the audit refuses any level of indicator_values missing from this list.
"""

from __future__ import annotations

# level → its French name in the publication, in the order levels are listed to users (finest first).
LEVEL_NAMES: dict[str, str] = {
    "commune": "commune",
    "epci": "EPCI",
    "ze2010": "zone d'emploi 2010",
    "ze2020": "zone d'emploi 2020",
    "arrondissement": "arrondissement",
    "departement": "département",
    "region": "région",
    "france_metro": "France métropolitaine",
    "grouping": "regroupement",
}
LEVELS: tuple[str, ...] = tuple(LEVEL_NAMES)
# Levels every commune belongs to through its own zoning (not a named grouping): each one's totals add up from
# the communes' values.
SUPRA_COMMUNAL: tuple[str, ...] = tuple(lv for lv in LEVELS if lv not in ("commune", "grouping"))
