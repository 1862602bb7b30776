"""INSEE « base comparateur de territoires », edition RP 2018 (geography of 1 January 2021), all of France.

Official layout (the zip INSEE publishes, `base_cc_comparateur_csv.zip`, read in place, never extracted): two
`;`-separated CSV members with CRLF line ends,
- `base_cc_comparateur.CSV`: one row per commune AND per municipal arrondissement of Paris (75101–75120), Lyon
  (69381–69389) and Marseille (13201–13216) — 34 965 communes + 45 arrondissements in this edition, Mayotte
  included — columns `CODGEO;P18_POP;P13_POP;SUPERF;NAIS1318;DECE1318;P18_MEN;…;MED19;TP6019;…;ETTEFP1018`
  (census counts are weighted, hence decimals; a dot is the decimal separator);
- `meta_base_cc_comparateur.CSV` (UTF-8): the variables' labels, and one `CODGEO` row per territory giving its
  name (`COD_MOD` → `LIB_MOD`).
An empty cell is a value INSEE does not publish: the FiLoSoFi variables (NBMENFISC19, PIMP19, MED19, TP6019) are
empty under statistical secrecy (too few fiscal households), the census variables of Mayotte's communes are empty
(its census is not in this base). Empty stays NULL here (never 0); staging names the reason in `flag`.
The frame is the file as published (INSEE's column names, codes as text) plus `NIVGEO` (COM | ARM: a municipal
arrondissement is also counted in its commune, so sums over territories must take one or the other, never both),
`LIBGEO` (from the metadata member) and the row's line in the data member.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.errors import SourceError
from sources.parsing import Parsed, require_columns, stacked, to_numbers
from sources.spec import Release, SourceSpec

SOURCE_ID = "insee_comparateur"
DATA_MEMBER = "base_cc_comparateur.csv"
META_MEMBER = "meta_base_cc_comparateur.csv"
# INSEE's fixed codes of the municipal arrondissements (Paris 1er–20e, Lyon 1er–9e, Marseille 1er–16e)
ARRONDISSEMENT_MUNICIPAL = r"^(?:751(?:0[1-9]|1\d|20)|6938[1-9]|132(?:0[1-9]|1[0-6]))$"
# Counts that add up over communes (the census is weighted: decimals), per census, events or establishments.
COUNTS = (
    "P18_POP", "P13_POP", "SUPERF", "NAIS1318", "DECE1318", "P18_MEN", "NAISD20", "DECESD20", "P18_LOG", "P18_RP",
    "P18_RSECOCC", "P18_LOGVAC", "P18_RP_PROP", "P18_EMPLT", "P18_EMPLT_SAL", "P13_EMPLT", "P18_POP1564",
    "P18_CHOM1564", "P18_ACT1564", "ETTOT18", "ETAZ18", "ETBE18", "ETFZ18", "ETGU18", "ETGZ18", "ETOQ18",
    "ETTEF118", "ETTEFP1018",
)
# FiLoSoFi 2019 variables: the number of fiscal households and, computed by the producer per commune, the share
# taxed, the median standard of living and the poverty rate (never summed nor averaged: staging and marts).
FILOSOFI = ("NBMENFISC19", "PIMP19", "MED19", "TP6019")
VARIABLES = (*COUNTS, *FILOSOFI)


def _members(path: Path) -> dict[str, bytes]:
    """The zip's members by lower-cased name (a member climbing out of the archive is refused)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if n.startswith(("/", "\\")) or ".." in Path(n).parts or ":" in n]
            if unsafe:
                raise SourceError(SOURCE_ID, path.name, "zip_member_path", f"member(s) outside the archive: {unsafe}")
            return {Path(n).name.lower(): archive.read(n) for n in names}
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise SourceError(SOURCE_ID, path.name, "readable_file", f"cannot read the zip archive: {exc}") from exc


