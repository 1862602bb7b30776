"""INSEE Code officiel géographique (COG): commune memberships, supra-communal labels, passage tables.

Bundled as the COGugaison compilation (Parquet) of INSEE's « tables d'appartenance géographique des communes »
and the commune change history; the official layout is kept (codgeo, libgeo, reg, dep, arr, epci, ze2010 …).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness, Partition, fixed
from sources.parsing import Parsed, drop_blank_rows, read_parquet
from sources.spec import Release, SourceSpec

ODBL = "ODbL 1.0 (contents DbCL 1.0)"
COG_ATTRIBUTION = "© Code Officiel Géographique (Insee) et package R COGugaison"
COGUGAISON = "https://github.com/antuki/COGugaison/tree/37a6d4c9ca0d608bb4f2b64aaf1c56c097a7f813/data"
COG_PAGE = "https://www.insee.fr/fr/information/2028028"
COG_YEARS = list(range(2008, 2025))
NO_EPCI = "ZZZZZZZZZ"  # INSEE's marker for a commune in no EPCI (2009–2013); the 2008 table leaves it empty
CENSUS_VINTAGES = [1968, 1975, 1982, 1990, 1999, *COG_YEARS]  # the censuses before 2006, then every COG vintage

APPARTENANCE_COLUMNS = [
    "cog_year",
    "codgeo",
    "libgeo",
    "reg",
    "dep",
    "arr",
    "epci",
    "nature_epci",
    "ze2010",
    "ze2020",
]
LIBELLES_COLUMNS = ["cog_year", "nivgeo", "codgeo", "libgeo"]
# Known defects of the bundled delivery, removed by key (any other duplicate still fails validation):
# COG 2020 lists Nanchez (39130) four times, identical but for the canton (cv 3914 / 3981), which this
# pipeline does not use; the first row is kept.
KNOWN_DUPLICATES = {(2020, "39130")}
# COGugaison's supra-communal labels of 2008 lost the « œ » of 11 EPCI names (« CC C¿ur d'Ostrevent »): kept as
# delivered, repaired in stg_territory_labels from DGCL's list of the same year (same SIREN). `¿` in another
# vintage, or another damage, is critical.
LOST_2008 = r.KnownQuirk(
    "lost_character", ("cog_year", "==", 2008),
    "COGugaison libelles 2008: « œ » written « ¿ » in 11 EPCI names; repaired from DGCL's 2008 list in staging",
)
PASSAGE_COLUMNS = ["from_year", "to_year", "cod_from", "cod_to", "annee", "typemodif", "ratio"]


def _with_row_numbers(frame):
    # 1-based row number in the file, so validation failures point at rows a user can find.
    frame = frame.reset_index(drop=True)
    frame.index = frame.index + 1
    return frame


def parse_appartenance(paths: list[Path]) -> Parsed:
    frame = read_parquet("insee_cog_appartenance", paths[0], APPARTENANCE_COLUMNS)
    frame = _with_row_numbers(frame)
    frame, notes = drop_blank_rows(frame, paths[0].name)
    keys = list(zip(frame["cog_year"], frame["codgeo"], strict=True))
    known = frame[[k in KNOWN_DUPLICATES for k in keys]]
    extra = known.index[known.duplicated(subset=["cog_year", "codgeo"], keep="first")]
    if len(extra):
        frame = frame.drop(index=extra)
        notes.append(
            f"{paths[0].name}: dropped {len(extra)} known duplicate row(s) of {sorted(KNOWN_DUPLICATES)}"
            f" (rows {list(extra)})"
        )
    return Parsed(frame, notes)


def parse_libelles(paths: list[Path]) -> Parsed:
    frame = _with_row_numbers(read_parquet("insee_cog_libelles", paths[0], LIBELLES_COLUMNS))
    frame, notes = drop_blank_rows(frame, paths[0].name)
    return Parsed(frame, notes)


def parse_passage(paths: list[Path]) -> Parsed:
    return Parsed(_with_row_numbers(read_parquet("insee_cog_passage", paths[0], PASSAGE_COLUMNS)))


def _passage_ratio_sums(frame: pd.DataFrame) -> pd.DataFrame:
    forward = frame[frame["from_year"] < frame["to_year"]]
    return forward.groupby(["from_year", "to_year", "cod_from"])["ratio"].sum().rename("ratio_sum").reset_index()


def departement_of_code(frame: pd.DataFrame) -> pd.DataFrame:
    """Each commune's département beside the one its code names (97x overseas, 2A/2B Corsica, else 2 characters),
    keeping the parsed frame's row labels."""
    rows = frame[frame["codgeo"].notna() & frame["dep"].notna()]
    code = rows["codgeo"].astype(str)
    named = code.str[:3].where(code.str.startswith("97"), code.str[:2])
    out = rows[["codgeo", "dep"]].assign(dep_of_code=named)
    out.attrs["rows_of"] = "parsed"  # its row labels are the parsed frame's: failures are located in the file
    return out


