"""Serialise the dataset in every published format, fast (pyoxigraph) and atomically.

The format follows the file extension. Formats without named graphs (Turtle, N-Triples)
get all graphs merged, so they are still the whole dataset.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

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


def write_graph(store: ox.Store, graph: str, path: Path, prefixes: dict[str, str] | None = None) -> None:
    """One named graph of the store as a Turtle file (the catalogue, for harvesters)."""
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    triples = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    with atomic_open(path, "wb") as handle:
        ox.serialize(triples, handle, ox.RdfFormat.TURTLE, **({"prefixes": prefixes} if prefixes else {}))
