"""What a query job asks and what comes back from a worker: plain, picklable records.

Workers send these over a pipe; the response classes in `protocol.py` render them. Keeping the
rendering out of the worker keeps the worker small and lets one table of media types serve
every route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import pyoxigraph as ox

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
Packed = Union[str, tuple[str, str, "str | None"], ox.BlankNode, ox.Triple, None]

_NamedNode, _Literal = ox.NamedNode, ox.Literal


def pack(term: Term | None, same: dict[object, object] | None = None) -> Packed:
    """A term as plain Python values for the pipe: an IRI as its text, a literal as (value,
    datatype, language). pyoxigraph pickles each term through its constructor, far slower
    than a string or a tuple, and a result has one term per row and variable. Blank
    nodes, quoted triples and literals with a base direction (rare) stay as they are.

    `same`, one per result, hands out one object for equal IRIs, datatypes and literals:
    pickle writes an object it has seen once as a reference, and a result repeats its
    datatypes and labels on every row.
    """
    kind = type(term)
    if kind is _NamedNode:
        iri = term.value  # type: ignore[union-attr]
        return iri if same is None else same.setdefault(iri, iri)  # type: ignore[return-value]
    if kind is _Literal and term.direction is None:  # type: ignore[union-attr]
        datatype = term.datatype.value  # type: ignore[union-attr]
        if same is None:
            return term.value, datatype, term.language  # type: ignore[union-attr]
        literal = (term.value, same.setdefault(datatype, datatype), term.language)  # type: ignore[union-attr]
        return same.setdefault(literal, literal)  # type: ignore[return-value]
    return term  # type: ignore[return-value]


def unpack(packed: Packed) -> Term | None:
    """The term `pack` made `packed` from."""
    kind = type(packed)
    if kind is str:
        return _NamedNode(packed)  # type: ignore[arg-type]
    if kind is tuple:
        value, datatype, language = packed  # type: ignore[misc]
        return _Literal(value, language=language) if language else _Literal(value, datatype=_NamedNode(datatype))
    return packed  # type: ignore[return-value]


@dataclass(frozen=True)
class QueryJob:
    """One query with its protocol-specified dataset (`None`: the default, union of graphs)."""

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10000
    base_iri: str | None = None
    max_bytes: int = 10_000_000  # of the terms' text, summed over the result


@dataclass
class Solutions:
    """SELECT results; `truncated` says the result was cut, `cut` by what ("rows" or "bytes").

    Pickled with its terms packed (`pack`): the rows cross the pipe from the worker as strings
    and tuples. On arrival they stay packed until something reads `rows`, which makes them
    terms then: the JSON results, the answer most clients ask for, are written from the packed
    values (`packed_rows`) without a term object per value. Making those objects took the web
    process, which every request passes through, longer than writing the JSON.
    """

    variables: list[str]
    rows: list[list[Term | None]]
    truncated: bool = False
    limit: int = 0  # the row cap
    cut: str = ""
    byte_limit: int = 0

    def packed_rows(self) -> list[list[Packed]]:
        """The rows as `pack` makes them: as they arrived, or packed now."""
        if "_packed" in self.__dict__:
            return self.__dict__["_packed"]  # type: ignore[no-any-return]
        same: dict[object, object] = {}
        return [[pack(term, same) for term in row] for row in self.rows]

    def __getattr__(self, name: str) -> object:
        """`rows` of a result from the pipe: its packed rows as terms, made on first use."""
        if name == "rows" and "_packed" in self.__dict__:
            rows = [[unpack(packed) for packed in row] for row in self.__dict__["_packed"]]
            self.__dict__["rows"] = rows
            return rows
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, object]:
        state = {k: v for k, v in self.__dict__.items() if k != "_packed"}
        return {**state, "rows": self.packed_rows()}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, _packed=state.pop("rows"))


@dataclass
class Boolean:
    """ASK result."""

    value: bool
    truncated: bool = False
    limit: int = 0
    cut: str = ""
    byte_limit: int = 0


@dataclass
class Graph:
    """CONSTRUCT / DESCRIBE results; `truncated` says that more triples existed than the cap."""

    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False
    limit: int = 0
    cut: str = ""
    byte_limit: int = 0


@dataclass
class Failure:
    """The store refused or failed the query; `status` is the HTTP status to answer with.

    `fatal`: the worker hit its memory cap and must be replaced, though it could still answer.
    """

    message: str
    status: int = 400
    fatal: bool = False


Outcome = Union[Solutions, Boolean, Graph, Failure]
