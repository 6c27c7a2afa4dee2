"""Cut the converter's TriG into a context and chunks of observations, to validate it in parts.

Validating a million observations in one store needs 20 M quads in memory (about 10 GB in
Oxigraph). Almost every rule looks at one observation, its source cell and the codes; the two
that compare observations (IC-12 no duplicates, IC-17 all measures present) compare only
observations with the same dimension values, so with the same indicator; so do the rules on
the derived values (MDO-15 to MDO-17), which compare the figures of one series. A chunk that holds
the context (everything that is not an observation or a source cell: codes, structure,
findings, catalogue) and every observation of some indicators with their cells is therefore
checked by the shapes exactly as the whole would be, for those observations.

This works on text, at the speed of `re` and file copies: handling 20 M quads one by one in
Python costs more than the validation. So it reads only the layout `converter/rdf/trig.py` writes
and promises with `MARKER`: after the marker, prefix lines, then graph blocks (`<g> {` ...
`}`) of units, each one observation (`\\t<o> a qb:Observation ;` and its indented lines, or a printed cell without a figure,
`\\t<o> a mdo:OntbrekendCijfer ;`, filed by its indicator alike)
followed by its source cell (`\\t<c> a mdo:Broncel ;`, the object of the observation's
`prov:wasDerivedFrom`), every literal on one line. A file without the marker is not cut
(`cut()` returns None); a file with it whose units are not of that form raises `LayoutError`
(here, or in `check_units`, which the context worker runs over the whole observation part
while the cut runs: the strict grammar of the lines the converter writes), and
`shapes.validate` then checks it in one store. Whether the context lets indicators decide
the chunks (indicator is a dimension of every data set, no slices) is checked by the caller,
which sees the context as RDF.
"""

from __future__ import annotations

import codecs
import operator
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from converter.rdf.trig import MARKER, prefix_lines

_READ = 64 * 2**20
_MARKER = MARKER.encode()
_GRAPH = re.compile(rb"\n(?:(<[^>\n]+>) \{|\})(?=\n|$)")  # a region ends before a "\n"
_UNIT_CLASSES = rb"(?:qb:Observation|mdo:OntbrekendCijfer)"  # the heads of units `trig.ObservationText` writes
_OBSERVATION = re.compile(rb"\n\t(<[^>\n]+>) a " + _UNIT_CLASSES + rb" ;\n")
_CELL = re.compile(rb"\n\t(<[^>\n]+>) a mdo:Broncel ;\n")
_DERIVED = re.compile(rb"\n\t\tprov:wasDerivedFrom (<[^>\n]+>)")
_INDICATOR = re.compile(rb"\n\t\tmdo:indicator (<[^>\n]+>)")
_DATASET = re.compile(rb"\n\t\tqb:dataSet <([^>\n]+)>")


