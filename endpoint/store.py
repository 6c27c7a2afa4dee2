"""Build the TriG dump into ONE on-disk pyoxigraph store next to it, and open it read-only.

The store lives in a folder beside the data file (`dist/mdo.trig` -> `dist/mdo.trig.oxigraph/`)
and is built once: it is rebuilt only when the data file changed since (its size and mtime are
recorded in the folder's `SOURCE` stamp). Every process that serves (the web process of
`mdo serve` and each of its query workers, `pool.py`) opens that same folder with
`Store.read_only`, so N workers share one copy of the data (and the OS page cache), a worker can
be killed mid-query without touching the data, and nothing a request sends can write to it.

Building is safe against concurrent starters: one builder at a time (an exclusive `flock` on a
lock file beside the folder), the new store is written into a temporary sibling folder and then
renamed into place, so a reader never sees a half-built store.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import pyoxigraph as ox

from converter.rdf.formats import rdf_format
from endpoint import summary as summaries
from endpoint.vocab import sparql_prefixes

STORE_SUFFIX = ".oxigraph"
STAMP = "SOURCE"
COUNT = "QUADS"


class DataError(RuntimeError):
    """The data file cannot be served; the message names the file."""


def format_for(path: Path) -> ox.RdfFormat:
    """The RDF format of a dump, from its extension (`.trig`, `.nq`, ...)."""
    fmt = rdf_format(path)
    if fmt is None:
        raise DataError(f"{path}: unknown RDF file extension {path.suffix!r}")
    return fmt


def build_store(data: Path, directory: Path) -> int:
    """Load `data` into a new store in `directory`, compacted, with its summary (`summary.py`);
    return the number of quads.

    The bulk loader writes each batch as its own sorted files, whose key ranges overlap, so
    every index lookup of a query would seek in each of them. `optimize` merges them once
    here, before the read-only openers come (they cannot compact): the example queries then
    answer faster, for a little more build time and disk (RocksDB leaves the top levels, where
    the merged data lands, uncompressed; docs/BENCHMARKS.md has the figures). On a large cube
    the loader has merged its files already, and this finds nothing to do.
    """
    if not data.is_file():
        raise DataError(f"{data}: no such data file")
    store = ox.Store(str(directory))
    try:
        store.bulk_load(path=str(data), format=format_for(data))
    except (SyntaxError, ValueError) as error:
        raise DataError(f"{data}: {error}") from error
    store.flush()
    store.optimize()
    count = len(store)
    summaries.write(summaries.compute(store), directory)
    del store  # release the write lock before the read-only openers come
    return count


def store_dir_for(data: Path) -> Path:
    """Where the store of `data` lives: beside it, or (read-only folder) under the temp dir."""
    data = Path(data).resolve()
    beside = data.with_name(data.name + STORE_SUFFIX)
    if os.access(data.parent, os.W_OK):
        return beside
    key = hashlib.sha256(str(data).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"mdo-store-{key}{STORE_SUFFIX}"


def _stamp(data: Path) -> str:
    stat = data.stat()
    return f"{data.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}\n"


def data_stamp(data: Path) -> str:
    """The path, size and modification time `data` has now: what a store built from it records."""
    return _stamp(data)


def is_current(data: Path, directory: Path) -> bool:
    """Was the store in `directory` built from `data` as it is now, with a summary of this version?"""
    try:
        stamped = (directory / STAMP).read_text(encoding="utf-8") == _stamp(data)
    except OSError:
        return False
    return stamped and summaries.read(directory) is not None


@contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    with open(directory.with_name(directory.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_store(data: Path, directory: Path | None = None) -> Path:
    """The folder of the store for `data`, (re)built first if missing or older than `data`."""
    data = Path(data)
    if not data.is_file():
        raise DataError(f"{data}: no such data file")
    directory = directory or store_dir_for(data)
    if is_current(data, directory):
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(directory):
        if is_current(data, directory):  # another process built it while we waited
            return directory
        fresh = Path(tempfile.mkdtemp(prefix=directory.name + ".new-", dir=directory.parent))
        try:
            quads = build_store(data, fresh)
            (fresh / COUNT).write_text(f"{quads}\n", encoding="utf-8")
            (fresh / STAMP).write_text(_stamp(data), encoding="utf-8")
            if directory.exists():
                # readers of the old store keep their open files; new openers see the new one
                old = Path(tempfile.mkdtemp(prefix=directory.name + ".old-", dir=directory.parent))
                os.rename(directory, old / "store")
                os.rename(fresh, directory)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(fresh, directory)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
    return directory


STORE_CHOICES = ("auto", "disk", "memory")
MEMORY_MAX_BYTES = 64 * 2**20
"""`auto` serves a data file up to this size from memory: about 45,000 figures of the converter's
TriG, under half a GB in each web server process (see README, `mdo serve`)."""


def in_memory_for(data: Path, choice: str = "auto") -> bool:
    """Serve `data` from memory? `disk` and `memory` decide; `auto` by the size of the file.

    A small dataset answers scans several times faster from memory and needs no folder beside
    it; a large one would cost every web server process its own copy, and the shared on-disk
    store costs each of them only its page cache.
    """
    if choice not in STORE_CHOICES:
        raise ValueError(f"store must be one of {', '.join(STORE_CHOICES)}, not {choice!r}")
    if choice != "auto":
        return choice == "memory"
    try:
        return Path(data).stat().st_size <= MEMORY_MAX_BYTES
    except OSError:
        return False  # the on-disk path names the missing file


@dataclass
class LoadedStore:
    """The store of one data file: the shared on-disk one opened read-only, or one in memory."""

    data: Path
    directory: Path | None  # None: the data is held in memory by this process
    quads: int
    summary: dict[str, Any] = field(repr=False)  # what the home page shows: `summary.py`
    _store: ox.Store | None = field(default=None, repr=False)

    @classmethod
    def load(cls, data: Path, directory: Path | None = None) -> "LoadedStore":
        """Open the store of `data`, building it first only if it is missing or stale."""
        directory = ensure_store(Path(data), directory)
        try:
            quads = int((directory / COUNT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            quads = len(ox.Store.read_only(str(directory)))
        summary = summaries.read(directory) or summaries.compute(ox.Store.read_only(str(directory)))
        return cls(data=Path(data), directory=directory, quads=quads, summary=summary)

    @classmethod
    def in_memory(cls, data: Path) -> "LoadedStore":
        """Load `data` into an in-memory store of this process (no folder is written)."""
        data = Path(data)
        if not data.is_file():
            raise DataError(f"{data}: no such data file")
        store = ox.Store()
        try:
            store.bulk_load(path=str(data), format=format_for(data))
        except (SyntaxError, ValueError) as error:
            raise DataError(f"{data}: {error}") from error
        return cls(data=data, directory=None, quads=len(store), summary=summaries.compute(store), _store=store)

    @property
    def store(self) -> ox.Store:
        """The store itself (in memory), or a read-only handle on the on-disk one."""
        if self._store is None:
            assert self.directory is not None, "an in-memory store was closed"
            self._store = ox.Store.read_only(str(self.directory))
        return self._store

    @property
    def source(self) -> Path | ox.Store:
        """What query workers get: the on-disk folder to open, or the in-memory store to inherit."""
        return self.store if self.directory is None else self.directory

    def select(self, query: str, **bindings: str | Sequence[str]) -> list[dict[str, Any]]:
        """Run a page query (prefixes added) and return rows of Python values.

        IRIs become `str`, literals their Python value (int, float, bool, str); `bindings`
        binds `?name` to an IRI (or, for a single name, to each IRI of a list: the indicators of
        one page), checked by `iri_ref`, with a VALUES clause at the start of the query's outer
        group (`WHERE {`): there the engine starts from the bound IRI, where a VALUES after the
        query is joined late (a voorziening's figures: 2.5 times slower). Every page query uses
        each bound name in a required pattern, so both mean the same.
        """
        if bindings:
            names = " ".join(f"?{k}" for k in bindings)
            head, where, body = query.partition("WHERE {")
            if not where:
                raise ValueError("a page query with bindings needs an outer `WHERE {`")
            query = f"{head}WHERE {{ VALUES ({names}) {{ {_value_rows(list(bindings.values()))} }}{body}"
        solutions = self.store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{name: python_value(row[name]) for name in names} for row in solutions]

    def triples_about(self, iri: str) -> list[ox.Triple]:
        """The triples with `iri` as subject, and those of the blank nodes it points to."""
        found: list[ox.Triple] = []
        seen: set[ox.Triple] = set()
        todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
        visited: set[Any] = set()
        while todo:
            subject = todo.pop()
            if subject in visited:
                continue
            visited.add(subject)
            for quad in self.store.quads_for_pattern(subject, None, None, None):
                triple = quad.triple
                if triple not in seen:
                    seen.add(triple)
                    found.append(triple)
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
        return found

    def close(self) -> None:
        """Drop this process's handle; an on-disk store stays for the other workers and restarts."""
        if self.directory is not None:
            self._store = None


_IRI_FORBIDDEN = set('<>"{}|^`\\') | {chr(c) for c in range(0x21)}


def iri_ref(iri: str) -> str:
    """`<iri>` for a SPARQL query; ValueError if the text cannot be an IRI reference."""
    if not iri or any(ch in _IRI_FORBIDDEN for ch in iri):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


_INTEGER = {"integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger", "gYear"}


def python_value(term: Any) -> Any:
    """A term as a plain Python value for templates; None stays None."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        try:
            if kind in _INTEGER:
                return int(term.value)
            if kind in ("decimal", "double", "float"):
                return float(term.value)
            if kind == "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
        return term.value
    return str(term)


def _value_rows(values: list[str | Sequence[str]]) -> str:
    """The rows of a VALUES clause: one row of IRIs, or one row per IRI of a single list."""
    if len(values) == 1 and not isinstance(values[0], str):
        return " ".join(f"({iri_ref(v)})" for v in values[0])
    if any(not isinstance(v, str) for v in values):
        raise ValueError("a list can only be bound on its own")
    return "(" + " ".join(iri_ref(v) for v in values) + ")"  # type: ignore[arg-type]
