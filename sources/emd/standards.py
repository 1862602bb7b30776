"""Field names of each Cerema standard generation, mapped onto one internal model (household, person, trip, leg).

Each internal field lists the delivery's field names that can carry it, in order of preference: the first name
present in the delivery's layout table (or CSV header) is used, and the run summary says which one was used
with its label from the layout table, so that an operator can check it. A survey manifest may override any
internal field with `fields: {internal_name: DELIVERY_NAME}` (see docs/emd-surveys.md).

Facts behind the names (Cerema dictionaries as documented by the MobiSurvStd project and read in real
deliveries): the sample number ECH is unique only within a sampling sector (MTIR / PTIR / DTIR / TTIR in
fixed-width deliveries, STM / STP / STD / STT in the standardised CSV files); the household weight is COEM
(COE0 in older files); person weights come in two conventions, either COEP (all persons) + COEQ (interviewed
persons, PENQ = 1) or COE1 (all persons) + COEP (interviewed persons) — the preference lists below resolve both
(COEQ present → COEP means all persons; COE1 present → COEP means interviewed persons); EDGT deliveries split
times into hour + minutes (D4A/D4B, D8A/D8B), give the duration in D8C and the number of legs in D9, where the
EMD « standard Certu » and the EMC² files give HHMM times (D4, D8), the duration in D9 and the legs in D10.
EMC² surveys mix face-to-face and telephone households: the survey method (METH/PMET/DMET/TMET) is part of
the keys.
"""

from __future__ import annotations

RECORDS = ("household", "person", "trip", "leg")
FILE_CODES = {"1": "household", "2": "person", "3": "trip", "4": "leg"}

# Internal text fields (keys and zones); every other mapped field is numeric.
TEXT_FIELDS = {
    "method",
    "sector",
    "household",
    "person",
    "trip",
    "leg",
    "residence_zone",
    "origin_zone",
    "destination_zone",
}

_KEYS = {
    "household": {"method": ["METH"], "sector": ["MTIR", "STM"], "household": ["ECH"]},
    "person": {"method": ["PMET"], "sector": ["PTIR", "STP"], "household": ["ECH"], "person": ["PER"]},
    "trip": {"method": ["DMET"], "sector": ["DTIR", "STD"], "household": ["ECH"], "person": ["PER"], "trip": ["NDEP"]},
    "leg": {
        "method": ["TMET"],
        "sector": ["TTIR", "STT"],
        "household": ["ECH"],
        "person": ["PER"],
        "trip": ["NDEP"],
        "leg": ["T1"],
    },
}
_HOUSEHOLD = {"residence_zone": ["ZFM", "ZONE"], "household_weight": ["COEM", "COE0"]}
_PERSON = {
    "interviewed": ["PENQ"],
    "sex": ["P2"],
    "age": ["P4"],
    "person_weight": ["COE1", "COEP"],  # all persons
    "interviewed_weight": ["COEQ", "COEP"],  # persons interviewed about their trips
}
_TRIP = {
    "origin_purpose": ["D2A"],
    "origin_zone": ["D3"],
    "destination_purpose": ["D5A"],
    "destination_zone": ["D7"],
    "mode_code": ["MODP"],
    "perimeter_code": ["TYPD"],  # 1 internal, 2 exchange, 3 external to the survey perimeter
}
_LEG = {"leg_mode_code": ["T3"], "occupants": ["T8"], "leg_distance_m": ["T13"]}

# Times: either one HHMM field or an (hour, minutes) pair; `duration_min`, `n_legs` and distances differ.
_HHMM = {"departure": {"hhmm": ["D4"]}, "arrival": {"hhmm": ["D8"]}}
_HOUR_MINUTES = {"departure": {"hour_minutes": [("D4A", "D4B")]}, "arrival": {"hour_minutes": [("D8A", "D8B")]}}


def _standard(label: str, times: dict, duration: str, legs: str, crow: list[str], network: list[str]) -> dict:
    """A generation's names: the shared ones plus where duration, number of legs and distances sit."""
    trip = {"duration_min": [duration], "n_legs": [legs], "crow_distance_m": crow, "distance_m": network}
    return {
        "label": label,
        "fields": {
            "household": {**_KEYS["household"], **_HOUSEHOLD},
            "person": {**_KEYS["person"], **_PERSON},
            "trip": {**_KEYS["trip"], **_TRIP, **trip},
            "leg": {**_KEYS["leg"], **_LEG},
        },
        "times": times,
    }


STANDARDS: dict[str, dict] = {
    "emd_certu": _standard(
        "EMD « standard Certu » (face-to-face surveys)", _HHMM, "D9", "D10", ["D11", "DOIB"], ["D12", "DIST"]
    ),
    "edgt": _standard(
        "EDGT (enquêtes déplacements grand territoire)", _HOUR_MINUTES, "D8C", "D9", ["DOIB", "D10"], ["DIST", "D11"]
    ),
    "emc2": _standard(
        "EMC² (enquêtes mobilité certifiées Cerema, since 2018)",
        {key: {**_HHMM[key], **_HOUR_MINUTES[key]} for key in _HHMM},
        "D9",
        "D10",
        ["D11"],
        ["D12"],
    ),
}

# Fields a record cannot do without (the others are left empty when the delivery lacks them).
REQUIRED = {
    "household": ["sector", "household"],
    "person": ["sector", "household", "person", "sex", "age", "person_weight"],
    "trip": ["sector", "household", "person", "trip", "origin_purpose", "destination_purpose", "mode_code"],
    "leg": ["sector", "household", "person", "trip", "leg", "leg_mode_code"],
}


def detect_standard(names: set[str]) -> str:
    """Standard of a delivery without a manifest: hour + minutes fields or D8C mean EDGT, else the EMD standard."""
    return "edgt" if {"D4A", "D8C"} & names else "emd_certu"
