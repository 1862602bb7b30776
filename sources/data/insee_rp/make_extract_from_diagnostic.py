"""Writes rp2009_age_epci_extract_diagnostic.csv: the diagnostic's printed counts in INSEE's layout.

The census age tables by commune are not available offline; the most faithful data at hand are the counts the
diagnostic printed in its table 1 (source printed: « Insee 2009 »). This script copies them, unchanged, into
INSEE's column convention (P09_POP0019 = population aged 0–19 in 2009, P09_POP60P = aged 60 and over), one row
per territory, with NIVGEO/CODGEO from the crosswalk. Run from the repository root; the output is committed.
"""

import csv
from pathlib import Path

HERE = Path(__file__).parent
DIAG = HERE.parent / "diagnostic"
NIVGEO = {"epci": "EPCI", "region": "REG", "france_metro": "METRO"}

crosswalk = {(r["table_id"], r["territory"]): r for r in csv.DictReader(open(DIAG / "crosswalk_territories.csv"))}
with (
    open(DIAG / "t1_jeunesse_epci_2009.csv", encoding="utf-8") as src,
    open(HERE / "rp2009_age_epci_extract_diagnostic.csv", "w", encoding="utf-8", newline="") as dst,
):
    out = csv.writer(dst, delimiter=";")
    out.writerow(["NIVGEO", "CODGEO", "LIBGEO", "P09_POP0019", "P09_POP60P"])
    for row in csv.DictReader(src):
        geo = crosswalk[("t1", row["territory"])]
        out.writerow(
            [
                NIVGEO[geo["level"]],
                geo["code"],
                row["territory"],
                row["pop_moins_20_ans_2009"],
                row["pop_60_ans_et_plus_2009"],
            ]
        )