# The grammar of the lines after the marker (checked by `check_units`, before any chunk is used):
# graph lines, the two head lines of a unit and property lines with one predicate of the
# converter's and one object each (no comma lists, long strings, blank nodes or escaped or
# relative IRIs). Only then do the indicator and data set lines the cut read say all there is.
UNIT_PREDICATES = (
    "qb:dataSet", "mdo:voorziening", "mdo:indicator", "mdo:jaar", "mdo:editie", "mdo:uitsplitsing",
    "sdmx-attribute:unitMeasure", "sdmx-attribute:obsStatus", "mdo:actueel", "prov:wasDerivedFrom",
    "mdo:waarde", "mdo:herziet", "mdo:statusToelichting", "mdo:voetnoot",
    "mdo:bestand", "mdo:regel", "mdo:ruweTekst", "mdo:rijlabel", "mdo:sectie", "rdfs:label",
    "mdo:jaartal", "mdo:vorigCijfer", "mdo:verschil", "mdo:groei", "mdo:laatsteJaar",
)  # what `trig.ObservationText.triples` writes
_IRI = rb"<[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]*>"
_LITERAL = (  # possessive: a run of plain characters is read whole, not one character per step
    rb'"(?:[^"\\\n\r]++|\\[tbnrf"\'\\])*+"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^' + _IRI + rb')?'
)
_OBJECT = rb"(?:" + _IRI + rb"|" + _LITERAL + rb"|-?[0-9]+(?:\.[0-9]+)?|true|false)"
_PREFIXES = dict.fromkeys(p.partition(":")[0] for p in UNIT_PREDICATES)
_PREDICATE = rb"(?:" + b"|".join(  # grouped by prefix: `re` tries the alternatives one by one
    re.escape(f"{prefix}:".encode())
    + rb"(?:" + b"|".join(re.escape(p.partition(":")[2].encode()) for p in UNIT_PREDICATES if p.startswith(f"{prefix}:")) + rb")"
    for prefix in _PREFIXES
) + rb")"
_PROPERTY = rb"\n\t\t" + _PREDICATE + rb" " + _OBJECT + rb" [;.]"
_HEAD = rb"\n\t" + _IRI + rb" a (?:qb:Observation|mdo:OntbrekendCijfer|mdo:Broncel) ;"
_LINES = re.compile(rb"(?:" + _HEAD + rb"|" + _PROPERTY + rb"|\n" + _IRI + rb" \{|\n\})*+")


# The lines that describe a source cell to a reader (its row label, section and label), as the
# converter writes them at the end of a cell: no shape on observations reads them (shapes/README.md),
# so a chunk is loaded without them (`without_descriptions`). Only a cell of the converter's form
# loses them: its head line, then only lines of `mdo:editie`, `mdo:bestand`, `mdo:regel` and
# `mdo:ruweTekst` (so no `qb:dataSet`: it is no observation), then these three, each a literal
# the parser accepts (a closed string with valid escapes, the tag `nl`). The match starts at the
# end of the head line, "> a mdo:Broncel ;": under the grammar of `check_units` no other line
# ends so (an object cannot end in " a mdo:Broncel").
_PLAIN = rb'"(?:[^"\\\n\r]++|\\[tbnrf"\'\\])*+"'
_DESCRIBED_CELL = re.compile(
    rb"(> a mdo:Broncel ;(?:\n\t\tmdo:(?:editie|bestand|regel|ruweTekst) [^\n]*)*+)"  # kept: re.split returns it
    rb"\n\t\tmdo:rijlabel " + _PLAIN + rb"@nl ;\n\t\tmdo:sectie " + _PLAIN + rb"@nl ;\n\t\trdfs:label " + _PLAIN + rb"(?= \.\n)"
)


