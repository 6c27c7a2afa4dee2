"""The vocabulary as plain strings for pyoxigraph, taken from `converter.rdf.vocab` (defined once there),
plus what only the endpoint needs: the dump names it serves and the PREFIX header of page queries.
"""

from __future__ import annotations

from converter.rdf import formats as _formats
from converter.rdf import vocab as _converter

MDO = str(_converter.MDO)
QB = str(_converter.QB)
SKOS = str(_converter.SKOS)
DCTERMS = str(_converter.DCTERMS)
DCAT = str(_converter.DCAT)
PROV = str(_converter.PROV)
RDF = str(_converter.RDF)
RDFS = str(_converter.RDFS)
XSD = str(_converter.XSD)
FOAF = str(_converter.FOAF)
VCARD = str(_converter.VCARD)
SD = str(_converter.SD)
SDMX_DIMENSION = str(_converter.SDMX_DIMENSION)
SDMX_MEASURE = str(_converter.SDMX_MEASURE)
SDMX_ATTRIBUTE = str(_converter.SDMX_ATTRIBUTE)

#: Prefixes used in Turtle output and offered to the query page.
PREFIXES: dict[str, str] = {
    "mdo": MDO,
    "qb": QB,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "foaf": FOAF,
    "vcard": VCARD,
    "sdmx-dimension": SDMX_DIMENSION,
    "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
}

#: Stable download names -> media type; the dumps the converter writes next to the TriG file.
DUMPS: dict[str, str] = {filename: media for filename, _, media, _ in _formats.DUMPS.values()}
#: Every file served under /download/: the dumps, the tidy CSV and the quality report.
DOWNLOADS: dict[str, str] = {**DUMPS, **{filename: media + "; charset=utf-8"
                                         for filename, _, media, _ in _formats.FILES.values()}}
CATALOGUE_FILE = "catalogus.ttl"


def sparql_prefixes() -> str:
    """The PREFIX lines every page query starts with."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