def _csv(path: Path, name: str, data: bytes) -> pd.DataFrame:
    where = f"{path.name}!{name}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(SOURCE_ID, where, "file_encoding", f"not UTF-8 (line {line})", [line]) from exc
    try:
        return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as exc:
        raise SourceError(SOURCE_ID, where, "csv_structure", f"cannot split the member into fields: {exc}") from exc


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    for path in paths:
        members = _members(path)
        if DATA_MEMBER not in members:
            raise SourceError(
                SOURCE_ID, path.name, "required_member", f"no {DATA_MEMBER} in the archive: {sorted(members)}"
            )
        data = _csv(path, DATA_MEMBER, members[DATA_MEMBER])
        where = f"{path.name}!{DATA_MEMBER}"
        require_columns(SOURCE_ID, where, list(data.columns), ["CODGEO", *VARIABLES])
        lines = pd.Series(range(2, len(data) + 2), index=data.index)
        out = pd.DataFrame({"CODGEO": data["CODGEO"].str.strip()})
        out["NIVGEO"] = out["CODGEO"].str.match(ARRONDISSEMENT_MUNICIPAL).map({True: "ARM", False: "COM"})
        labels: dict[str, str] = {}
        if META_MEMBER in members:  # the territories' names: rows of variable CODGEO in the metadata member
            meta = _csv(path, META_MEMBER, members[META_MEMBER])
            if {"COD_VAR", "COD_MOD", "LIB_MOD"} <= set(meta.columns):
                rows = meta[meta["COD_VAR"] == "CODGEO"]
                labels = dict(zip(rows["COD_MOD"], rows["LIB_MOD"], strict=True))
        out["LIBGEO"] = out["CODGEO"].map(labels)
        for column in VARIABLES:  # empty cell → NaN (not published), never 0
            out[column] = to_numbers(SOURCE_ID, where, data[column], column, lines)
        out["source_file"] = path.name
        out["source_line"] = lines.values
        frames.append(out)
        empty = {c: int(out[c].isna().sum()) for c in ("P18_POP", "MED19", "TP6019")}
        notes.append(
            f"{path.name}: {int((out['NIVGEO'] == 'COM').sum())} communes and "
            f"{int((out['NIVGEO'] == 'ARM').sum())} municipal arrondissements (also counted in Paris, Lyon, "
            f"Marseille); empty cells kept NULL: {empty}; {len(labels)} names from {META_MEMBER}"
        )
    return stacked(frames, notes)


def _arrondissement_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Each city with municipal arrondissements: its census population minus the sum of its arrondissements."""
    arm = frame[frame["NIVGEO"] == "ARM"]
    city = arm["CODGEO"].str[:2].map({"75": "75056", "69": "69123", "13": "13055"})
    summed = arm.groupby(city)["P18_POP"].sum()
    whole = frame.set_index("CODGEO")["P18_POP"].reindex(summed.index)
    return pd.DataFrame({"city": summed.index, "gap": (whole - summed).abs().values})


def _secrecy(frame: pd.DataFrame) -> pd.DataFrame:
    """FiLoSoFi hides a commune whole: its median and its number of fiscal households are empty together."""
    return pd.DataFrame({"median_empty": frame["MED19"].isna().astype(int),
                         "households_empty": frame["NBMENFISC19"].isna().astype(int)})


COUNT_RULES = tuple(r.between(c, f"{c.lower()}_non_negative", min_value=0) for c in COUNTS)

SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, producer="INSEE",
        expectations=(
            r.rows(
                r.matches("CODGEO", r.COMMUNE, "commune_code_format", france_wide=True),
                r.unique("CODGEO", "one_row_per_territory"),
                r.in_set("NIVGEO", ["COM", "ARM"], "known_nivgeo"),
                *r.label_rules("LIBGEO"),
                r.row_count_between("row_count", min_value=34_000, max_value=38_000, france_wide=True),
                *COUNT_RULES,
                r.between("MED19", "median_in_range", min_value=5_000, max_value=80_000),
                r.between("TP6019", "poverty_rate_in_0_100", min_value=0, max_value=100),
                r.between("PIMP19", "taxed_share_in_0_100", min_value=0, max_value=100),
                r.not_null(
                    "P18_POP", "census_population_present", mostly=0.99,
                    why="only Mayotte's 17 communes have no census in this base",
                ),
            ),
            r.Batch(
                "filosofi_secrecy",
                _secrecy,
                [r.pair_equal("median_empty", "households_empty", "median_secret_with_households")],
            ),
            r.Batch(
                "municipal_arrondissements",
                _arrondissement_gaps,
                [r.between("gap", "arrondissements_add_up_to_their_city", min_value=0, max_value=0.5)],
            ),
        ),
        completeness=Completeness(shrink_keys=("NIVGEO",)),
        product="Base comparateur de territoires, édition RP 2018 (géographie au 1er janvier 2021): population, "
        "superficie, naissances et décès 2013–2018, ménages, logements, emploi, activité, chômage (recensement), "
        "établissements, FiLoSoFi 2019 (médiane du niveau de vie, taux de pauvreté)",
        product_page="https://www.insee.fr/fr/statistiques/2521169",
        official_urls=(  # where the bundled copy was taken from (INSEE's own zip, byte for byte)
            "https://github.com/klopstock-dviz/dataviz_elections/raw/357aa24609acb65b1d1d3c556cc52a5593affaaa/"
            "data/base_cc_comparateur_csv.zip",
        ),
        bundled=("insee_comparateur/base_cc_comparateur_csv.zip",),
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/2521169",
            files="https://www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip",
            format="zip: base_cc_comparateur.CSV and meta_base_cc_comparateur.CSV, ; separated, CRLF",
            rhythm="yearly:6",
            verified_on="file names: the same address in many public reuses (code corpus: "
            "https://www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip): one URL, replaced "
            "by each edition (its content hash tells a new edition)",
        ),
        licence="Licence Ouverte 2.0 (INSEE)", attribution="Source : Insee, comparateur de territoires",
        layout="INSEE zip: base_cc_comparateur.CSV (CODGEO;P18_POP;…;ETTEFP1018, `;`, CRLF, communes and "
        "municipal arrondissements) + meta_base_cc_comparateur.CSV",
    ),
]


