"""Every vocabulary IRI the project uses, defined once."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

MDO = Namespace("https://data.monitordigitaleoverheid.nl/def/mdo#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_LICENCE = Namespace("http://publications.europa.eu/resource/authority/licence/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")
NL_LICENCE = Namespace("https://definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties/")
"""The DCAT-AP-NL licence list (Geonovum), which DCAT-AP-NL 3.0 requires for dcterms:license."""
INTERVAL_YEAR = Namespace("http://reference.data.gov.uk/id/year/")

PREFIXES = {
    "mdo": MDO, "qb": QB, "sdmx-dimension": SDMX_DIMENSION, "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE, "skos": SKOS, "dcterms": DCTERMS, "dcat": DCAT, "prov": PROV,
    "foaf": FOAF, "vcard": VCARD, "owl": OWL, "rdfs": RDFS, "rdf": RDF, "xsd": XSD,
}

UNIT_CODES = {"count": "aantal", "percent": "procent"}
STATUS_CODES = {
    "normal": "normaal",
    "lower-bound": "ondergrens",
    "corrected": "gecorrigeerd",
    "break": "breuk",
    "not-available": "niet-beschikbaar",
}
