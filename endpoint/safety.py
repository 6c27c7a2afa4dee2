"""Checks a query must pass before it reaches the store.

pyoxigraph evaluates `SERVICE <url>` by making an HTTP request from the server (tested: it
POSTs the sub-query to the URL). A public endpoint must not be a proxy into the network it runs
in, so every query that uses the SERVICE keyword is refused before it is parsed by the store.
The check works on the query text with comments, strings and IRIs blanked out, so the word in
a string, an IRI or a comment is not mistaken for the keyword.
"""

from __future__ import annotations

import re

SERVICE_REFUSED = (
    "SERVICE (federated query) is not allowed on this endpoint: it never makes outbound requests. "
    "See https://www.w3.org/TR/sparql11-federated-query/"
)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'  # IRI references
    r"|#[^\n]*",  # comments (after IRIs, which may contain '#')
    re.DOTALL,
)
_SERVICE = re.compile(r"(?<![\w:?$@-])SERVICE(?![\w:.-])", re.IGNORECASE)


class QueryRefused(ValueError):
    """The query is well-formed but this endpoint will not run it."""


def unescape(text: str) -> str:
    """Apply SPARQL codepoint escapes (`\\u0053` is `S`), as a parser may do before tokenising."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def mentions_service(query: str) -> bool:
    """True when the query uses the SERVICE keyword outside strings, IRIs and comments."""
    for text in (query, unescape(query)):
        if _SERVICE.search(_NOISE.sub(" ", text)):
            return True
    return False


def check_query(query: str) -> None:
    """Raise `QueryRefused` for a query this read-only, offline endpoint does not run."""
    if mentions_service(query):
        raise QueryRefused(SERVICE_REFUSED)