# The tables are read in the COGugaison compilation's layout (Parquet per table, every vintage), not in INSEE's own
# yearly files: a new COG reaches the warehouse through a new commit of the compilation.
COGUGAISON_RELEASE = Release(
    page="https://github.com/antuki/COGugaison",
    # the repository's data/ holds R data files; the bundled Parquet tables were extracted from them
    # (sources/data/PROVENANCE.md): a new commit needs that extraction, the online mode does not fetch it
    files="https://github.com/antuki/COGugaison/raw/<commit>/data/{COG,DATA_SUPRACOM,TABLES_PASSAGE,"
    "HISTORIQUE_MODIF_COM}.RData",
    format="R data files (.RData: COG, DATA_SUPRACOM, TABLES_PASSAGE, HISTORIQUE_MODIF_COM), compiled from INSEE's "
    "COG, every vintage since 1968; bundled here as Parquet tables extracted from them",
    rhythm="yearly:4",  # the COG of 1 January is published by INSEE in spring, the compilation follows
    listing="https://api.github.com/repos/antuki/COGugaison/commits?path=data",
    verified_on="https://github.com/antuki/COGugaison/tree/master/data (stored copy of the repository: data/ holds "
    "COG.RData, DATA_SUPRACOM.RData, TABLES_PASSAGE.RData, HISTORIQUE_MODIF_COM.RData — no Parquet file); INSEE "
    "COG 2024 page https://insee.fr/fr/information/7766585 (yearly « Code officiel géographique au 1er janvier »)",
)


def cogugaison(**spec) -> SourceSpec:
    """A table of the COGugaison compilation (INSEE's COG): producer, licence, origin and release shared by all."""
    return SourceSpec(
        producer="INSEE", official_urls=(COGUGAISON,), licence=ODBL, attribution=COG_ATTRIBUTION,
        releases=COGUGAISON_RELEASE, **spec,
    )


def communes_per_vintage(vintages: list[int], max_rows: int) -> r.Batch:
    """Every vintage present, each with a plausible number of communes (France had 34 000 to 38 000)."""
    return r.Batch(
        "rows_per_vintage",
        r.rows_per("cog_year"),
        [
            r.between("n_rows", "communes_per_vintage_bounds", min_value=34_000, max_value=max_rows, france_wide=True),
            r.row_count(len(vintages), "every_vintage_present"),
        ],
    )


def complete_vintages(vintages: list[int], min_rows: int, *shrink_keys: str, france_wide: bool = True) -> Completeness:
    """Every vintage with at least `min_rows` rows: France's, scaled to a narrower scope unless france_wide=False."""
    partition = Partition(("cog_year",), fixed(*vintages), min_rows=min_rows, france_wide=france_wide)
    return Completeness([partition], shrink_keys=shrink_keys)


