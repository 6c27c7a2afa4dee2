"""Serialise the dataset in every published format, fast (pyoxigraph) and atomically.

The format follows the file extension. Formats without named graphs (Turtle, N-Triples)
get all graphs merged, so they are still the whole dataset.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from .atomic import atomic_open
from .catalogue import DUMPS

FORMATS = {
    ".trig": (ox.RdfFormat.TRIG, True),
    ".nq": (ox.RdfFormat.N_QUADS, True),
    ".ttl": (ox.RdfFormat.TURTLE, False),
    ".nt": (ox.RdfFormat.N_TRIPLES, False),
    ".jsonld": (ox.RdfFormat.JSON_LD, True),
}


class UnknownFormat(ValueError):
    """The output file's extension names no format the project writes."""


def to_store(dataset: Dataset) -> ox.Store:
    """Hand the rdflib dataset to pyoxigraph once, term by term (no text round trip)."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(_term(s), _term(p), _term(o), _graph(g)) for s, p, o, g in dataset.quads((None, None, None, None))
    )
    return store


def _term(term: Node):  # type: ignore[no-untyped-def]
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r}")


def _graph(graph: object) -> ox.NamedNode | ox.DefaultGraph:
    identifier = getattr(graph, "identifier", graph)
    if isinstance(identifier, URIRef) and identifier != DATASET_DEFAULT_GRAPH_ID:
        return ox.NamedNode(str(identifier))
    return ox.DefaultGraph()


def write_dump(store: ox.Store, path: Path, prefixes: dict[str, str] | None = None) -> None:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnknownFormat(f"{path}: unknown extension {suffix!r}; use one of {', '.join(FORMATS)}")
    rdf_format, keeps_graphs = FORMATS[suffix]
    quads = store.quads_for_pattern(None, None, None, None)
    if not keeps_graphs:
        quads = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    options = {"prefixes": prefixes} if prefixes and rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.TURTLE) else {}
    with atomic_open(path, "wb") as handle:
        ox.serialize(quads, handle, rdf_format, **options)


def write_all(store: ox.Store, folder: Path, prefixes: dict[str, str] | None = None) -> list[Path]:
    written = []
    for filename, *_ in DUMPS.values():
        write_dump(store, folder / filename, prefixes)
        written.append(folder / filename)
    return written
