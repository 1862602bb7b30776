"""Writes effectifs-salaries-prive-ze2010-extrait-diagnostic.csv: the private salaried headcounts 2008 and 2012
by zone d'emploi that the diagnostic printed in its table 4 (source printed: URSSAF 2013), in the layout of the
URSSAF open-data exports. Only the 15 zones are copied: the région and France rows of table 4 are left out so
that the pipeline recomputes the région as the sum of its zones (a check) instead of reading it.
Run from the repository root; the output is committed.
"""

import csv
from pathlib import Path

HERE = Path(__file__).parent
DIAG = HERE.parent / "diagnostic"

crosswalk = {
    r["territory"]: r for r in csv.DictReader(open(DIAG / "crosswalk_territories.csv")) if r["table_id"] == "t4"
}
with (
    open(DIAG / "t4_emploi_salarie_prive_ze_2008_2012.csv", encoding="utf-8") as src,
    open(HERE / "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv", "w", encoding="utf-8", newline="") as dst,
):
    out = csv.writer(dst, delimiter=";")
    out.writerow(["Code zone d'emploi 2010", "Zone d'emploi", "Effectifs salariés 2008", "Effectifs salariés 2012"])
    for row in csv.DictReader(src):
        geo = crosswalk[row["territory"]]
        if geo["level"] == "ze2010":
            out.writerow([geo["code"], row["territory"], row["effectif_2008"], row["effectif_2012"]])
