"""INSEE « populations légales » (yearly delivery, « ensemble » files): population municipale, comptée à part and
totale of every commune, département and région, census year N on the geography of 1 January N+2.

Official layout (`;`, UTF-8, one file per level, LF or CRLF line ends):
- `donnees_communes.csv`: `REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;PCAP;PTOT` (CODARR = the
  arrondissement's number inside its département: the INSEE code is DEP || CODARR; CODCAN empty for the cities
  split into several cantons; Paris, Lyon and Marseille are delivered as their municipal arrondissements
  751xx, 6938x, 132xx, not as communes 75056, 69123, 13055: staging sums them into their commune);
- `donnees_departements.csv`: `REG;Région;DEP;Département;NBARR;NBCAN;NBCOM;PMUN;PTOT`;
- `donnees_regions.csv`: `REG;Région;NBARR;NBCAN;NBCOM;PMUN;PTOT`.
The edition (the census year) is read from the file name (`pl2023_donnees_communes.csv.gz`, `…_2023_…`); the
level from the name (`communes`, `departements`, `regions`). Mayotte is not in the deliveries (no legal
population of this kind): its communes stay without population in those vintages.
Documented normalisation: a third party re-wrote the bundled 2022 communes file once and wrote `NA` in its 244
empty cells (all CODCAN): `NA` in a code column is read back as the empty cell INSEE delivers, and counted.
A département or région file must equal the sum of the same edition's communes (PMUN and PTOT): the batch
`sum_of_communes` quarantines the delivery otherwise, naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness, Partition
from sources.errors import SourceError
from sources.parsing import Parsed, read_delimited, require_columns, stacked, to_numbers, zip_members
from sources.spec import Release, SourceSpec

SOURCE_ID = "insee_populations_legales"
EDITIONS = (2022, 2023)  # the bundled editions (census years)
LAYOUTS = {
    "communes": ["REG", "Région", "DEP", "CODARR", "CODCAN", "CODCOM", "COM", "Commune", "PMUN", "PCAP", "PTOT"],
    "departements": ["REG", "Région", "DEP", "Département", "NBARR", "NBCAN", "NBCOM", "PMUN", "PTOT"],
    "regions": ["REG", "Région", "NBARR", "NBCAN", "NBCOM", "PMUN", "PTOT"],
}
COUNTS = ("PMUN", "PCAP", "PTOT", "NBARR", "NBCAN", "NBCOM")
TEXT = ("REG", "Région", "DEP", "Département", "CODARR", "CODCAN", "CODCOM", "COM", "Commune")
# Columns a third party's re-writing may have filled with `NA` where INSEE delivers an empty cell (codes only:
# a count written NA is not a number and fails as such).
NA_WRITTEN = ("CODCAN", "CODARR", "NBCAN")
SCHEMA = {
    "edition": "int64", "geo_year": "int64", "file_level": "str", **{c: "str" for c in TEXT},
    **{c: "Int64" for c in COUNTS}, "source_file": "str", "source_line": "int64",
}
EDITION = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
LEVEL = re.compile(r"donnees_(communes|departements|regions)", re.I)


def geo_year_of(edition: int) -> int:
    """Populations légales of census N are delivered on the geography of 1 January N+2."""
    return edition + 2


def _zip_edition(path: Path) -> int:
    years = EDITION.findall(path.name)
    if not years:
        raise SourceError(SOURCE_ID, path.name, "file_name_edition", "no edition (census year) in the zip's name")
    return int(years[0])


def _edition_and_level(path: Path) -> tuple[int, str]:
    level = LEVEL.search(path.name)
    if not level:
        raise SourceError(SOURCE_ID, path.name, "file_name_level", "no donnees_communes|departements|regions in name")
    years = EDITION.findall(path.name)
    if not years:
        raise SourceError(SOURCE_ID, path.name, "file_name_edition", "no edition (census year, e.g. pl2023_…) in name")
    return int(years[0]), level.group(1).lower()


# INSEE's « ensemble » zip (online mode: landed as pl<edition>_ensemble.zip, the edition being in the catalogue,
# not in INSEE's file name) holds one CSV per level; other members (cantons, arrondissements …) are not read.
MEMBER = re.compile(r"^donnees_(communes|departements|regions)\.csv$", re.I)


def _delivered_files(path: Path) -> list[tuple[Path, str | None, str, str]]:
    """(path, zip member or None, level, name the rows are located by) of each level file a delivered file holds."""
    if path.suffix.lower() != ".zip":
        return [(path, None, _edition_and_level(path)[1], path.name)]
    members = [(m, MEMBER.match(m.rsplit("/", 1)[-1])) for m in zip_members(SOURCE_ID, path)]
    found = [(path, m, match.group(1).lower(), f"{path.name}!{m}") for m, match in members if match]
    if not found:
        raise SourceError(SOURCE_ID, path.name, "zip_level_members", "no donnees_communes|departements|regions.csv")
    return found


def _editions_named(files: list[str]) -> list[tuple]:
    """The editions a delivery names (pl2022_…, pl2023_ensemble.zip): each must bring a France's worth of
    communes; an edition of the last good content that is missing is caught by the shrinkage comparison."""
    return sorted({(int(m[0]),) for f in files if (m := EDITION.findall(f))})


def parse(paths: list[Path]) -> Parsed:
    frames, notes = [], []
    delivered = [item for path in sorted(paths, key=lambda p: p.name) for item in _delivered_files(path)]
    for path, member, level, name in delivered:
        edition = _edition_and_level(path)[0] if member is None else _zip_edition(path)
        raw = read_delimited(SOURCE_ID, path, member=member)
        require_columns(SOURCE_ID, name, list(raw.columns), LAYOUTS[level])
        lines = pd.Series(raw.index + 2, index=raw.index)  # header is line 1
        written_na = 0
        for column in NA_WRITTEN:
            if column in raw.columns:
                na = raw[column].str.strip().eq("NA")
                written_na += int(na.sum())
                raw.loc[na, column] = ""
        frame = pd.DataFrame({"edition": edition, "geo_year": geo_year_of(edition), "file_level": level},
                             index=raw.index)
        for column in TEXT:
            frame[column] = raw[column].str.strip() if column in raw.columns else None
        for column in COUNTS:
            if column in raw.columns:
                frame[column] = to_numbers(SOURCE_ID, name, raw[column], column, lines).astype("Int64")
            else:
                frame[column] = pd.array([pd.NA] * len(raw), dtype="Int64")
        frame["source_file"] = name
        frame["source_line"] = lines
        frames.append(frame.astype({c: SCHEMA[c] for c in TEXT}))
        note = f"{name}: {len(raw)} {level} rows, census {edition}, geography {geo_year_of(edition)}"
        if written_na:
            note += f"; {written_na} cell(s) written `NA` by a re-writer read back as the empty cell INSEE delivers"
        notes.append(note)
    return stacked(frames, notes)


# Paris, Lyon and Marseille are delivered as their municipal arrondissements: code prefix → the commune's code
MUNICIPAL_ARRONDISSEMENTS = {"751": "75056", "6938": "69123", "132": "13055"}


def commune_of(code: pd.Series) -> pd.Series:
    """The commune a delivered row belongs to: a municipal arrondissement's city, else the row's own code."""
    out = code.copy()
    for prefix, city in MUNICIPAL_ARRONDISSEMENTS.items():
        out = out.where(~code.str.startswith(prefix, na=False), city)
    return out


def sum_of_communes(frame: pd.DataFrame) -> pd.DataFrame:
    """Each département and région row of a delivery beside the sum of the same edition's communes (PMUN, PTOT)
    and their number (a city delivered as municipal arrondissements counts once, as NBCOM does); `complete` when
    that number is NBCOM. Rows keep their file and line, so that a failure names them."""
    communes = frame[frame["file_level"] == "communes"].assign(commune=lambda f: commune_of(f["COM"]))
    out = []
    for level, key in (("departements", "DEP"), ("regions", "REG")):
        parts = communes.groupby(["edition", key]).agg(
            communes_PMUN=("PMUN", "sum"), communes_PTOT=("PTOT", "sum"), n_communes=("commune", "nunique")
        ).reset_index()
        rows = frame[frame["file_level"] == level][
            ["edition", "file_level", key, "PMUN", "PTOT", "NBCOM", "source_file", "source_line"]
        ]
        joined = rows.reset_index().merge(parts, on=["edition", key], how="left").set_index("index")
        out.append(joined.drop(columns=[key]))
    result = pd.concat(out)
    result = result.fillna({"communes_PMUN": 0, "communes_PTOT": 0, "n_communes": 0})
    result = result.astype({c: "int64" for c in ("PMUN", "PTOT", "NBCOM", "communes_PMUN", "communes_PTOT",
                                                   "n_communes")})
    result["complete"] = result["n_communes"] == result["NBCOM"]
    return result


def _communes_per_edition(frame: pd.DataFrame) -> pd.DataFrame:
    communes = frame[frame["file_level"] == "communes"]
    return communes.groupby("edition").size().rename("n_rows").reset_index()


SOURCES = [
    SourceSpec(
        id=SOURCE_ID, parser=parse, producer="INSEE",
        expectations=(
            r.rows(
                r.in_set("file_level", list(LAYOUTS), "known_file"),
                r.between("edition", "edition_is_a_census_year", min_value=2006, max_value=2100),
                r.matches("REG", r"^\d{2}$", "region_code_format"),
                r.matches("DEP", r"^(?:\d{2}|2[AB]|97\d)$", "departement_code_format"),
                r.not_null("COM", "commune_code_present", where=("file_level", "==", "communes")),
                r.matches("COM", r.COMMUNE, "commune_code_format", france_wide=True),
                r.matches("CODARR", r"^\d$", "arrondissement_number_format"),
                r.not_null("PMUN", "population_municipale_present"),
                r.between("PMUN", "population_non_negative", min_value=0, max_value=70_000_000),
                r.unique(["edition", "file_level", "REG", "DEP", "COM"], "one_row_per_territory_and_edition"),
            ),
            r.Batch(
                "sum_of_communes",
                sum_of_communes,
                [
                    r.pair_equal("n_communes", "NBCOM", "departement_lists_its_nbcom_communes",
                                 where=("file_level", "==", "departements")),
                    r.pair_equal("n_communes", "NBCOM", "region_lists_its_nbcom_communes",
                                 "under a narrower scope (OBSERVATOIRE_SCOPE) a région is only partly delivered; "
                                 "France-wide every département's count is checked strictly above",
                                 where=("file_level", "==", "regions"), severity="warning"),
                    r.pair_equal("PMUN", "communes_PMUN", "pmun_equals_sum_of_communes",
                                 where=("complete", "==", True)),
                    r.pair_equal("PTOT", "communes_PTOT", "ptot_equals_sum_of_communes",
                                 where=("complete", "==", True)),
                ],
            ),
            r.Batch(
                "communes_per_edition",
                _communes_per_edition,
                [r.between("n_rows", "communes_per_edition_bounds", min_value=34_000, max_value=36_000,
                           france_wide=True)],
            ),
        ),
        completeness=Completeness(
            # every delivered edition (named by its files), each with a France's worth of communes (its communes
            # file; the département and région files add a hundred rows); an edition lost since the last good
            # content is caught by the shrinkage comparison (edition, file_level)
            [Partition(("edition",), _editions_named, min_rows=34_000, france_wide=True)],
            shrink_keys=("edition", "file_level"),
        ),
        product="Populations légales des communes, départements et régions (fichiers « ensemble »), millésimes "
        "2022 (recensement 2022, géographie 2024) et 2023 (recensement 2023, géographie 2025)",
        product_page="https://www.insee.fr/fr/statistiques/8290591",
        official_urls=(
            "https://github.com/malnoe/dashboard_pvd/raw/b36df4ba7f9eedf8481b5fdd598d51a7e205b9b6/"
            "data_dashboard/donnees_communes.csv",
            "https://github.com/pjsebastien/vie-de-camping/tree/781d08ac89cd7a674ab7dd50c3d676ee785f412a/data",
        ),
        bundled=(
            "insee_populations_legales/pl2022_donnees_communes.csv.gz",
            "insee_populations_legales/pl2023_donnees_communes.csv.gz",
            "insee_populations_legales/pl2023_donnees_departements.csv.gz",
            "insee_populations_legales/pl2023_donnees_regions.csv.gz",
        ),
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/8290591?sommaire=8290669",
            files="one page per edition, its number not predictable: https://www.insee.fr/fr/statistiques/fichier/"
            "<page>/ensemble.zip (2022: 8290591; 2023: 8680726); the known editions are listed in `editions`",
            # fetched side by side by the online mode (each landed under a name that says its edition); edition N
            # appears in December N+2 (census 2023: decree of 26 December 2025)
            editions=(
                (2022, "https://www.insee.fr/fr/statistiques/fichier/8290591/ensemble.zip", "pl2022_ensemble.zip"),
                (2023, "https://www.insee.fr/fr/statistiques/fichier/8680726/ensemble.zip", "pl2023_ensemble.zip"),
            ),
            edition_lag_years=2,
            listing="https://www.insee.fr/fr/statistiques?theme=0&categorie=3 (« Populations légales »)",
            format="zip « ensemble » of ; CSV (donnees_communes, donnees_departements, donnees_regions …), UTF-8",
            rhythm="yearly:12",
            verified_on="file names: the addresses of the 2021, 2022 and 2023 editions "
            "(…/fichier/7739582/ensemble.zip, …/8290591/ensemble.zip, …/8680726/ensemble.zip) as downloaded by public "
            "reuses (code corpus; one records the 2023 zip answering HTTP 200 with donnees_communes.csv, "
            "donnees_departements.csv, donnees_regions.csv); no stored copy of INSEE's own pages was found",
        ),
        attribution="Source : Insee, populations légales",
        layout="INSEE « ensemble » CSV: donnees_communes (REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;"
        "PCAP;PTOT), donnees_departements, donnees_regions",
    ),
]
