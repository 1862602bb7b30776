"""Every source the pipeline knows: who produces it, where it officially lives, what is bundled, its licence.

`official_urls` are the real addresses of the files the bundled copies come from (unreachable from the build
machine, documented so that a connected deployment can point the fetch step at them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sources import (
    dgcl_epci,
    diagnostic,
    emd,
    insee_chomage,
    insee_cog,
    insee_population,
    insee_rp,
    mortalite,
    ors,
    urssaf,
)
from sources.parsing import Parsed

ODBL = "ODbL 1.0 (contents DbCL 1.0)"
COG_ATTRIBUTION = "© Code Officiel Géographique (Insee) et package R COGugaison"
COGUGAISON = "https://github.com/antuki/COGugaison/tree/37a6d4c9ca0d608bb4f2b64aaf1c56c097a7f813/data"
GEOHISTO = "https://raw.githubusercontent.com/etalab/geohisto/65e6f304a3eecf63c43f214a331cb8a1162ae2de/sources/epci"
DGCL_YEARS = range(2008, 2015)


@dataclass(frozen=True)
class SourceSpec:
    id: str
    producer: str
    product: str
    product_page: str  # the producer's page for the product
    official_urls: tuple[str, ...]  # where the bundled files were taken from
    bundled: tuple[str, ...]  # paths relative to the data directory
    licence: str
    attribution: str
    parser: Callable[[list[Path]], Parsed]
    layout: str  # official layout version the parser knows
    # For a source with nothing bundled: the empty frame (schema) used until an origin is configured.
    empty: Callable[[], pd.DataFrame] | None = None
    role: str = "input"  # input (transforms read it) | reference (only the reproduction step reads it)
    # Bundled files that are extracts of the diagnostic itself (its printed figures in the producer's layout),
    # not independent data: a figure recomputed from them is `consistent`, never `reproduced`. Recognised by
    # content (sha256), so a real delivery configured in origins.yml in their place counts as independent.
    extract_files: tuple[str, ...] = ()

    def bundled_paths(self, data_dir: Path) -> list[Path]:
        return [data_dir / p for p in self.bundled]


SOURCES: dict[str, SourceSpec] = {
    s.id: s
    for s in [
        SourceSpec(
            id="insee_cog_appartenance",
            producer="INSEE",
            product="Table d'appartenance géographique des communes, COG 2008–2024",
            product_page="https://www.insee.fr/fr/information/2028028",
            official_urls=(COGUGAISON,),
            bundled=("cog/appartenance_communes_cog2008_2024.parquet",),
            licence=ODBL,
            attribution=COG_ATTRIBUTION,
            parser=insee_cog.parse_appartenance,
            layout="COGugaison table_supracom, one row per commune × COG vintage",
        ),
        SourceSpec(
            id="insee_cog_libelles",
            producer="INSEE",
            product="Libellés des zonages supra-communaux, COG 2008–2024",
            product_page="https://www.insee.fr/fr/information/2028028",
            official_urls=(COGUGAISON,),
            bundled=("cog/libelles_supracommunaux_cog2008_2024.parquet",),
            licence=ODBL,
            attribution=COG_ATTRIBUTION,
            parser=insee_cog.parse_libelles,
            layout="COGugaison libelles_supracom",
        ),
        SourceSpec(
            id="insee_cog_passage",
            producer="INSEE",
            product="Tables de passage des communes entre millésimes du COG, 1968–2024",
            product_page="https://www.insee.fr/fr/information/2666684",
            official_urls=(COGUGAISON,),
            bundled=("cog/passage_communes_1968_2024.parquet",),
            licence=ODBL,
            attribution=COG_ATTRIBUTION,
            parser=insee_cog.parse_passage,
            layout="COGugaison PASSAGE_<from>_<to> tables, stacked",
        ),
        SourceSpec(
            id="insee_population",
            producer="INSEE",
            product="Populations des communes (recensements 1968–1999, populations municipales 2006–2022)",
            product_page="https://www.insee.fr/fr/statistiques/3698339",
            official_urls=(COGUGAISON,),
            bundled=("cog/population_communes_cog1968_2024.parquet",),
            licence=ODBL,
            attribution=COG_ATTRIBUTION,
            parser=insee_population.parse,
            layout="COGugaison POP tables, one row per commune × COG vintage",
        ),
        SourceSpec(
            id="dgcl_epci",
            producer="DGCL",
            product="Liste et composition des EPCI à fiscalité propre, 1er janvier 2008–2014",
            product_page="https://www.collectivites-locales.gouv.fr/institutions/liste-et-composition-des-epci-fiscalite-propre",
            official_urls=tuple(f"{GEOHISTO}/{y}.csv" for y in DGCL_YEARS),
            bundled=tuple(f"dgcl/epci_composition_{y}.csv.gz" for y in DGCL_YEARS),
            licence="Licence Ouverte / Open Licence (Etalab)",
            attribution="DGCL, Liste et composition des EPCI (republished by Etalab, geohisto)",
            parser=dgcl_epci.parse,
            layout="DGCL semicolon CSV, columns vary by year (see sources/dgcl_epci.py)",
        ),
        SourceSpec(
            id="insee_rp_age",
            producer="INSEE",
            product="Recensement 2009, population par tranche d'âge (moins de 20 ans, 60 ans et plus)",
            product_page="https://www.insee.fr/fr/statistiques/2044765",
            official_urls=("https://www.recensement.insee.fr/telechargement/bases-chiffres-cles/BTX_CC_POP_2009.zip",),
            bundled=("insee_rp/rp2009_age_epci_extract_diagnostic.csv",),
            extract_files=("insee_rp/rp2009_age_epci_extract_diagnostic.csv",),
            licence="Licence Ouverte (INSEE); extract of counts printed in the diagnostic partagé (2013)",
            attribution="Insee, RP 2009, as printed in the diagnostic partagé du Bassin minier (2013), table 1",
            parser=insee_rp.parse_age_bands,
            layout="INSEE wide age bands Pyy_POPaabb / Pyy_POPaaP, optional NIVGEO (see sources/insee_rp.py)",
        ),
        SourceSpec(
            id="insee_rp_historique",
            producer="INSEE",
            product="Séries historiques du recensement: naissances et décès entre recensements, par commune",
            product_page="https://www.insee.fr/fr/statistiques/2522602",
            official_urls=("https://www.insee.fr/fr/statistiques/fichier/2522602/base-cc-serie-historique-2009.zip",),
            bundled=(),
            licence="Licence Ouverte (INSEE)",
            attribution="Insee, RP et état civil, séries historiques",
            parser=insee_rp.parse_series_historiques,
            layout="INSEE base-cc-serie-historique: CODGEO, NAISyyyy, DECEyyyy (see sources/insee_rp.py)",
            empty=insee_rp.empty_series_historiques,
        ),
        SourceSpec(
            id="insee_chomage",
            producer="INSEE",
            product="Taux de chômage localisés par zone d'emploi (trimestriels, CVS): edition 2023-T3 on the 2020 "
            "zoning, and the Q1 2013 rates of the 2010 zoning as printed in the diagnostic (extract)",
            product_page="https://www.insee.fr/fr/statistiques/1893230",
            official_urls=(
                "https://github.com/pwisniewski-econ/interestnpy/raw/e9ce012b7324904a506a063501624226aa52d9d5/"
                "data/external/unemployment/chomage-zone-t1-2003-t3-2023.xlsx",
                "(extract of the diagnostic partagé, no official URL)",
            ),
            bundled=(
                "insee_chomage/chomage-zone-t1-2003-t3-2023.xlsx",
                "insee_chomage/chomage-zone-2010-extrait-diagnostic-t1-2013.xlsx",
            ),
            extract_files=("insee_chomage/chomage-zone-2010-extrait-diagnostic-t1-2013.xlsx",),
            licence="Licence Ouverte (INSEE)",
            attribution="Insee, estimations de taux de chômage localisés",
            parser=insee_chomage.parse,
            layout="INSEE workbook: banner rows, label row, code row (ZE2020/ZE2010/ZER2020/REG/FRANCE), quarters",
        ),
        SourceSpec(
            id="urssaf_effectifs",
            producer="URSSAF",
            product="Effectifs salariés du secteur privé par zone d'emploi, 2008 et 2012 — extract of the "
            "diagnostic's table 4 (source printed: URSSAF 2013)",
            product_page="https://open.urssaf.fr/explore/?q=effectifs+zone+d%27emploi",
            official_urls=("(extract of the diagnostic partagé, table 4)",),
            bundled=("urssaf/effectifs-salaries-prive-ze2010-extrait-diagnostic.csv",),
            extract_files=("urssaf/effectifs-salaries-prive-ze2010-extrait-diagnostic.csv",),
            licence="Licence Ouverte / ODbL (URSSAF open data); figures as printed in the diagnostic partagé",
            attribution="Urssaf, as printed in the diagnostic partagé du Bassin minier (2013), table 4",
            parser=urssaf.parse,
            layout="open.urssaf.fr export: Code zone d'emploi [YYYY];Zone d'emploi;Effectifs salariés YYYY …",
        ),
        SourceSpec(
            id="insee_rp_diplomes",
            producer="INSEE",
            product="Recensement: diplôme le plus élevé de la population non scolarisée de 15 ans ou plus, par commune",
            product_page="https://www.insee.fr/fr/statistiques/2045760",
            official_urls=("https://www.insee.fr/fr/statistiques/fichier/2045760/base-cc-diplomes-formation-2009.zip",),
            bundled=(),
            licence="Licence Ouverte (INSEE)",
            attribution="Insee, RP, Diplômes - Formation",
            parser=insee_rp.parse_diplomas,
            layout="INSEE base-cc-diplomes-formation: CODGEO, Pyy_NSCOL15P, Pyy_NSCOL15P_DIPL0 … _SUP",
            empty=insee_rp.empty_census_variables,
        ),
        SourceSpec(
            id="insee_rp_actifs",
            producer="INSEE",
            product="Recensement: actifs au lieu de résidence et emplois au lieu de travail, par commune",
            product_page="https://www.insee.fr/fr/statistiques/2044742",
            official_urls=("https://www.insee.fr/fr/statistiques/fichier/2044742/base-cc-emploi-pop-active-2009.zip",),
            bundled=(),
            licence="Licence Ouverte (INSEE)",
            attribution="Insee, RP, Emploi - Population active",
            parser=insee_rp.parse_activity,
            layout="INSEE base-cc-emploi-pop-active: CODGEO, Pyy_ACT15P, Pyy_EMPLT",
            empty=insee_rp.empty_census_variables,
        ),
        SourceSpec(
            id="deces_age_sexe",
            producer="INSEE (état civil) / INSERM-CépiDc",
            product="Décès domiciliés par commune, sexe, groupe d'âge quinquennal et année",
            product_page="https://www.insee.fr/fr/information/4190491",
            official_urls=("(delivered to ORS under agreement; INSEE fichier détail des décès for all causes)",),
            bundled=(),
            licence="depends on the delivery (INSEE: Licence Ouverte; CépiDc: agreement)",
            attribution="Insee, état civil; Inserm-CépiDc",
            parser=mortalite.parse_deaths,
            layout="CODGEO;ANNEE;SEXE;AGE;DECES (sources/mortalite.py)",
            empty=mortalite.empty,
        ),
        SourceSpec(
            id="population_age_sexe",
            producer="INSEE",
            product="Population par commune, sexe et âge quinquennal (recensement)",
            product_page="https://www.insee.fr/fr/statistiques/1893204",
            official_urls=("https://www.insee.fr/fr/statistiques/1893204",),
            bundled=(),
            licence="Licence Ouverte (INSEE)",
            attribution="Insee, RP",
            parser=mortalite.parse_population,
            layout="CODGEO;ANNEE;SEXE;AGE;POP (sources/mortalite.py)",
            empty=mortalite.empty,
        ),
        SourceSpec(
            id="ors_indicateurs",
            producer="ORS Nord-Pas-de-Calais",
            product="Indicateurs de mortalité des communautés urbaines et d'agglomération (extract of the diagnostic)",
            product_page="https://www.orsnpdc.org",
            official_urls=("(extract of the diagnostic partagé: table 7 and prose)",),
            bundled=("ors/ors-indicateurs-extrait-diagnostic.csv",),
            extract_files=("ors/ors-indicateurs-extrait-diagnostic.csv",),
            licence="figures as printed in the diagnostic partagé "
            "(source printed: Insee, Inserm-CépiDc, traitement ORS)",
            attribution="ORS Nord-Pas-de-Calais, as printed in the diagnostic partagé (2013)",
            parser=ors.parse,
            layout="territoire;code;indicateur;periode;valeur;unite;rang;nb_territoires",
        ),
        SourceSpec(
            id="emd",
            producer="Cerema / autorités organisatrices de la mobilité",
            product="Enquêtes ménages déplacements (EMD, EDGT, EMC²), standard Cerema: ménages, personnes, trips",
            product_page="https://www.cerema.fr/fr/activites/mobilites/connaissance-modelisation-evaluation-mobilite",
            official_urls=("(microdata delivered by Cerema under agreement; not public)",),
            bundled=(),
            licence="delivery agreement of each survey",
            attribution="Cerema, enquêtes ménages déplacements (standard Cerema)",
            parser=emd.parse,
            layout="per survey: a manifest (.yml) + record files (fixed width with layout tables, or ; CSV); "
            "see docs/emd-surveys.md",
            empty=emd.empty,
        ),
        SourceSpec(
            id="diagnostic",
            producer="Conférence Permanente du Bassin Minier Nord-Pas-de-Calais",
            product="Livre Blanc Acte II, diagnostic partagé (décembre 2013): tables and prose figures",
            product_page="(printed document; text in the project's seed)",
            official_urls=(),
            bundled=tuple(
                f"diagnostic/{n}"
                for n in (
                    "t1_jeunesse_epci_2009.csv",
                    "t2_population_arrondissements_1999_2009.csv",
                    "t3_demographie_epci_1990_2009.csv",
                    "t4_emploi_salarie_prive_ze_2008_2012.csv",
                    "t5_diplomes_ze_1999_2009.csv",
                    "t6_navettes_ze_1999_2006.csv",
                    "t7_mortalite_evitable_soins_1982_2007.csv",
                    "t9_demence_65plus_2000_2030.csv",
                    "prose_figures.csv",
                )
            ),
            licence="published document, figures quoted as reference",
            attribution="CPBM, diagnostic partagé du Bassin minier (2013)",
            parser=diagnostic.parse,
            layout="one CSV per printed table + prose_figures.csv (sources/data/diagnostic/README.md)",
            role="reference",
        ),
        SourceSpec(
            id="diagnostic_crosswalk",
            producer="observatoire (hand-made mapping)",
            product="Printed territory names of the diagnostic → (level, code, geo_year)",
            product_page="sources/data/diagnostic/crosswalk_territories.csv",
            official_urls=(),
            bundled=("diagnostic/crosswalk_territories.csv",),
            licence="MIT (project)",
            attribution="",
            parser=diagnostic.parse_crosswalk,
            layout="table_id, territory, level, code, geo_year, note",
            role="reference",
        ),
    ]
}


def document_extract_sources(validated_metas: dict[str, dict], data_dir: Path) -> set[str]:
    """Sources whose validated content includes one of their declared extract files (same sha256)."""
    import hashlib

    found = set()
    for source_id, meta in validated_metas.items():
        spec = SOURCES.get(source_id)
        if spec is None or not spec.extract_files:
            continue
        extracts = {
            hashlib.sha256(path.read_bytes()).hexdigest()
            for path in (data_dir / f for f in spec.extract_files)
            if path.exists()
        }
        if extracts & {f["sha256"] for f in meta.get("files", [])}:
            found.add(source_id)
    return found
