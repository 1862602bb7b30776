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

STANDARDS: dict[str, dict] = {
    "emd_certu": {
        "label": "EMD « standard Certu » (face-to-face surveys)",
        "fields": {
            "household": {**_KEYS["household"], **_HOUSEHOLD},
            "person": {**_KEYS["person"], **_PERSON},
            "trip": {
                **_KEYS["trip"],
                **_TRIP,
                "duration_min": ["D9"],
                "n_legs": ["D10"],
                "crow_distance_m": ["D11", "DOIB"],
                "distance_m": ["D12", "DIST"],
            },
            "leg": {**_KEYS["leg"], **_LEG},
        },
        "times": _HHMM,
    },
    "edgt": {
        "label": "EDGT (enquêtes déplacements grand territoire)",
        "fields": {
            "household": {**_KEYS["household"], **_HOUSEHOLD},
            "person": {**_KEYS["person"], **_PERSON},
            "trip": {
                **_KEYS["trip"],
                **_TRIP,
                "duration_min": ["D8C"],
                "n_legs": ["D9"],
                "crow_distance_m": ["DOIB", "D10"],
                "distance_m": ["DIST", "D11"],
            },
            "leg": {**_KEYS["leg"], **_LEG},
        },
        "times": _HOUR_MINUTES,
    },
    "emc2": {
        "label": "EMC² (enquêtes mobilité certifiées Cerema, since 2018)",
        "fields": {
            "household": {**_KEYS["household"], **_HOUSEHOLD},
            "person": {**_KEYS["person"], **_PERSON},
            "trip": {
                **_KEYS["trip"],
                **_TRIP,
                "duration_min": ["D9"],
                "n_legs": ["D10"],
                "crow_distance_m": ["D11"],
                "distance_m": ["D12"],
            },
            "leg": {**_KEYS["leg"], **_LEG},
        },
        "times": {key: {**_HHMM[key], **_HOUR_MINUTES[key]} for key in _HHMM},
    },
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