SOURCES = [
    cogugaison(
        id="insee_cog_appartenance", parser=parse_appartenance,
        expectations=(
            r.rows(
                r.row_count_between("row_count_bounds", min_value=550_000, max_value=700_000, france_wide=True),
                r.in_set("cog_year", COG_YEARS, "known_vintage"),
                r.not_null("codgeo", "commune_code_present"),
                r.matches("codgeo", r.COMMUNE, "commune_code_format", france_wide=True),
                r.unique(["cog_year", "codgeo"], "commune_unique_per_vintage"),
                r.matches("epci", rf"^(?:\d{{9}}|{NO_EPCI})$", "epci_siren_or_no_epci_marker"),
                r.not_null("epci", "commune_in_one_epci", where=("cog_year", ">=", 2009)),
                r.matches("ze2010", r.ZONE_EMPLOI, "ze_code_format"),
                *r.label_rules("libgeo"),
                r.matches("ze2020", r.ZONE_EMPLOI, "ze_code_format"),
                r.matches("dep", r"^(?:\d{2}|2[AB]|97\d)$", "departement_code_format"),
                r.not_null("dep", "commune_in_a_departement"),
            ),
            communes_per_vintage(COG_YEARS, 38_000),
            r.Batch(
                "departement_of_code",
                departement_of_code,
                [
                    r.pair_equal(
                        "dep", "dep_of_code", "departement_prefix_matches_commune_code",
                        "a commune's code starts with its département's (INSEE's numbering); a membership row "
                        "contradicting it would move the commune's population to another département",
                    )
                ],
            ),
        ),
        completeness=complete_vintages(COG_YEARS, 34_000, "cog_year"),
        product="Table d'appartenance géographique des communes, COG 2008–2024", product_page=COG_PAGE,
        bundled=("cog/appartenance_communes_cog2008_2024.parquet",),
        layout="COGugaison table_supracom, one row per commune × COG vintage",
    ),
    cogugaison(
        id="insee_cog_libelles", parser=parse_libelles, layout="COGugaison libelles_supracom",
        expectations=(
            r.rows(
                r.row_count_between("row_count_bounds", min_value=100_000, max_value=250_000),
                r.not_null("nivgeo", "level_present"),
                r.not_null("libgeo", "label_present"),
                *r.label_rules("libgeo", known=LOST_2008),
                r.unique(["cog_year", "nivgeo", "codgeo"], "code_unique_per_level_and_vintage"),
            ),
        ),
        # labels of every zone of France, whatever the scope (the small geography keeps this file whole)
        completeness=complete_vintages(COG_YEARS, 5_000, "cog_year", "nivgeo", france_wide=False),
        product="Libellés des zonages supra-communaux, COG 2008–2024", product_page=COG_PAGE,
        bundled=("cog/libelles_supracommunaux_cog2008_2024.parquet",),
    ),
    cogugaison(
        id="insee_cog_passage", parser=parse_passage, layout="COGugaison PASSAGE_<from>_<to> tables, stacked",
        expectations=(
            r.rows(
                r.row_count_between("row_count_bounds", min_value=5_000, max_value=50_000, france_wide=True),
                r.matches("cod_from", r.COMMUNE, "commune_code_format"),
                r.matches("cod_to", r.COMMUNE, "commune_code_format"),
                r.between("ratio", "ratio_in_0_1", min_value=0, max_value=1),
                r.in_set("from_year", CENSUS_VINTAGES, "known_vintage"),
            ),
            # the backward tables (new → old) leave some ratios empty; only forward steps are used
            r.Batch(
                "forward_steps",
                lambda f: f[f["from_year"] < f["to_year"]],
                [r.not_null("ratio", "forward_ratio_present")],
            ),
            r.Batch(
                "ratio_sums",
                _passage_ratio_sums,
                [
                    r.between(
                        "ratio_sum",
                        "split_ratios_sum_to_one",
                        "COGugaison gives ratio=1 to every part of some 2022–2024 restorations and 1/n to the "
                        "members of some 2023→2024 mergers; staging recomputes those ratios (see "
                        "stg_commune_passage.sql)",
                        min_value=0.999,
                        max_value=1.001,
                        severity="warning",
                    ),
                ],
            ),
        ),
        completeness=Completeness([Partition(("from_year",), min_rows=1)], shrink_keys=("from_year",)),
        product="Tables de passage des communes entre millésimes du COG, 1968–2024",
        product_page="https://www.insee.fr/fr/information/2666684",
        bundled=("cog/passage_communes_1968_2024.parquet",),
    ),
]
