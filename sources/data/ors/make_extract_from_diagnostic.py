"""Writes ors-indicateurs-extrait-diagnostic.csv: the ORS figures the diagnostic printed, in the ORS layout.

Table 7 (change 1982–2007 of mortality avoidable through the health-care system, relative to the French mean,
with rank among 198 communautés urbaines and d'agglomération) and, from the prose, the overall-mortality ranks
and the excess mortality « relevant de la prévention ». Values copied unchanged; run from the repository root.
"""

import csv
from pathlib import Path

HERE = Path(__file__).parent
DIAG = HERE.parent / "diagnostic"
HEADER = ["territoire", "code", "indicateur", "periode", "valeur", "unite", "rang", "nb_territoires"]

with open(HERE / "ors-indicateurs-extrait-diagnostic.csv", "w", encoding="utf-8", newline="") as dst:
    out = csv.writer(dst, delimiter=";")
    out.writerow(HEADER)
    for row in csv.DictReader(open(DIAG / "t7_mortalite_evitable_soins_1982_2007.csv", encoding="utf-8")):
        out.writerow(
            [
                row["territory"],
                "",
                "mortalite_evitable_soins_ecart_baisse_france",
                "1982-2007",
                row["ampleur_baisse_vs_moyenne_francaise_pct"],
                "%",
                row["classement_du_moins_au_plus_eleve"],
                198,
            ]
        )
    for row in csv.DictReader(open(DIAG / "prose_figures.csv", encoding="utf-8")):
        if row["indicator"].startswith("rang en mortalité globale"):
            out.writerow([row["territory"], "", "mortalite_generale_rang", "", "", "", int(float(row["value"])), 198])
        elif row["indicator"].startswith("surmortalité relevant de la prévention"):
            out.writerow([row["territory"], "", "surmortalite_prevention_vs_france", "", row["value"], "%", "", ""])
