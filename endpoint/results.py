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
    """SELECT results; `truncated` says the result was cut, `cut` by what ("rows" or "bytes")."""

    variables: list[str]
    rows: list[list[Term | None]]
    truncated: bool = False
    limit: int = 0  # the row cap
    cut: str = ""
    byte_limit: int = 0


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
