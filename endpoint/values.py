"""How one RDF term is shown to a person: a Dutch number or date, a labelled link, or text.

Every page and the query page's result table draw terms through `term_view` and the `term`
macro of `templates/_term.html`, so a value looks the same wherever it appears. Datatypes and
the language tag stay available (as a title) but are not printed: `17.179.883` rather than
`17179883^^xsd:integer`, and a language only when it is not Dutch.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyoxigraph as ox

from .charts import dutch_number
from .urls import Urls
from .vocab import PREFIXES, XSD

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
NUMERIC = {XSD + name for name in ("integer", "int", "long", "short", "byte", "decimal", "double", "float",
                                   "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                   "unsignedInt", "unsignedLong", "unsignedShort")}
PLAIN = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


def compact(iri: str) -> str:
    """`skos:prefLabel` for a vocabulary IRI, the IRI itself otherwise."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and "/" not in iri[len(namespace):]:
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def dutch_date(text: str) -> str:
    """`2024-06-05` as `5 juni 2024`; a date-time adds `14:03`; the text itself if it is no date."""
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def shown_literal(literal: ox.Literal) -> str:
    """The literal's value as a Dutch reader expects it."""
    datatype = literal.datatype.value
    if datatype in NUMERIC:
        try:
            return dutch_number(float(literal.value)) if "." in literal.value or "e" in literal.value.lower() \
                else dutch_number(int(literal.value))
        except ValueError:
            return literal.value
    if datatype in (XSD + "date", XSD + "dateTime"):
        return dutch_date(literal.value)
    if datatype == XSD + "boolean":
        return "ja" if literal.value in ("true", "1") else "nee"
    return literal.value


def term_view(term: Any, urls: Urls, names: dict[str, str]) -> dict[str, Any]:
    """A term for the `term` macro: kind, the text shown, and what the title and link need."""
    if isinstance(term, ox.NamedNode):
        return {"kind": "iri", "value": term.value, "href": urls.href(term.value),
                "label": names.get(term.value) or compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "value": "_:" + term.value}
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        return {"kind": "literal", "value": term.value, "shown": shown_literal(term),
                "lang": term.language if term.language and term.language != "nl" else None,
                "datatype": None if datatype in PLAIN else compact(datatype),
                "numeric": datatype in NUMERIC}
    return {"kind": "other", "value": str(term)}
