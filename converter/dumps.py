"""Serialise the dataset in every published format, streaming (pyoxigraph) and atomically.

The N-Quads dump is written first, as text straight from the cube (`Cube.nquads`); every other
format is converted from it by pyoxigraph's streaming parser and serialiser, so no format needs
the cube in memory. The format follows the file extension. Formats without named graphs
(Turtle, N-Triples) get all graphs merged, so they are still the whole dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from .atomic import atomic_open
from .catalogue import DUMPS
from .cube import Cube

FORMATS = {
    ".trig": (ox.RdfFormat.TRIG, True),
    ".nq": (ox.RdfFormat.N_QUADS, True),
    ".ttl": (ox.RdfFormat.TURTLE, False),
    ".nt": (ox.RdfFormat.N_TRIPLES, False),
    ".jsonld": (ox.RdfFormat.JSON_LD, True),
}


class UnknownFormat(ValueError):
    """The output file's extension names no format the project writes."""


def _format(path: Path) -> tuple[ox.RdfFormat, bool]:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnknownFormat(f"{path}: unknown extension {suffix!r}; use one of {', '.join(FORMATS)}")
    return FORMATS[suffix]


def write_nquads(cube: Cube, path: Path) -> int:
    """Write the cube as N-Quads; return the number of quads written."""
    count = 0
    with atomic_open(path, "w") as handle:
        for chunk in cube.nquads():
            handle.write(chunk)
            count += chunk.count("\n")
    return count


def convert(source: Path, path: Path, prefixes: dict[str, str] | None = None) -> None:
    """Convert the N-Quads file `source` to the format of `path`, streaming."""
    rdf_format, keeps_graphs = _format(path)
    quads: Iterator[ox.Quad] = ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS)  # type: ignore[assignment]
    if not keeps_graphs:
        quads = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    _write(quads, path, rdf_format, prefixes)


def write_dump(cube: Cube, path: Path, prefixes: dict[str, str] | None = None) -> int:
    """Write the cube to `path` in the format its extension names; return the number of quads."""
    _format(path)
    if path.suffix.lower() == ".nq":
        return write_nquads(cube, path)
    scratch = path.with_name(f".{path.name}.nq")
    try:
        count = write_nquads(cube, scratch)
        convert(scratch, path, prefixes)
    finally:
        scratch.unlink(missing_ok=True)
    return count


def write_all(cube: Cube, folder: Path, prefixes: dict[str, str] | None = None) -> tuple[list[Path], int]:
    """Every dump of `DUMPS` into `folder`; returns the files and the number of quads."""
    nquads = folder / DUMPS["nq"][0]
    count = write_nquads(cube, nquads)
    written = [nquads]
    for fmt, (filename, *_) in DUMPS.items():
        if fmt != "nq":
            convert(nquads, folder / filename, prefixes)
            written.append(folder / filename)
    return written, count


def write_graph(cube: Cube, graph: str, path: Path, prefixes: dict[str, str] | None = None) -> None:
    """One named graph of the cube's small graphs as a Turtle file (the catalogue, for harvesters)."""
    triples = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
               for q in dict.fromkeys(cube.quads) if q.graph_name == ox.NamedNode(graph))
    _write(triples, path, ox.RdfFormat.TURTLE, prefixes)


def _write(quads: Iterable[ox.Quad], path: Path, rdf_format: ox.RdfFormat, prefixes: dict[str, str] | None) -> None:
    options = {"prefixes": prefixes} if prefixes and rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.TURTLE) else {}
    with atomic_open(path, "wb") as handle:
        ox.serialize(quads, handle, rdf_format, **options)
