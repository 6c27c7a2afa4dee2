"""The DCAT catalogue of the dataset, for data.overheid.nl to harvest (DCAT-AP-NL 3.0).

Mandatory for a dataset in DCAT-AP-NL 3.0: title, description, identifier, publisher, creator,
contact point, theme (EU data-theme list), access rights, licence; distributions carry access
URL, format, media type and licence; the SPARQL endpoint is a `dcat:DataService`.

The catalogue passes the official shapes as published (DCAT-AP-NL 3.0 and DCAT-AP 3.0.1 with
their range shapes, `tests/test_catalogue_official.py`). The range shapes ask for the class of
every value (`sh:class`, without inference); the EU code lists type their concepts only as
`skos:Concept`, so the catalogue states the DCAT-AP range class of each value it uses, and a
title for each code list it draws from. The licence is from the DCAT-AP-NL list (Geonovum),
matched to the EU licence list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from converter.rdf.iris import Iris
from converter.rdf.quads import GraphWriter as Graph
from converter.registry import Registry
from converter.rdf.formats import DUMPS, FILES
from converter.rdf.vocab import (EU_ACCESS, EU_COUNTRY, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, EU_LICENCE, EU_THEME,
                    IANA_MEDIA_TYPE, NL_LICENCE, VCARD)

if TYPE_CHECKING:
    from converter.extraction.extract import Extraction

TITLE_NL = "Monitor Digitale Overheid: gebruikscijfers van de GDI"
TITLE_EN = "Monitor Digitale Overheid: usage figures of the Dutch digital infrastructure"
DESCRIPTION_NL = (
    "De gebruikscijfers uit de jaarlijkse Monitor Digitale Overheid (ICTU) van de gemeenschappelijke "
    "digitale infrastructuur (GDI): DigiD, eHerkenning, MijnOverheid, de basisregistraties, Digilevering, "
    "Digipoort en meer, als RDF Data Cube met herkomst tot op de cel van de bron."
)
DESCRIPTION_EN = (
    "The usage figures from the yearly Monitor Digitale Overheid (ICTU) of the Dutch generic digital "
    "infrastructure (GDI) as an RDF Data Cube, traceable to the source cell."
)
CONTACT_EMAIL = "mailto:info@ictu.nl"
STANDARDS = {
    "cube": (URIRef("http://purl.org/linked-data/cube"), "The RDF Data Cube Vocabulary"),
    "sparql": (URIRef("https://www.w3.org/TR/sparql11-protocol/"), "SPARQL 1.1 Protocol"),
}
CODE_LISTS = [  # the EU code lists the catalogue draws values from, with their titles
    (URIRef(str(EU_THEME).rstrip("/")), "Data theme"),
    (URIRef(str(EU_ACCESS).rstrip("/")), "Access right"),
    (URIRef(str(EU_FILE_TYPE).rstrip("/")), "File type"),
    (URIRef(str(EU_FREQUENCY).rstrip("/")), "Frequency"),
]


def add_catalogue(g: Graph, iris: Iris, registry: Registry, extraction: "Extraction", years: list[int]) -> None:
    catalogue, dataset, service = iris.catalogue(), iris.dataset(), iris.service()
    publisher, contact = iris.organisation("ictu"), iris.contact()
    licence, access = NL_LICENCE["cc0"], EU_ACCESS["PUBLIC"]
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal("ICTU", lang="nl")))
    _value_classes(g, licence, access)
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal("ICTU, Monitor Digitale Overheid", lang="nl")))
    g.add((contact, VCARD.hasEmail, URIRef(CONTACT_EMAIL)))

    g.add((catalogue, RDF.type, DCAT.Catalog))
    _texts(g, catalogue, "Catalogus Monitor Digitale Overheid", "Monitor Digitale Overheid catalogue",
           "Catalogus van de Monitor Digitale Overheid als linked data.", "Catalogue of the Monitor Digitale Overheid as linked data.")
    g.add((catalogue, DCTERMS.publisher, publisher))
    g.add((catalogue, DCTERMS.license, licence))
    g.add((catalogue, DCTERMS.language, EU_LANGUAGE["NLD"]))
    g.add((catalogue, FOAF.homepage, URIRef(iris.base + "/")))
    g.add((URIRef(iris.base + "/"), RDF.type, FOAF.Document))
    g.add((catalogue, DCAT.themeTaxonomy, CODE_LISTS[0][0]))
    g.add((catalogue, DCAT.dataset, dataset))
    g.add((catalogue, DCAT.service, service))
    g.add((catalogue, DCAT.contactPoint, contact))

    g.add((dataset, RDF.type, DCAT.Dataset))
    _texts(g, dataset, TITLE_NL, TITLE_EN, DESCRIPTION_NL, DESCRIPTION_EN)
    g.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    for term in (DCTERMS.publisher, DCTERMS.creator):
        g.add((dataset, term, publisher))
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((dataset, DCAT.theme, EU_THEME["GOVE"]))
    g.add((dataset, DCAT.theme, EU_THEME["TECH"]))
    g.add((dataset, DCTERMS.accessRights, access))
    g.add((dataset, DCTERMS.license, licence))
    g.add((dataset, DCTERMS.language, EU_LANGUAGE["NLD"]))
    g.add((dataset, DCTERMS.spatial, EU_COUNTRY["NLD"]))
    g.add((dataset, DCTERMS.accrualPeriodicity, EU_FREQUENCY["ANNUAL"]))
    g.add((dataset, DCTERMS.conformsTo, STANDARDS["cube"][0]))
    for keyword in ("GDI", "DigiD", "basisregistraties", "digitale overheid", "gebruikscijfers"):
        g.add((dataset, DCAT.keyword, Literal(keyword, lang="nl")))
    for edition in registry.editions:  # reports, not dcat:Datasets (the range of dcterms:source)
        g.add((dataset, PROV.wasDerivedFrom, iris.edition(edition)))
    if years:
        period = iris.thing("periode", f"{years[0]}-{years[-1]}")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(f"{years[0]}-01-01", datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(f"{years[-1]}-12-31", datatype=XSD.date)))
    issued = max(e.issued or e.reference_date for e in registry.editions.values())
    g.add((dataset, DCTERMS.modified, Literal(issued, datatype=XSD.date)))

    titles = {fmt: (filename, file_type, media_type, f"Monitor Digitale Overheid als {title}")
              for fmt, (filename, file_type, media_type, title) in DUMPS.items()}
    for fmt, (filename, file_type, media_type, title) in {**titles, **FILES}.items():
        distribution = iris.distribution(fmt)
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(title, lang="nl")))
        g.add((distribution, DCAT.accessURL, iris.download(filename)))
        g.add((distribution, DCAT.downloadURL, iris.download(filename)))
        g.add((distribution, DCTERMS.format, EU_FILE_TYPE[file_type]))
        g.add((EU_FILE_TYPE[file_type], RDF.type, DCTERMS.MediaTypeOrExtent))
        g.add((distribution, DCAT.mediaType, IANA_MEDIA_TYPE[media_type]))
        g.add((IANA_MEDIA_TYPE[media_type], RDF.type, DCTERMS.MediaType))
        g.add((distribution, DCTERMS.license, licence))
        g.add((distribution, DCTERMS.accessRights, access))

    g.add((service, RDF.type, DCAT.DataService))
    _texts(g, service, "SPARQL-endpoint Monitor Digitale Overheid", "Monitor Digitale Overheid SPARQL endpoint",
           "Bevraag de kubus met SPARQL 1.1.", "Query the cube with SPARQL 1.1.")
    g.add((service, DCTERMS.identifier, Literal(str(service))))
    g.add((service, DCAT.theme, EU_THEME["GOVE"]))
    g.add((service, DCAT.endpointURL, iris.endpoint()))
    g.add((service, DCAT.endpointDescription, iris.endpoint()))
    g.add((iris.endpoint(), RDF.type, RDFS.Resource))  # the range DCAT-AP states, checked without inference
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCTERMS.license, licence))
    g.add((service, DCTERMS.accessRights, access))
    g.add((service, DCAT.contactPoint, contact))
    g.add((service, DCTERMS.conformsTo, STANDARDS["sparql"][0]))


def _value_classes(g: Graph, licence: URIRef, access: URIRef) -> None:
    """The DCAT-AP range class of each value the catalogue uses, and the titles of its code lists."""
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, SKOS.exactMatch, EU_LICENCE["CC0"]))
    g.add((access, RDF.type, DCTERMS.RightsStatement))
    g.add((EU_LANGUAGE["NLD"], RDF.type, DCTERMS.LinguisticSystem))
    g.add((EU_COUNTRY["NLD"], RDF.type, DCTERMS.Location))
    for standard, title in STANDARDS.values():
        g.add((standard, RDF.type, DCTERMS.Standard))
        g.add((standard, DCTERMS.title, Literal(title, lang="en")))
    for scheme, title in CODE_LISTS:
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, DCTERMS.title, Literal(title, lang="en")))


def _texts(g: Graph, subject: URIRef, title_nl: str, title_en: str, description_nl: str, description_en: str) -> None:
    g.add((subject, DCTERMS.title, Literal(title_nl, lang="nl")))
    g.add((subject, DCTERMS.title, Literal(title_en, lang="en")))
    g.add((subject, DCTERMS.description, Literal(description_nl, lang="nl")))
    g.add((subject, DCTERMS.description, Literal(description_en, lang="en")))
