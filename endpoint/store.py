"""Load the TriG dump into an on-disk pyoxigraph store and open it read-only.

Why on disk: query workers run in separate processes (see `pool.py`) and each opens the same
store with `Store.read_only`, so a worker can be killed mid-query without touching the data,
and nothing a request sends can write to it.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .vocab import sparql_prefixes


class DataError(RuntimeError):
    """The data file cannot be served; the message names the file."""


def format_for(path: Path) -> ox.RdfFormat:
    """The RDF format of a dump, from its extension (`.trig`, `.nq`, ...)."""
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    if fmt is None:
        raise DataError(f"{path}: unknown RDF file extension {path.suffix!r}")
    return fmt


def build_store(data: Path, directory: Path) -> int:
    """Load `data` into a new store in `directory`; return the number of quads."""
    if not data.is_file():
        raise DataError(f"{data}: no such data file")
    store = ox.Store(str(directory))
    try:
        store.bulk_load(path=str(data), format=format_for(data))
    except (SyntaxError, ValueError) as error:
        raise DataError(f"{data}: {error}") from error
    store.flush()
    count = len(store)
    del store  # release the write lock before the read-only openers come
    return count


@dataclass
class LoadedStore:
    """A store built in a temporary directory for the life of one app."""

    data: Path
    directory: Path
    quads: int
    _store: ox.Store | None = field(default=None, repr=False)

    @classmethod
    def load(cls, data: Path) -> "LoadedStore":
        directory = Path(tempfile.mkdtemp(prefix="mdo-store-"))
        try:
            quads = build_store(data, directory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return cls(data=data, directory=directory, quads=quads)

    @property
    def store(self) -> ox.Store:
        """A read-only handle for the pages' own (small, known) queries."""
        if self._store is None:
            self._store = ox.Store.read_only(str(self.directory))
        return self._store

    def select(self, query: str, **bindings: str) -> list[dict[str, Any]]:
        """Run a page query (prefixes added) and return rows of Python values.

        IRIs become `str`, literals their Python value (int, float, bool, str); `bindings`
        binds `?name` to an IRI with a trailing VALUES clause, checked by `iri_ref`.
        """
        if bindings:
            names = " ".join(f"?{k}" for k in bindings)
            values = " ".join(iri_ref(v) for v in bindings.values())
            query = f"{query}\nVALUES ({names}) {{ ({values}) }}"
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
        self._store = None
        shutil.rmtree(self.directory, ignore_errors=True)


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
