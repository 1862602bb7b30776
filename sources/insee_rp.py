"""INSEE census (recensement de la population) tables: age structure and the « séries historiques ».

Official layouts read here (columns named as INSEE names them; `yy` = 2-digit census year):
- age structure, « Évolution et structure de la population » / chiffres clés (e.g. BTX_CC_POP_2009, one row
  per commune, `;`-separated or .xlsx): `CODGEO`, `LIBGEO`, `Pyy_POP` (population), then one column per age
  band `Pyy_POPaabb` (ages aa to bb: `P09_POP0014`, `P09_POP1529` …) or open band `Pyy_POPaaP` (`P09_POP75P`).
  Files at several levels carry `NIVGEO` (COM, EPCI, DEP, REG, METRO …); without it rows are communes.
- séries historiques (base-cc-serie-historique): `CODGEO`, populations `Pyy_POP` / `Dyy_POP` and events between
  two censuses `NAISyyyy` (births, e.g. `NAIS9909` = births 1999–2009) and `DECEyyyy` (deaths, `DECE9909`).
INSEE publishes census Y in the geography of 1 January Y+2 (RP 2009 → COG 2011): `geo_year` = census year + 2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from expectations import rules as r
from expectations.completeness import Completeness
from sources.errors import SourceError
from sources.parsing import Parsed, empty_frame, read_delimited, require_columns, stacked, to_numbers
from sources.spec import Release, SourceSpec

AGE_EXTRACT = "insee_rp/rp2009_age_epci_extract_diagnostic.csv"
AGE_BAND = re.compile(r"^P(\d{2})_POP(\d{2})(\d{2}|P)$")
EVENTS = re.compile(r"^(NAIS|DECE)(\d{2})(\d{2})$")
NIVGEO_LEVEL = {
    "COM": "commune",
    "EPCI": "epci",
    "ARR": "arrondissement",
    "DEP": "departement",
    "REG": "region",
    "ZE2010": "ze2010",
    "ZE2020": "ze2020",
    "METRO": "france_metro",
}


def year4(yy: str) -> int:
    """INSEE 2-digit census years: 68–99 → 19xx, 00–67 → 20xx."""
    return 1900 + int(yy) if int(yy) >= 68 else 2000 + int(yy)


def read_table(source_id: str, path: Path) -> pd.DataFrame:
    """INSEE ships these tables as `;` CSV (UTF-8 or latin-1) or Excel with banner rows above the header."""
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            raw = pd.read_excel(path, engine="calamine", header=None, dtype=str)
            header = raw.index[raw.eq("CODGEO").any(axis=1)]
            if not len(header):
                raise SourceError(source_id, path.name, "required_columns", "no header row with CODGEO")
            frame = raw.iloc[header[0] + 1 :].set_axis(raw.iloc[header[0]].tolist(), axis=1)
        else:
            try:
                frame = read_delimited(source_id, path)
            except SourceError as exc:
                if exc.rule != "file_encoding":
                    raise
                frame = read_delimited(source_id, path, encoding="latin-1")  # INSEE ships both encodings
    except SourceError:
        raise
    except (OSError, ValueError) as exc:
        raise SourceError(source_id, path.name, "readable_file", f"cannot read the file: {exc}") from exc
    require_columns(source_id, path.name, list(frame.columns), ["CODGEO"])
    frame = frame.reset_index(drop=True)
    frame.insert(0, "source_line", range(2, len(frame) + 2))
    return frame


def _numbers(source_id: str, path: Path, frame: pd.DataFrame, column: str) -> pd.Series:
    # INSEE's census counts are weighted (decimals) in commune files: kept as DOUBLE, never rounded here.
    return to_numbers(source_id, path.name, frame[column], column, frame["source_line"])


def _wide_table(source_id: str, path: Path, pattern: re.Pattern, missing: str) -> tuple[pd.DataFrame, list[str]]:
    """A wide INSEE table and its columns named like `pattern` (a file with none is refused, named)."""
    frame = read_table(source_id, path)
    columns = [c for c in frame.columns if pattern.match(str(c))]
    if not columns:
        raise SourceError(source_id, path.name, "required_columns", missing)
    return frame, columns


def parse_age_bands(paths: list[Path], source_id: str = "insee_rp_age") -> Parsed:
    """Wide INSEE age-band table(s) → one row per territory × census × age band."""
    frames, notes = [], []
    for path in paths:
        frame, bands = _wide_table(source_id, path, AGE_BAND, "no age-band column (Pyy_POPaabb / Pyy_POPaaP)")
        nivgeo = frame["NIVGEO"] if "NIVGEO" in frame.columns else pd.Series("COM", index=frame.index)
        unknown = sorted(set(nivgeo) - set(NIVGEO_LEVEL))
        if unknown:
            raise SourceError(source_id, path.name, "known_nivgeo", f"unknown NIVGEO value(s) {unknown}")
        for column in bands:
            yy, low, high = AGE_BAND.match(column).groups()
            frames.append(
                pd.DataFrame(
                    {
                        "nivgeo": nivgeo.values,
                        "codgeo": frame["CODGEO"].values,
                        "libgeo": frame["LIBGEO"].values if "LIBGEO" in frame.columns else None,
                        "census_year": year4(yy),
                        "age_min": int(low),
                        "age_max": None if high == "P" else int(high),
                        "band": column,
                        "count": _numbers(source_id, path, frame, column).values,
                        "source_file": path.name,
                        "source_line": frame["source_line"].values,
                    }
                )
            )
        notes.append(f"{path.name}: {len(frame)} territories × {len(bands)} age bands")
    out = pd.concat(frames, ignore_index=True)
    out["age_max"] = out["age_max"].astype("Int64")
    out["geo_year"] = out["census_year"] + 2
    out.index = out.index + 1
    return Parsed(out, notes)


def parse_series_historiques(paths: list[Path], source_id: str = "insee_rp_historique") -> Parsed:
    """« Séries historiques » births and deaths between censuses → one row per commune × event × interval."""
    frames, notes = [], []
    for path in paths:
        frame, events = _wide_table(source_id, path, EVENTS, "no NAISyyyy / DECEyyyy column")
        latest = max(year4(EVENTS.match(c).group(3)) for c in events)
        for column in events:
            kind, start, end = EVENTS.match(column).groups()
            frames.append(
                pd.DataFrame(
                    {
                        "codgeo": frame["CODGEO"].values,
                        "event": "births" if kind == "NAIS" else "deaths",
                        "period_start": year4(start),
                        "period_end": year4(end),
                        "variable": column,
                        "count": _numbers(source_id, path, frame, column).values,
                        "geo_year": latest + 2,
                        "source_file": path.name,
                        "source_line": frame["source_line"].values,
                    }
                )
            )
        notes.append(f"{path.name}: {len(frame)} communes × {len(events)} event columns")
    return stacked(frames, notes)


def empty_series_historiques() -> pd.DataFrame:
    """Schema of `parse_series_historiques` with no rows (no file configured)."""
    return empty_frame(
        {
            "codgeo": "str", "event": "str", "period_start": "int64", "period_end": "int64",
            "variable": "str", "count": "float64", "geo_year": "int64",
            "source_file": "str", "source_line": "int64",
        }
    )


CENSUS_VARIABLE = re.compile(r"^P(\d{2})_([A-Z0-9_]+)$")
DIPLOMA_LEVELS = {  # INSEE « Diplômes - Formation »: non-schooled population aged 15+ by highest diploma
    "NSCOL15P": "total",
    "NSCOL15P_DIPL0": "aucun_diplome",
    "NSCOL15P_CEP": "cep",
    "NSCOL15P_BEPC": "bepc",
    "NSCOL15P_CAPBEP": "cap_bep",
    "NSCOL15P_BAC": "bac_ou_brevet_pro",
    "NSCOL15P_BACP2": "sup_court",
    "NSCOL15P_SUP": "sup_long",
}
ACTIVITY = {"ACT15P": "actifs_lieu_residence", "EMPLT": "emplois_lieu_travail"}  # « Emploi - population active »


def _census_variables(paths: list[Path], source_id: str, wanted: dict[str, str]) -> Parsed:
    frames, notes = [], []
    for path in paths:
        frame = read_table(source_id, path)
        columns = [c for c in frame.columns if (m := CENSUS_VARIABLE.match(str(c))) and m.group(2) in wanted]
        if not columns:
            raise SourceError(
                source_id, path.name, "required_columns", f"no census variable among Pyy_{{{', '.join(wanted)}}}"
            )
        for column in columns:
            yy, name = CENSUS_VARIABLE.match(column).groups()
            frames.append(
                pd.DataFrame(
                    {
                        "codgeo": frame["CODGEO"].values,
                        "census_year": year4(yy),
                        "variable": wanted[name],
                        "insee_variable": column,
                        "value": _numbers(source_id, path, frame, column).values,
                        "source_file": path.name,
                        "source_line": frame["source_line"].values,
                    }
                )
            )
        notes.append(f"{path.name}: {len(frame)} communes × {len(columns)} variables")
    out = pd.concat(frames, ignore_index=True) if frames else empty_census_variables()
    out["geo_year"] = out.groupby("source_file")["census_year"].transform("max") + 2
    out.index = out.index + 1
    return Parsed(out, notes)


def parse_diplomas(paths: list[Path]) -> Parsed:
    """Census « Diplômes - Formation » by commune: P09_NSCOL15P and P09_NSCOL15P_DIPL0 … _SUP (also P99_…)."""
    return _census_variables(paths, "insee_rp_diplomes", DIPLOMA_LEVELS)


def parse_activity(paths: list[Path]) -> Parsed:
    """Census « Emploi - population active » by commune: P06_ACT15P (residence), P06_EMPLT (place of work)."""
    return _census_variables(paths, "insee_rp_actifs", ACTIVITY)


def empty_census_variables() -> pd.DataFrame:
    return empty_frame(
        {
            "codgeo": "str", "census_year": "int64",
            "variable": "str", "insee_variable": "str", "value": "float64",
            "source_file": "str", "source_line": "int64", "geo_year": "int64",
        }
    )


# What the census tables' addresses were checked against (issue 22): INSEE's page numbers differ per edition and
# so do the file suffixes; addresses as downloaded by public code (search corpus), no stored copy of INSEE's pages.
BASE_CC_VERIFIED = {
    "base-cc-serie-historique": "file names: https://www.insee.fr/fr/statistiques/fichier/6683035/"
    "base-cc-serie-historique-2021.zip (2021), https://www.insee.fr/fr/statistiques/fichier/7632565/"
    "base-cc-serie-historique-2020_csv.zip (2020, page https://www.insee.fr/fr/statistiques/7632565), as downloaded "
    "by public code (code corpus); no stored copy of INSEE's pages",
    "base-cc-diplomes-formation": "file names: https://www.insee.fr/fr/statistiques/fichier/8581488/"
    "base-cc-diplomes-formation-2022.zip (2022, page https://www.insee.fr/fr/statistiques/8581488), "
    "https://www.insee.fr/fr/statistiques/fichier/8202319/base-cc-diplomes-formation-2021_csv.zip (2021), as "
    "downloaded by public code (code corpus); no stored copy of INSEE's pages",
    "base-cc-emploi-pop-active": "file names: https://www.insee.fr/fr/statistiques/fichier/6456178/"
    "base-cc-emploi-pop-active-2020_v2.zip (2020), as downloaded by public code (code corpus); later editions' "
    "addresses not found; no stored copy of INSEE's pages",
}


def base_cc(source_id: str, number: int, base: str, columns: str, **spec) -> SourceSpec:
    """A commune table of INSEE's census « bases chiffres clés » (`base-cc-…-2009.zip`, page statistiques/<number>),
    not bundled: published empty until a delivery is configured in origins.yml."""
    page = f"https://www.insee.fr/fr/statistiques/{number}"
    return SourceSpec(
        id=source_id, producer="INSEE", licence="Licence Ouverte (INSEE)", bundled=(),
        layout=f"INSEE {base}: {columns}",
        product_page=page, official_urls=(f"https://www.insee.fr/fr/statistiques/fichier/{number}/{base}-2009.zip",),
        # each census edition has its own page number: the 2009 one is known, later ones are found from the page
        releases=Release(
            page=page, files=f"https://www.insee.fr/fr/statistiques/fichier/<page of the edition>/{base}-{{year}}.zip "
            f"(the name's suffix varies by edition: {base}-<year>_csv.zip, …_v2.zip)",
            format="zip holding one csv ; separated (one row per commune)", rhythm="yearly:6",
            verified_on=BASE_CC_VERIFIED.get(base, "not verified: searched the code and pages corpora for the file "
                                             f"name {base}-<year>: no address found"),
        ),
        **spec,
    )


# per commune, one value per census variable (diplomas, activity)
CENSUS_VARIABLE_RULES = (
    r.rows(
        r.matches("codgeo", r.COMMUNE, "commune_code_format"),
        r.unique(["codgeo", "insee_variable"], "one_value_per_commune"),
        r.between("value", "count_non_negative", min_value=0),
    ),
)

SOURCES = [
    SourceSpec(
        id="insee_rp_age", parser=parse_age_bands, producer="INSEE",
        expectations=(
            r.rows(
                r.not_null("codgeo", "territory_code_present"),
                r.in_set("nivgeo", list(NIVGEO_LEVEL), "known_nivgeo"),
                r.unique(["nivgeo", "codgeo", "census_year", "band"], "one_count_per_territory_and_band"),
                r.between("count", "count_non_negative", min_value=0),
                r.not_null("count", "count_present"),
                r.between("age_min", "age_in_range", min_value=0, max_value=120),
                *r.label_rules("libgeo"),
            ),
        ),
        completeness=Completeness(shrink_keys=("nivgeo",)),
        product="Recensement 2009, population par tranche d'âge (moins de 20 ans, 60 ans et plus)",
        product_page="https://www.insee.fr/fr/statistiques/2044765",
        official_urls=("https://www.recensement.insee.fr/telechargement/bases-chiffres-cles/BTX_CC_POP_2009.zip",),
        bundled=(AGE_EXTRACT,), extract_files=(AGE_EXTRACT,),  # the diagnostic's counts, not independent data
        licence="Licence Ouverte (INSEE); extract of counts printed in the diagnostic partagé (2013)",
        attribution="Insee, RP 2009, as printed in the diagnostic partagé du Bassin minier (2013), table 1",
        releases=Release(
            page="https://www.insee.fr/fr/statistiques/2044765",
            files="https://www.recensement.insee.fr/telechargement/bases-chiffres-cles/BTX_CC_POP_{year}.zip",
            format="zip holding one csv ; separated (BTX_CC_POP)", rhythm="yearly:6",
            # BTX_CC_POP_<year> is the 2009-era name (official_urls); the product's later editions are named
            # base-cc-evol-struct-pop-<year>, one page each: the template finds no later edition (a 404 keeps the
            # bundled extract), an edition is configured by its address in origins.yml
            verified_on="file names: https://www.insee.fr/fr/statistiques/fichier/8581696/base-cc-evol-struct-pop-"
            "2022_csv.zip (2022), https://www.insee.fr/fr/statistiques/fichier/2028582/base_cc_evol_struct_pop_2015_"
            "csv.zip (2015), as downloaded by public code (code corpus): the later editions of this product; "
            "BTX_CC_POP_<year> at recensement.insee.fr not found besides the 2009 address; no stored copy of INSEE's "
            "pages",
        ),
        layout="INSEE wide age bands Pyy_POPaabb / Pyy_POPaaP, optional NIVGEO (see sources/insee_rp.py)",
    ),
    base_cc(
        "insee_rp_historique", 2522602, "base-cc-serie-historique",
        "CODGEO, NAISyyyy, DECEyyyy (see sources/insee_rp.py)",
        expectations=(
            r.rows(
                r.matches("codgeo", r.COMMUNE, "commune_code_format"),
                r.unique(["codgeo", "variable"], "one_value_per_commune"),
                r.between("count", "count_non_negative", min_value=0),
                r.not_null("count", "count_present"),
            ),
        ),
        product="Séries historiques du recensement: naissances et décès entre recensements, par commune",
        attribution="Insee, RP et état civil, séries historiques",
        parser=parse_series_historiques, empty=empty_series_historiques,
    ),
    base_cc(
        "insee_rp_diplomes", 2045760, "base-cc-diplomes-formation", "CODGEO, Pyy_NSCOL15P, Pyy_NSCOL15P_DIPL0 … _SUP",
        product="Recensement: diplôme le plus élevé de la population non scolarisée de 15 ans ou plus, par commune",
        attribution="Insee, RP, Diplômes - Formation",
        parser=parse_diplomas, empty=empty_census_variables, expectations=CENSUS_VARIABLE_RULES,
    ),
    base_cc(
        "insee_rp_actifs", 2044742, "base-cc-emploi-pop-active", "CODGEO, Pyy_ACT15P, Pyy_EMPLT",
        product="Recensement: actifs au lieu de résidence et emplois au lieu de travail, par commune",
        attribution="Insee, RP, Emploi - Population active",
        parser=parse_activity, empty=empty_census_variables, expectations=CENSUS_VARIABLE_RULES,
    ),
]
