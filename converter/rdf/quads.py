"""Collect the small graphs of the cube as pyoxigraph quads, behind rdflib's `graph.add((s, p, o))`.

The vocabulary, code lists, links, findings and catalogue are written with rdflib terms, which
read well; they are converted here (IRIs cached) and kept as a plain list of quads, cheaper
than rdflib's indexed store. The observations do not pass through here: `trig.py` writes them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node


@lru_cache(maxsize=500_000)
def _named(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as the equal pyoxigraph term."""
    if isinstance(term, URIRef):
        return _named(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=_named(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


class GraphWriter:
    """Adds triples to one named graph of a `QuadCollector`."""

    def __init__(self, quads: list[ox.Quad], iri: URIRef) -> None:
        self._quads = quads
        self._graph = _named(str(iri))

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        subject, predicate, obj = triple
        self._quads.append(ox.Quad(to_ox(subject), to_ox(predicate), to_ox(obj), self._graph))  # type: ignore[arg-type]

    def parse(self, path: Path) -> None:
        """Add the triples of a Turtle file."""
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            self._quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, self._graph))


class QuadCollector:
    """The quads of a dataset, each tagged with its named graph, in the order they were made."""

    def __init__(self) -> None:
        self.quads: list[ox.Quad] = []

    def graph(self, iri: URIRef) -> GraphWriter:
        return GraphWriter(self.quads, iri)

