"""Serialise the dataset in every published format, streaming (pyoxigraph) and atomically.

The TriG dump is written first, as text straight from the cube (`Cube.trig`); every other
format is converted from it by pyoxigraph's streaming parser and serialiser, so no format needs
the cube in memory. The format follows the file extension. Formats without named graphs
(Turtle, N-Triples) get all graphs merged, so they are still the whole dataset.
"""

from __future__ import annotations

import json
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from functools import partial
from itertools import chain
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from converter.atomic import atomic_open
from converter.forked import Forked, split_at
from converter.rdf.cube import Cube
from converter.rdf.formats import DUMPS, rdf_format


class UnknownFormat(ValueError):
    """The output file's extension names no format the project writes."""


def check_format(path: Path) -> tuple[ox.RdfFormat, bool]:
    """The format `path`'s extension names, and whether it keeps named graphs."""
    fmt = rdf_format(path)
    if fmt is None or fmt == ox.RdfFormat.RDF_XML:
        written = ", ".join(f".{f}" for f in DUMPS)
        raise UnknownFormat(f"{path}: unknown extension {path.suffix.lower()!r}; use one of {written}")
    return fmt, fmt.supports_datasets


SPLIT_FROM = 20_000  # observation blocks; below it the text takes less time than a second process costs
_BATCH = 1 << 22  # characters written at once


def write_trig(cube: Cube, path: Path, split_from: int | None = None) -> int:
    """Write the cube as TriG; return the number of quads written.

    The text is made on this thread and written by another: a write spends its time in the
    kernel without the GIL, so on a second core it overlaps the making of the next text. A cube
    of `split_from` observation blocks or more (by default `SPLIT_FROM`, when a core is free for
    it) has its second half made at the same time by a forked process, into an unnamed temporary file beside `path`, whose bytes are then copied
    after the first half: making the text is most of the writing. The file is the same.
    """
    blocks = cube.blocks()
    cut = len(blocks) // 2 if len(blocks) >= split_at(split_from, SPLIT_FROM) else len(blocks)
    with ExitStack() as stack:
        handle = stack.enter_context(atomic_open(path, "wb"))  # nothing written yet when the child is forked
        if cut < len(blocks):
            second = stack.enter_context(tempfile.TemporaryFile(dir=path.parent))
            forked = stack.enter_context(Forked(partial(_write_part, cube.render(blocks[cut:]), second)))
        writer = stack.enter_context(_BackgroundWriter(handle))  # after the fork: a child gets no copy of this thread
        count = _write_text(chain(cube.head(), cube.render(blocks[:cut])), writer.write)
        if cut < len(blocks):
            count += forked.result()
            second.seek(0)
            while data := second.read(_BATCH):
                writer.write(data)
    return count


def _write_text(pieces: Iterable[tuple[str, int]], write: Callable[[bytes], object]) -> int:
    """Write the text of `pieces` as UTF-8, in batches; return their number of triples."""
    count, size = 0, 0
    batch: list[str] = []
    for text, triples in pieces:
        batch.append(text)
        size += len(text)
        count += triples
        if size >= _BATCH:
            write("".join(batch).encode("utf-8"))
            batch, size = [], 0
    write("".join(batch).encode("utf-8"))
    return count


def _write_part(pieces: Iterable[tuple[str, int]], file: IO[bytes]) -> int:
    """In the forked process: the text into `file`, flushed before the parent reads it."""
    count = _write_text(pieces, file.write)
    file.flush()
    return count


class _BackgroundWriter:
    """Writes byte strings to a file on a thread of its own, through a short queue."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="dump-writer", daemon=True)

    def __enter__(self) -> "_BackgroundWriter":
        self._thread.start()
        return self

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._handle.write(data)
                except BaseException as error:  # reported on the caller's thread
                    self._error = error

    def __exit__(self, *exc: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error


def convert(source: Path, path: Path, prefixes: dict[str, str] | None = None) -> None:
    """Convert the TriG file `source` to the format of `path`, streaming."""
    rdf_format, keeps_graphs = check_format(path)
    quads: Iterator[ox.Quad] = ox.parse(path=str(source), format=ox.RdfFormat.TRIG)  # type: ignore[assignment]
    if not keeps_graphs:
        quads = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    _write(quads, path, rdf_format, prefixes)


def write_dump(cube: Cube, path: Path, prefixes: dict[str, str] | None = None) -> int:
    """Write the cube to `path` in the format its extension names; return the number of quads."""
    check_format(path)
    if path.suffix.lower() == ".trig":
        return write_trig(cube, path)
    scratch = path.with_name(f".{path.name}.trig")
    try:
        count = write_trig(cube, scratch)
        convert(scratch, path, prefixes)
    finally:
        scratch.unlink(missing_ok=True)
    return count


def write_all(cube: Cube, folder: Path, prefixes: dict[str, str] | None = None) -> tuple[list[Path], int]:
    """Every dump of `DUMPS` into `folder`; returns the files and the number of quads."""
    trig = folder / DUMPS["trig"][0]
    count = write_trig(cube, trig)
    written = [trig]
    for fmt, (filename, *_) in DUMPS.items():
        if fmt != "trig":
            convert(trig, folder / filename, prefixes)
            written.append(folder / filename)
    return written, count


def write_graph(cube: Cube, graph: str, path: Path, prefixes: dict[str, str] | None = None) -> None:
    """One named graph of the cube's small graphs as a Turtle file (the catalogue, for harvesters)."""
    triples = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in cube.small_graphs().get(graph, []))
    _write(triples, path, ox.RdfFormat.TURTLE, prefixes)


def _write(quads: Iterable[ox.Quad], path: Path, rdf_format: ox.RdfFormat, prefixes: dict[str, str] | None) -> None:
    options = {"prefixes": prefixes} if prefixes and rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.TURTLE) else {}
    with atomic_open(path, "wb") as handle:
        if rdf_format == ox.RdfFormat.JSON_LD:  # expanded JSON-LD under a @context of the prefixes
            handle.write(b'{"@context": ' + json.dumps(prefixes or {}).encode() + b', "@graph": ')
        ox.serialize(quads, handle, rdf_format, **options)
        if rdf_format == ox.RdfFormat.JSON_LD:
            handle.write(b"}\n")
