"""Writes chomage-zone-2010-extrait-diagnostic-t1-2013.xlsx: the Q1 2013 unemployment rates the diagnostic
printed (prose, lines 686–691), on the 2010 zoning, in the layout of INSEE's workbook.

INSEE's edition of mid-2013 (2010 zoning) is not available offline: the real workbook bundled beside this file
is the 2023-T3 edition on the 2020 zoning, with revised series. The printed rates are copied unchanged; sheets
follow INSEE's layout (banner rows, a label row, a code row, one column per quarter): `txcho_ze` (ZE2010),
`txcho_reg` (région, code REG) and `txcho_france` (France métropolitaine, code FRANCE / FM).
Run from the repository root; the output is committed. Needs openpyxl (dev dependency).
"""

import csv
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
DIAG = HERE.parent / "diagnostic"
LEVEL_SHEET = {
    "ze2010": ("txcho_ze", "ZE2010", "Code de la zone d'emploi 2010"),
    "region": ("txcho_reg", "REG", "Code région"),
    "france_metro": ("txcho_france", "FRANCE", "France métropolitaine"),
}

crosswalk = {
    r["territory"]: r for r in csv.DictReader(open(DIAG / "crosswalk_territories.csv")) if r["table_id"] == "prose"
}
rates = [
    r
    for r in csv.DictReader(open(DIAG / "prose_figures.csv"))
    if r["indicator"] == "taux de chômage" and r["period"] == "1er trimestre 2013"
]
workbook = Workbook()
workbook.remove(workbook.active)
for level, (sheet, code, label) in LEVEL_SHEET.items():
    ws = workbook.create_sheet(sheet)
    ws.append(["Taux de chômage localisés, en moyenne trimestrielle (données CVS) — extrait du diagnostic partagé"])
    ws.append(
        [
            "Source : Insee, estimations de taux de chômage localisés, telles qu'imprimées dans le diagnostic "
            "partagé du Bassin minier (2013)"
        ]
    )
    ws.append([])
    ws.append([label, "Libellé", "1er trimestre 2013"])
    ws.append([code, f"LIB{code}", "2013-T1"])
    for row in rates:
        geo = crosswalk[row["territory"]]
        if geo["level"] == level:
            ws.append([geo["code"], row["territory"], float(row["value"])])
workbook.save(HERE / "chomage-zone-2010-extrait-diagnostic-t1-2013.xlsx")
