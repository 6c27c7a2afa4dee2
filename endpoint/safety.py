"""What a query is, read before the store sees it: its size and nesting, SERVICE, its dataset.

Three checks run in the query worker (so their own cost is bounded by the worker's time and
memory caps, never by the web server's event loop), in this order:

1. Limits on shape, from the query's tokens (`shape_limits`): at most `MAX_DEPTH` nested
   brackets, `MAX_GROUPS` groups and `MAX_TOKENS` tokens. Deep nesting and long chains (of
   UNIONs, `+`, `&&`, path steps) crash pyoxigraph by recursion (a segfault, not an error), so
   they are refused with a 400 before any parser runs.
2. A real parse with rdflib's SPARQL 1.1 grammar (`analyse`). A SERVICE clause anywhere in the
   parse tree (inside OPTIONAL, MINUS, EXISTS, sub-queries, with a variable endpoint or SILENT)
   is refused with a 400. The parse also tells whether the query names its own dataset (FROM /
   FROM NAMED), which decides how the store is asked (see `pool.execute`).
3. A query rdflib cannot read is not run against the data: the worker asks pyoxigraph to parse
   it on an empty store, so a client gets pyoxigraph's syntax error message, and a query only
   pyoxigraph accepts (its extensions) is refused with rdflib's message.

The parse is a clear error for honest clients, not the guarantee: two parsers can disagree on
a grammar detail. The guarantee that a query cannot reach the network is `sandbox.py`, which
takes the socket calls away from the worker processes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_DEPTH = 64
MAX_GROUPS = 500
MAX_TOKENS = 5000

SERVICE_REFUSED = (
    "SERVICE (federated query) is not allowed on this endpoint: it never makes outbound requests. "
    "See https://www.w3.org/TR/sparql11-federated-query/"
)

# The SPARQL 1.1 terminals that may hold brackets without being brackets: strings, IRIs,
# comments (which end at a carriage return or a line feed, section 19.6 of SPARQL 1.1 Query).
_SKIPPED = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*"
)
_TOKENS = re.compile(
    "(?P<skipped>" + _SKIPPED + r")|(?P<open>[{(\[])|(?P<close>[})\]])|[\w:?$.\\-]+|\S", re.DOTALL)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryRefused(ValueError):
    """The query is well-formed but this endpoint will not run it (HTTP 400)."""


class QueryUnreadable(ValueError):
    """rdflib's SPARQL 1.1 parser could not read the query; the message is its own."""


@dataclass(frozen=True)
class Analysis:
    """What the parse found that decides how the query is run."""

    has_dataset: bool  # FROM or FROM NAMED in the query


def unescape(text: str) -> str:
    """Apply SPARQL codepoint escapes (`\\u0053` is `S`), as the grammar does before tokenising."""
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def shape_limits(query: str) -> None:
    """Raise `QueryRefused` for a query over `MAX_DEPTH`, `MAX_GROUPS` or `MAX_TOKENS`.

    A string, an IRI or a name is one token, any other character that is not space one more;
    comments are not counted.
    """
    depth = deepest = groups = tokens = 0
    for match in _TOKENS.finditer(unescape(query)):
        if match.group("skipped"):
            tokens += not match.group().startswith("#")
            continue
        tokens += 1
        if match.group("open"):
            depth += 1
            deepest = max(deepest, depth)
            groups += match.group("open") == "{"
        elif match.group("close"):
            depth = max(0, depth - 1)
    if deepest > MAX_DEPTH:
        raise QueryRefused(f"The query nests {deepest} brackets deep; this endpoint allows {MAX_DEPTH}.")
    if tokens > MAX_TOKENS:
        raise QueryRefused(f"The query has {tokens} tokens; this endpoint allows {MAX_TOKENS}.")
    if groups > MAX_GROUPS:
        raise QueryRefused(f"The query has {groups} groups ({{...}}); this endpoint allows {MAX_GROUPS}.")


def _contains(node: Any, name: str) -> bool:
    """Is there a parse-tree node called `name` anywhere below `node`?"""
    todo = [node]
    while todo:
        item = todo.pop()
        if getattr(item, "name", None) == name:
            return True
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
        elif hasattr(item, "asList"):  # a pyparsing result that is not a dict
            todo.extend(list(item))
    return False


@lru_cache(maxsize=256)
def analyse(query: str) -> Analysis:
    """Check the query's shape and parse it; raise `QueryRefused` or `QueryUnreadable`.

    rdflib's parser is slow on long queries (docs/BENCHMARKS.md gives its price), so the
    analysis of the texts a worker saw last is kept: example queries and clients that repeat
    a query pay for the parse once.

    Carriage returns are read as line feeds for this parse only: both end a comment in SPARQL,
    but rdflib's comment rule stops at a line feed alone, and would otherwise take the rest of
    the line after a carriage return for comment where the store sees a query.
    """
    shape_limits(query)
    from rdflib.plugins.sparql.parser import parseQuery

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 200 * MAX_DEPTH))  # rdflib's grammar recurses dozens of frames a bracket
    try:
        tree = parseQuery(query.replace("\r", "\n"))
    except RecursionError:
        raise QueryRefused(f"The query nests too deep to be read; this endpoint allows {MAX_DEPTH} brackets.") from None
    except Exception as error:  # pyparsing's ParseException, and rdflib's own errors of a bad term
        raise QueryUnreadable(str(error)) from None
    finally:
        sys.setrecursionlimit(limit)
    if _contains(tree, "ServiceGraphPattern"):
        raise QueryRefused(SERVICE_REFUSED)
    body = tree[1] if len(tree) > 1 else {}
    return Analysis(has_dataset="datasetClause" in body)
