"""Every source the pipeline knows: who produces it, where it officially lives, what is bundled, its licence.

`official_urls` are the real addresses of the files the bundled copies come from (unreachable from the build
machine, documented so that a connected deployment can point the fetch step at them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sources import dgcl_epci, insee_cog, insee_population
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
    ]
}