def without_descriptions(text: bytes) -> tuple[bytes, int]:
    """A chunk's text without the descriptions of its source cells, and how many triples they were.

    A seventh of a chunk's quads: its store loads and answers faster without them, and checks
    the same. The cell keeps its last `;` (`<c> ... mdo:ruweTekst "51" ; .` is Turtle too). Each
    description is three triples with predicates of their own, of a cell no other place in the
    file describes (`Chunks.subjects`, `_ContextFacts.why_not`): none is one the store would
    have counted once with another. A chunk that is not valid UTF-8 keeps them, so that the
    parser fails as it would in one store.
    """
    if not text.isascii() and not _utf8(text):
        return text, 0
    parts = _DESCRIBED_CELL.split(text)  # the text between the matches, and each match's kept part
    return b"".join(parts), 3 * (len(parts) // 2)


def _utf8(text: bytes) -> bool:
    """Whether `text` is UTF-8, read in pieces so that no copy of it is made."""
    decoder, view = codecs.getincrementaldecoder("utf-8")(), memoryview(text)
    try:
        for start in range(0, len(text), 2**24):
            decoder.decode(view[start : start + 2**24])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def check_units(path: Path) -> None:
    """Raise LayoutError unless every line after the marker and the prefixes is one of the grammar.

    Run once over the whole observation part (by the context worker, on the core the cut leaves
    free): a chunk holds nothing but such lines, copied whole, so it follows the grammar too.
    The nesting of the graph blocks and the order of the units are the cut's to check.
    """
    with path.open("rb") as source:
        start = _find_marker(source)
        if start is None:
            raise LayoutError(f"{path}: no line {MARKER.strip()!r}")
        source.seek(start + len(_MARKER))
        header = prefix_lines().encode()
        if source.read(len(header)) != header:
            raise LayoutError(f"{path}: the prefixes after the marker are not the converter's")
        base, carry = source.tell() - 1, b"\n"  # the file offset of text[0], a newline before the first line
        while block := source.read(_READ):
            text = carry + block
            end = _LINES.match(text).end()  # type: ignore[union-attr]
            if text.find(b"\n", end + 1) >= 0:  # a whole line that is not one of the grammar
                _not_a_unit_line(path, base + end + 1, text[end + 1 : end + 121])
            base, carry = base + end, text[end:]
        if carry not in (b"", b"\n"):
            _not_a_unit_line(path, base + 1, carry[1:121])


def _not_a_unit_line(path: Path, offset: int, text: bytes) -> None:
    with path.open("rb") as source:
        line = 1 + sum(source.read(min(_READ, offset - done)).count(b"\n") for done in range(0, offset, _READ))
    raise LayoutError(f"{path}:{line}: not a unit line of the converter: {text!r}")


class LayoutError(ValueError):
    """The file carries the marker but is not laid out as the converter writes it."""


@dataclass
class Chunks:
    """A cut file: the context TriG and the chunk files (each the prefix lines after the marker,
    then graph blocks of whole units)."""

    context: Path
    chunks: list[Path]
    count: int = 0  # chunks cut into, before the empty ones were dropped (see `chunk_of`)
    observations: int = 0  # units: observations and cells without a figure
    datasets: set[str] = field(default_factory=set)  # every qb:dataSet of the observations
    subjects: set[int] = field(default_factory=set)  # hashes of the observation and cell IRIs

    def number(self, chunk: Path) -> int:
        """The number `chunk_of` gives the units in `chunk`."""
        return int(chunk.stem.removeprefix("chunk-"))


def chunk_of(key: bytes, count: int) -> int:
    """The chunk of a unit whose indicator is `key` (its IRI as written, `<...>`), of `count`."""
    return zlib.crc32(key) % count


def cut(
    path: Path, folder: Path, chunk_bytes: int, on_context: Callable[[Path, int], None] | None = None, processes: int = 1
) -> Chunks | None:
    """Cut `path` into `folder`, or None when it has no marker or is small enough for one store.

    `on_context` is called with the context file and the number of chunks as soon as the
    context is written, before the observations are cut (so its own work can start at once).
    The number of chunks is the size of the observation part over `chunk_bytes`, rounded up
    to a multiple of the `processes` that will check them (so that none waits idle for the
    last chunk of another). An observation's chunk is decided by a checksum of its indicator
    (`chunk_of`), so all observations of an indicator, and hence every candidate duplicate,
    land in one chunk. An observation with two indicators is a LayoutError: it could be the
    duplicate of one in either chunk.
    """
    with path.open("rb") as source:
        start = _find_marker(source)
        if start is None:
            return None
        count = -(-(path.stat().st_size - start) // chunk_bytes)
        if count < 2:
            return None
        count = -(-count // processes) * processes
        source.seek(0)
        context = source.read(start)
        (folder / "context.trig").write_bytes(context)
        if on_context is not None:
            on_context(folder / "context.trig", count)
        source.seek(start + len(_MARKER))
        return _Cutter(path, folder, count, context.count(b"\n")).run(source)


def _find_marker(source: BinaryIO) -> int | None:
    """The offset of the marker line, read in blocks; None if it is not in the first 256 MB
    (the context before it is 27 MB for a million figures: then one store it is)."""
    offset, tail = 0, b"\n"
    while offset < 256 * 2**20 and (block := source.read(_READ)):
        found = (tail + block).find(b"\n" + _MARKER)
        if found >= 0:
            return offset - len(tail) + found + 1
        offset += len(block)
        tail = block[-len(_MARKER) :]
    return None


class _Cutter:
    """Streams the observation part once, appending each unit to its chunk's file.

    The work is done per read (64 MB) with `re` and list operations, not per line: the
    observations, cells, derivations and indicators of a stretch are found each in one pass,
    and the layout is checked by comparing those lists (each observation followed by its one
    cell, the cell its derivation names), so Python touches each unit only to file it.
    """

    def __init__(self, path: Path, folder: Path, count: int, context_lines: int) -> None:
        self.path, self.count = path, count
        self.result = Chunks(context=folder / "context.trig", chunks=[folder / f"chunk-{i}.trig" for i in range(count)], count=count)
        self.graph: bytes | None = None
        self.pending: list[list[bytes]] = [[] for _ in range(count)]
        self.datasets: set[bytes] = set()
        self.line = context_lines  # lines before the current read; the marker line is the next
        self.outputs: list[BinaryIO] = []

    def run(self, source: BinaryIO) -> Chunks:
        header = self._prefixes(source)
        if header != prefix_lines().encode():
            self._fail(b"", 0, "the prefixes after the marker are not the converter's")
        self.outputs = [chunk.open("wb") for chunk in self.result.chunks]
        try:
            for out in self.outputs:
                out.write(header)
            carry = b"\n"
            while block := source.read(_READ):
                text = carry + block
                done = self._complete(text)
                self._stretch(text, done)
                self.line += text.count(b"\n", 0, done)
                carry = text[done:]
            self._stretch(carry, len(carry))
        finally:
            for out in self.outputs:
                out.close()
        if self.graph is not None:
            self._fail(carry, len(carry) - 1, "the last graph block is not closed")
        self.result.datasets = {d.decode() for d in self.datasets}
        self.result.observations = len(self.result.subjects) // 2
        self.result.chunks = [c for c in self.result.chunks if c.stat().st_size > len(header)]
        return self.result

    @staticmethod
    def _complete(text: bytes) -> int:
        """Where the last observation whose head line is whole begins: the units before it are
        complete, and it and the rest may go on in the next read (0: none complete)."""
        head = max(text.rfind(b"> a qb:Observation ;\n"), text.rfind(b"> a mdo:OntbrekendCijfer ;\n"))
        return max(text.rfind(b"\n\t<", 0, head), 0) if head > 0 else 0

    def _prefixes(self, source: BinaryIO) -> bytes:
        lines = []
        while (line := source.readline()).startswith(b"@prefix "):
            lines.append(line)
        self.line += len(lines) + 1
        source.seek(source.tell() - len(line))
        return b"".join(lines)

    def _stretch(self, text: bytes, end: int) -> None:
        """File the units in `text[:end]`, between the graph lines there."""
        start = 0
        for line in _GRAPH.finditer(text, 0, end):
            self._units(text, start, line.start())
            if line.group(1) is not None:
                if self.graph is not None:
                    self._fail(text, line.start(), "a graph block opens inside another")
                self.graph = line.group(1)
            elif self.graph is None:
                self._fail(text, line.start(), "'}' closes no graph block")
            else:
                self.graph = None
            start = line.end()
        self._units(text, start, end)

    def _units(self, text: bytes, start: int, end: int) -> None:
        heads = [(m.start(), m.group(1)) for m in _OBSERVATION.finditer(text, start, end)]
        first = heads[0][0] if heads else end
        if text[start:first].strip():
            self._fail(text, start, "text outside an observation unit")
        if not heads:
            return
        if self.graph is None:
            self._fail(text, first, "an observation outside a graph block")
        starts = [position for position, _ in heads]
        cells = self._cells(text, starts, end)
        cell_starts = [position for position, _ in cells]
        named = [*heads, *cells]
        fresh = {hash(iri) for _, iri in named}
        if len(fresh) != len(named) or not fresh.isdisjoint(self.result.subjects):
            self._described_twice(text, named)
        self.result.subjects |= fresh
        self._datasets(text, first, end)
        self._file(text, starts, cell_starts, end)

    def _cells(self, text: bytes, starts: list[int], end: int) -> list[tuple[int, bytes]]:
        """The cell heads of the units at `starts`, once the layout is seen to be that of units."""
        first = starts[0]
        cells = [(m.start(), m.group(1)) for m in _CELL.finditer(text, first, end)]
        derived = [(m.start(), m.group(1)) for m in _DERIVED.finditer(text, first, end)]
        cell_starts = [position for position, _ in cells]
        if not (
            len(cells) == len(derived) == len(starts)
            and text.count(b"\n\t<", first, end) == 2 * len(starts)
            and all(map(operator.lt, starts, [p for p, _ in derived]))
            and all(map(operator.lt, [p for p, _ in derived], cell_starts))
            and all(map(operator.lt, cell_starts, starts[1:]))
            and [iri for _, iri in derived] == [iri for _, iri in cells]
        ):
            self._fail(text, self._first_bad_unit(text, starts, end), "expected an observation followed by its one source cell")
        return cells

    def _file(self, text: bytes, starts: list[int], cell_starts: list[int], end: int) -> None:
        """Append each unit to the chunk of its indicator(s), as a block of the current graph."""
        found = [(m.start(), m.group(1)) for m in _INDICATOR.finditer(text, starts[0], end)]
        positions = [position for position, _ in found]
        if len(found) == len(starts) and all(map(operator.lt, starts, positions)) and all(map(operator.lt, positions, cell_starts)):
            keys = [iri for _, iri in found]  # one indicator in each observation, as the converter writes
        else:
            keys = [b" ".join(_INDICATOR.findall(text, a, c)) for a, c in zip(starts, cell_starts)]
            for a, key in zip(starts, keys):
                if b"> <" in key:  # IC-12 would compare it with the observations of either
                    self._fail(text, a, "an observation with two mdo:indicator values")
        pending, count = self.pending, self.count
        for a, b, key in zip(starts, [*starts[1:], end], keys):
            pending[chunk_of(key, count)].append(text[a:b])
        for units, out in zip(pending, self.outputs):
            if units:
                out.write(self.graph + b" {" + b"".join(units) + b"\n}\n")  # type: ignore[operator]
                units.clear()

    def _described_twice(self, text: bytes, named: list[tuple[int, bytes]]) -> None:
        seen: set[int] = set()
        for position, iri in sorted(named):
            if hash(iri) in seen or hash(iri) in self.result.subjects:
                self._fail(text, position, f"{iri.decode(errors='replace')} is described twice")
            seen.add(hash(iri))

    def _datasets(self, text: bytes, start: int, end: int) -> None:
        """Note the data sets of the observations; counting the known ones is quicker than reading all."""
        total = text.count(b"\n\t\tqb:dataSet ", start, end)
        if sum(text.count(b"\n\t\tqb:dataSet <" + known + b">", start, end) for known in self.datasets) != total:
            self.datasets.update(_DATASET.findall(text, start, end))

    @staticmethod
    def _first_bad_unit(text: bytes, starts: list[int], end: int) -> int:
        for a, b in zip(starts, [*starts[1:], end]):
            unit = text[a:b]
            derived = _DERIVED.findall(unit)
            cell = unit.find(b"\n\t<", 2)
            if len(derived) != 1 or not unit.startswith(derived[0] + b" a mdo:Broncel ;", cell + 2) or unit.find(b"\n\t<", cell + 2) >= 0:
                return a
        return starts[0]

    def _fail(self, text: bytes, position: int, why: str) -> None:
        line = self.line + text.count(b"\n", 0, position + 1)
        raise LayoutError(f"{self.path}:{line}: {why}")
