"""Tidy observations to linked data: an RDF Data Cube with SKOS code lists, links and provenance.

Named graphs: one per edition (its observations and source cells), one for the vocabulary,
structure, code lists and links, one for the catalogue. See docs/MODEL.md.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from converter.rdf.catalogue import add_catalogue
from converter.rdf.derived import NOTHING, Derived, Key, observation_key, relate
from converter.extraction.extract import Extraction
from converter.forked import Forked, split_at
from converter.rdf.iris import Iris
from converter.model import Observation
from converter.registry import TOTAL, Registry
from converter.rdf.trig import MARKER, ObservationText, prefix_lines
from converter.rdf.quads import GraphWriter as Graph
from converter.rdf.quads import QuadCollector
from converter.rdf.vocab import INTERVAL_YEAR, MDO, PREFIXES, QB, SDMX_ATTRIBUTE, STATUS_CODES, UNIT_CODES

STATUS_LABELS = {
    "normal": ("Normaal", "Normal", "Het cijfer zoals gedrukt."),
    "lower-bound": ("Ondergrens", "Lower bound", "Het gedrukte cijfer is een ondergrens (bijvoorbeeld '> 5.000')."),
    "corrected": ("Gecorrigeerd door de converter", "Corrected by the converter",
                  "Het gedrukte getal was onjuist gevormd; de converter heeft het aangevuld en vermeldt hoe en waarom."),
    "break": ("Breuk in de reeks", "Break in series", "De meetmethode is gewijzigd; het cijfer is niet vergelijkbaar met eerdere jaren."),
    "not-available": ("Niet beschikbaar", "Not available", "De editie geeft voor dit jaar geen cijfer ('-' of een lege cel)."),
}
UNIT_LABELS = {"count": ("Aantal", "Count"), "percent": ("Procent", "Percent")}
DIMENSIONS = [("voorziening", "voorzieningen"), ("indicator", "indicatoren"), ("jaar", "jaren"),
              ("editie", "edities"), ("uitsplitsing", "uitsplitsingen")]


class CubeError(ValueError):
    """The observations cannot form a well-formed cube (for instance two for one key)."""


@dataclass
class Cube:
    """The dataset in two parts, each kept in the form that is cheapest for it.

    The small graphs (vocabulary, structure, code lists, links, findings, catalogue) are
    pyoxigraph quads; the observations stay tidy records and become TriG text only when
    written (`trig.ObservationText`), so a large cube is never held as RDF in memory.
    """

    iris: Iris
    editions: list[str]
    observations: list[Observation]
    revisions: dict[Key, tuple[bool, Observation | None]]  # (mdo:actueel, the figure it revises)
    quads: list[ox.Quad] = field(default_factory=list)
    derived: dict[Key, Derived] = field(default_factory=dict)  # of the current figures (`derived.py`)

    def trig(self) -> Iterator[tuple[str, int]]:
        """The whole dataset as TriG text, in pieces, each with the number of triples it holds.

        First the small graphs (codes; each edition's findings; the catalogue), then one block
        per edition with its observations. An edition's graph thus has two blocks, which TriG
        merges.
        """
        yield from self.head()
        yield from self.render(self.blocks())

    def head(self) -> Iterator[tuple[str, int]]:
        """The text before the observation blocks: the small graphs and the prefixes of the blocks."""
        small = [quad for quads in self.small_graphs().values() for quad in quads]
        prefixes = {name: str(namespace) for name, namespace in PREFIXES.items()}
        yield ox.serialize(small, format=ox.RdfFormat.TRIG, prefixes=prefixes).decode("utf-8"), len(small)
        yield MARKER + prefix_lines(), 0

    def blocks(self) -> list[Observation | str]:
        """The observation blocks as a list to render in order: for each edition the line that
        opens its graph, its observations and the closing `}`.

        Each item renders on its own, so consecutive slices rendered one after the other give
        the same text as the whole list: a large cube is rendered in parts (`dumps.write_trig`).
        """
        by_edition: dict[str, list[Observation]] = defaultdict(list)
        for o in self.observations:
            by_edition[o.edition].append(o)
        render = ObservationText(self.iris)
        items: list[Observation | str] = []
        for edition in self.editions:
            items.append(f"{render.graph(edition)} {{\n")
            items.extend(by_edition.get(edition, ()))
            items.append("}\n")
        return items

    def render(self, items: list[Observation | str]) -> Iterator[tuple[str, int]]:
        """The text of some of `blocks()`, piece by piece, each with the number of triples it holds."""
        render = ObservationText(self.iris)
        for item in items:
            if isinstance(item, str):
                yield item, 0
            else:
                key = observation_key(item)
                yield render.triples(item, *self.revisions[key], self.derived.get(key, NOTHING))

    def small_graphs(self) -> dict[str, list[ox.Quad]]:
        """The quads of the small graphs by graph name, each quad once, in the order they were made."""
        by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
        for quad in dict.fromkeys(self.quads):
            by_graph[quad.graph_name.value].append(quad)  # type: ignore[union-attr]
        return by_graph

    def store(self) -> ox.Store:
        """The dataset in an in-memory store (to query or validate it; fine for the real cube)."""
        store = ox.Store()
        store.bulk_load(input="".join(text for text, _ in self.trig()), format=ox.RdfFormat.TRIG)
        return store


SPLIT_FROM = 20_000  # observations; below it the small graphs take less time than a second process costs


def build_cube(registry: Registry, extraction: Extraction, base_iri: str, ontology_dir: Path,
               split_from: int | None = None) -> Cube:
    """The dataset: one graph per edition (its observations, source cells and findings), the
    vocabulary, structure, code lists and links (`/graph/codes`) and the catalogue.

    With `split_from` observations or more (by default `SPLIT_FROM`, when a core is free for
    it), the small graphs are made by a forked process (`converter.forked`) while this one
    relates the figures (revisions, derived values); they
    come back as N-Quads text, which pyoxigraph writes and reads far faster than it pickles.
    """
    iris = Iris(base_iri)
    _check_keys(extraction.observations)
    years = sorted({o.year for o in extraction.observations})
    small = partial(_small_graphs, registry, extraction, iris, ontology_dir, years)
    if len(extraction.observations) < split_at(split_from, SPLIT_FROM):
        quads = small()
        revisions, derived = relate(registry, extraction.observations)
    else:
        with Forked(lambda: ox.serialize(small(), format=ox.RdfFormat.N_QUADS)) as forked:
            revisions, derived = relate(registry, extraction.observations)
            quads = list(ox.parse(forked.result(), format=ox.RdfFormat.N_QUADS))
    return Cube(iris, list(registry.editions), extraction.observations, revisions, quads, derived)


def _small_graphs(registry: Registry, extraction: Extraction, iris: Iris, ontology_dir: Path, years: list[int]) -> list[ox.Quad]:
    dataset = QuadCollector()
    codes = dataset.graph(iris.graph("codes"))
    codes.parse(ontology_dir / "mdo.ttl")
    _structure(codes, iris)
    _code_lists(codes, iris, registry, years)
    _links(codes, iris, registry)
    _findings(dataset, iris, extraction)
    add_catalogue(dataset.graph(iris.graph("catalogus")), iris, registry, extraction, years)
    return dataset.quads


def _check_keys(observations: list[Observation]) -> None:
    """Two figures for one cell of the cube would make one observation say two things (IC-12)."""
    seen: dict[Key, Observation] = {}
    for o in observations:
        key = observation_key(o)
        if key in seen:
            raise CubeError(f"two observations for one key {'/'.join(map(str, key))}: "
                            f"{seen[key].place} and {o.place} (IC-12)")
        seen[key] = o


def _structure(g: Graph, iris: Iris) -> None:
    """The data structure, normalized as the Data Cube recommendation's section 10.1 (phase 1)
    would leave it: each component names its property with `qb:componentProperty` as well as
    `qb:dimension`/`qb:measure`/`qb:attribute`, and each property has its component type, so
    that the integrity constraints of section 11.1 hold on the published triples without
    inference. Nothing is attached at data set or slice level (phase 2 has nothing to do)."""
    dsd, ds = iris.dsd(), iris.dataset()
    g.add((dsd, RDF.type, QB.DataStructureDefinition))
    g.add((dsd, RDFS.label, Literal("Structuur van de Monitor Digitale Overheid", lang="nl")))
    g.add((dsd, RDFS.label, Literal("Structure of the Monitor Digitale Overheid", lang="en")))
    for order, (name, scheme) in enumerate(DIMENSIONS, start=1):
        component = iris.component(name)
        g.add((dsd, QB.component, component))
        g.add((component, RDF.type, QB.ComponentSpecification))
        g.add((component, QB.dimension, MDO[name]))
        g.add((component, QB.componentProperty, MDO[name]))
        g.add((MDO[name], RDF.type, QB.DimensionProperty))
        g.add((component, QB.order, Literal(order)))
        g.add((MDO[name], QB.codeList, iris.scheme(scheme)))
    for name, prop, required in [("waarde", MDO.waarde, None), ("eenheid", SDMX_ATTRIBUTE.unitMeasure, True),
                                 ("status", SDMX_ATTRIBUTE.obsStatus, True), ("voetnoot", MDO.voetnoot, False),
                                 ("statustoelichting", MDO.statusToelichting, False), ("actueel", MDO.actueel, True)]:
        component = iris.component(name)
        g.add((dsd, QB.component, component))
        g.add((component, RDF.type, QB.ComponentSpecification))
        g.add((component, QB.componentProperty, prop))
        if required is None:
            g.add((component, QB.measure, prop))
            g.add((prop, RDF.type, QB.MeasureProperty))
        else:
            g.add((component, QB.attribute, prop))
            g.add((prop, RDF.type, QB.AttributeProperty))
            g.add((component, QB.componentRequired, Literal(required)))
    g.add((SDMX_ATTRIBUTE.unitMeasure, QB.codeList, iris.scheme("eenheden")))
    g.add((SDMX_ATTRIBUTE.obsStatus, QB.codeList, iris.scheme("statussen")))
    g.add((ds, RDF.type, QB.DataSet))
    g.add((ds, QB.structure, dsd))
    g.add((ds, RDFS.label, Literal("Monitor Digitale Overheid", lang="nl")))


def _concept(g: Graph, iri: URIRef, scheme: URIRef, label: str, notation: str, label_en: str = "",
             definition: str = "") -> None:
    g.add((iri, RDF.type, SKOS.Concept))
    g.add((iri, SKOS.inScheme, scheme))
    g.add((iri, SKOS.prefLabel, Literal(label, lang="nl")))
    if label_en:
        g.add((iri, SKOS.prefLabel, Literal(label_en, lang="en")))
    g.add((iri, SKOS.notation, Literal(notation)))
    if definition:
        g.add((iri, SKOS.definition, Literal(definition, lang="nl")))


def _scheme(g: Graph, iris: Iris, name: str, label: str, label_en: str) -> URIRef:
    scheme = iris.scheme(name)
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, Literal(label, lang="nl")))
    g.add((scheme, SKOS.prefLabel, Literal(label_en, lang="en")))
    g.add((scheme, RDFS.label, Literal(label, lang="nl")))
    return scheme


def _code_lists(g: Graph, iris: Iris, registry: Registry, years: list[int]) -> None:
    domains = _scheme(g, iris, "domeinen", "Domeinen van de Monitor", "Domains of the Monitor")
    for d in registry.domains.values():
        _concept(g, iris.domain(d.id), domains, d.label, d.notation, d.label_en)
        g.add((iris.domain(d.id), RDF.type, MDO.Domein))
        g.add((domains, SKOS.hasTopConcept, iris.domain(d.id)))
    voorzieningen = _scheme(g, iris, "voorzieningen", "Voorzieningen", "Facilities")
    for v in registry.voorzieningen.values():
        iri = iris.voorziening(v.id)
        _concept(g, iri, voorzieningen, v.label, v.id)
        g.add((iri, RDF.type, MDO.Voorziening))
        g.add((iri, MDO.domein, iris.domain(v.domain)))
        if v.parent:
            g.add((iri, SKOS.broader, iris.voorziening(v.parent)))
            g.add((iris.voorziening(v.parent), SKOS.narrower, iri))
        else:
            g.add((voorzieningen, SKOS.hasTopConcept, iri))
        if v.basisregistratie:
            g.add((iri, MDO.basisregistratie, Literal(v.basisregistratie)))
        for source in v.feeds_from:
            g.add((iri, MDO.gevoedDoor, iris.voorziening(source)))
    indicators = _scheme(g, iris, "indicatoren", "Indicatoren", "Indicators")
    for i in registry.indicators.values():
        if i.row_only:
            continue
        iri = iris.indicator(i.id)
        _concept(g, iri, indicators, i.label, i.id, i.label_en, i.definition)
        g.add((iri, RDF.type, MDO.Indicator))
        g.add((iri, MDO.voorziening, iris.voorziening(i.voorziening)))
        g.add((iri, SDMX_ATTRIBUTE.unitMeasure, iris.unit(i.unit)))
        for labels in i.labels.values():
            for label in labels:
                if label != i.label:
                    g.add((iri, SKOS.altLabel, Literal(label, lang="nl")))
    editions = _scheme(g, iris, "edities", "Edities van de Monitor", "Editions of the Monitor")
    for e in registry.editions.values():
        iri = iris.edition(e.id)
        _concept(g, iri, editions, e.title, e.id, e.title)
        g.add((iri, RDF.type, MDO.Editie))
        g.add((iri, RDF.type, PROV.Entity))
        g.add((iri, MDO.peildatum, Literal(e.reference_date, datatype=XSD.date)))
        g.add((iri, DCTERMS.publisher, iris.organisation("ictu")))
        if e.issued:
            g.add((iri, DCTERMS.issued, Literal(e.issued, datatype=XSD.date)))
        if e.version:
            g.add((iri, OWL.versionInfo, Literal(e.version)))
    year_scheme = _scheme(g, iris, "jaren", "Jaren", "Years")
    for year in years:
        _concept(g, iris.year(year), year_scheme, str(year), str(year), str(year))
        g.add((iris.year(year), SKOS.exactMatch, INTERVAL_YEAR[str(year)]))
    units = _scheme(g, iris, "eenheden", "Eenheden", "Units")
    for unit, (nl, en) in UNIT_LABELS.items():
        _concept(g, iris.unit(unit), units, nl, UNIT_CODES[unit], en)
    statuses = _scheme(g, iris, "statussen", "Status van een waarneming", "Observation status")
    for status, (nl, en, definition) in STATUS_LABELS.items():
        _concept(g, iris.status(status), statuses, nl, STATUS_CODES[status], en, definition)
    members = _scheme(g, iris, "uitsplitsingen", "Uitsplitsingen", "Breakdowns")
    for m in registry.members.values():
        _concept(g, iris.member(m.id), members, m.label, m.id, "Total" if m.id == TOTAL else "")


def _links(g: Graph, iris: Iris, registry: Registry) -> None:
    """The curated links of data/links.toml. Each external IRI must have an [evidence] entry
    there (where it was seen); one without is refused, never emitted from a pattern."""
    path = registry.data_dir / "links.toml"
    with path.open("rb") as handle:
        links = tomllib.load(handle)
    evidence = links.get("evidence", {})

    def seen(key: str, field: str, target: str) -> URIRef:
        if target not in evidence:
            raise CubeError(f"{path}: [{key}] {field} = {target!r} has no entry in [evidence] (where was it seen?)")
        return URIRef(target)

    for key, org in links.get("organisation", {}).items():
        iri = iris.organisation(key)
        g.add((iri, RDF.type, FOAF.Organization))
        g.add((iri, FOAF.name, Literal(org["label"], lang="nl")))
        g.add((iri, RDFS.label, Literal(org["label"], lang="nl")))
        if "tooi" in org:
            g.add((iri, OWL.sameAs, seen(f"organisation.{key}", "tooi", org["tooi"])))
        if "homepage" in org:
            g.add((iri, FOAF.homepage, seen(f"organisation.{key}", "homepage", org["homepage"])))
    for key, link in links.get("voorziening", {}).items():
        if key not in registry.voorzieningen:
            raise CubeError(f"{path}: [voorziening.{key}] is not in data/voorzieningen.toml")
        iri = iris.voorziening(key)
        if "nora" in link:
            g.add((iri, RDFS.seeAlso, seen(f"voorziening.{key}", "nora", link["nora"])))
        for target in link.get("stelselcatalogus", []):
            g.add((iri, SKOS.closeMatch, seen(f"voorziening.{key}", "stelselcatalogus", target)))
        if "publisher" in link:
            g.add((iri, DCTERMS.publisher, iris.organisation(link["publisher"])))
        if "homepage" in link:
            g.add((iri, FOAF.homepage, seen(f"voorziening.{key}", "homepage", link["homepage"])))


def _findings(dataset: QuadCollector, iris: Iris, extraction: Extraction) -> None:
    """Put the quality report in the graph: each finding and each rejected figure, with its place.

    A finding about an indicator and year points (`mdo:betreft`) to that edition's observation
    (or its `mdo:OntbrekendCijfer`, when the edition prints no figure there).
    """
    published = {(o.edition, o.indicator, o.breakdown, o.year): o.value is not None for o in extraction.observations}
    entries = [(f.kind, f.edition, f.place, f.message, f.indicator, f.year) for f in extraction.findings]
    entries += [("rejected", r.edition, r.place, f"{r.label!r} {r.year or ''}: {r.raw!r}: {r.reason}", "", r.year)
                for r in extraction.rejects]
    counter: dict[tuple[str, int, str], int] = defaultdict(int)
    for kind, edition, place, message, indicator, year in entries:
        key = (edition, place.line, kind)
        counter[key] += 1
        finding = iris.thing("bevinding", edition, place.line, f"{kind}-{counter[key]}")
        graph = dataset.graph(iris.graph("editie", edition))
        graph.add((finding, RDF.type, MDO.Bevinding))
        graph.add((finding, MDO.soort, Literal(kind)))
        graph.add((finding, RDFS.comment, Literal(message, lang="en")))
        graph.add((finding, MDO.editie, iris.edition(edition)))
        graph.add((finding, MDO.bestand, Literal(place.file)))
        graph.add((finding, MDO.regel, Literal(place.line)))
        if indicator and year is not None and (edition, indicator, TOTAL, year) in published:
            figure = published[(edition, indicator, TOTAL, year)]
            about = (iris.observation if figure else iris.missing)(edition, indicator, TOTAL, year)
            graph.add((finding, MDO.betreft, about))


__all__ = ["build_cube", "Cube", "CubeError"]
