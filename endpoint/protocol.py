"""Content negotiation and one response class per media type.

One table (`RESULT_FORMATS`, `BOOLEAN_FORMATS`, `GRAPH_FORMATS`) maps each format to its media
type, its short names for the `format` parameter and its response class; every route that
negotiates uses it. Result formats follow SPARQL 1.1 Query Results JSON / XML / CSV-TSV
(https://www.w3.org/TR/sparql11-results-json/, .../rdf-sparql-XMLres/, .../sparql11-results-csv-tsv/).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring as _json_string  # a JSON string, as json.dumps(ensure_ascii=False)
from typing import Any, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from starlette.responses import Response

from endpoint.results import Boolean, Graph, Packed, Solutions, Term
from endpoint.vocab import PREFIXES, XSD

XSD_STRING = XSD + "string"
LIMIT_HEADER = "MDO-Result-Limit"
BYTE_LIMIT_HEADER = "MDO-Result-Byte-Limit"
TRUNCATED_HEADER = "MDO-Result-Truncated"
CUT_HEADER = "MDO-Result-Cut"


# -- negotiation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> int:
        """How specifically this range matches (2 exact, 1 type/*, 0 */*), or -1 if not."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == kind and self.subtype == "*":
            return 1
        if self.type == kind and self.subtype == sub:
            return 2
        return -1


@lru_cache(maxsize=256)
def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """The media ranges of an Accept header (RFC 9110 section 12.5.1); bad q values count as 0.

    Kept for the headers seen last: a client sends the same Accept with every request, and a
    SPARQL request reads it twice (a page or a result? in which format?).
    """
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        kind, _, sub = pieces[0].lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q))
    return tuple(ranges)


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers; ties go to the earlier offer; None if nothing is acceptable.

    No Accept header means anything is acceptable, so the first offer wins.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0] if offers else None
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for index, offer in enumerate(offers):
        specific = [(r.matches(offer), r.q) for r in ranges if r.matches(offer) >= 0]
        if not specific:
            continue
        q = max(specific)[1]
        if q > 0 and (best is None or q > best[0]):
            best, chosen = (q, index), offer
    return chosen


# -- term encodings --------------------------------------------------------------------------
def term_json(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": term_json(term.subject), "predicate": term_json(term.predicate), "object": term_json(term.object)}}
    encoded: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        encoded["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        encoded["datatype"] = term.datatype.value
    return encoded


def packed_json(packed: Packed) -> str:
    """The JSON text of `term_json` for the term `results.pack` made `packed` from, as
    `json.dumps` writes it, without making the term or a dict: a result has one per row and
    variable, and both took the web process longer than the text itself."""
    kind = type(packed)
    if kind is str:
        return '{"type": "uri", "value": ' + _json_string(packed) + "}"  # type: ignore[arg-type]
    if kind is tuple:
        value, datatype, language = packed  # type: ignore[misc]
        if language:
            return '{"type": "literal", "value": ' + _json_string(value) + ', "xml:lang": ' + _json_string(language) + "}"
        if datatype != XSD_STRING:
            return '{"type": "literal", "value": ' + _json_string(value) + ', "datatype": ' + _json_string(datatype) + "}"
        return '{"type": "literal", "value": ' + _json_string(value) + "}"
    return json.dumps(term_json(packed), ensure_ascii=False)  # type: ignore[arg-type]


def term_xml(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return ("<triple><subject>" + term_xml(term.subject) + "</subject><predicate>" + term_xml(term.predicate)
                + "</predicate><object>" + term_xml(term.object) + "</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def term_csv(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


# -- response classes ------------------------------------------------------------------------
class SparqlJsonResponse(Response):
    media_type = "application/sparql-results+json"

    def render(self, content: Solutions | Boolean) -> bytes:
        if isinstance(content, Boolean):
            return json.dumps({"head": {}, "boolean": content.value}).encode()
        # The text `json.dumps` would write for {"head": ..., "results": {"bindings": [...]}},
        # written row by row from the packed terms (`packed_json`).
        names = [_json_string(name) + ": " for name in content.variables]
        bindings = ", ".join(
            "{" + ", ".join(name + packed_json(packed) for name, packed in zip(names, row) if packed is not None) + "}"
            for row in content.packed_rows())
        head = json.dumps(content.variables, ensure_ascii=False)
        return ('{"head": {"vars": ' + head + '}, "results": {"bindings": [' + bindings + "]}}").encode()


class SparqlXmlResponse(Response):
    media_type = "application/sparql-results+xml"

    def render(self, content: Solutions | Boolean) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
        if isinstance(content, Boolean):
            out.append(f"<head/><boolean>{'true' if content.value else 'false'}</boolean>")
        else:
            out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in content.variables) + "</head>")
            out.append("<results>")
            for row in content.rows:
                cells = "".join(
                    f"<binding name={quoteattr(name)}>{term_xml(term)}</binding>"
                    for name, term in zip(content.variables, row) if term is not None
                )
                out.append(f"<result>{cells}</result>")
            out.append("</results>")
        out.append("</sparql>\n")
        return "\n".join(out).encode()


class SparqlCsvResponse(Response):
    media_type = "text/csv"

    def render(self, content: Solutions) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(content.variables)
        for row in content.rows:
            writer.writerow([term_csv(term) for term in row])
        return buffer.getvalue().encode()


class SparqlTsvResponse(Response):
    media_type = "text/tab-separated-values"

    def render(self, content: Solutions) -> bytes:
        lines = ["\t".join("?" + v for v in content.variables)]
        lines += ["\t".join("" if term is None else str(term) for term in row) for row in content.rows]
        return ("\n".join(lines) + "\n").encode()


class _GraphResponse(Response):
    rdf_format: ox.RdfFormat

    def render(self, content: Graph | list[ox.Triple]) -> bytes:
        triples = content.triples if isinstance(content, Graph) else content
        return ox.serialize(triples, format=self.rdf_format, prefixes=PREFIXES) or b""


class TurtleResponse(_GraphResponse):
    media_type = "text/turtle"
    rdf_format = ox.RdfFormat.TURTLE


class NTriplesResponse(_GraphResponse):
    media_type = "application/n-triples"
    rdf_format = ox.RdfFormat.N_TRIPLES


class JsonLdResponse(_GraphResponse):
    """Expanded JSON-LD as `@graph` under a `@context` of the dataset's prefixes, so that a
    JSON-LD processor compacts it to `mdo:waarde` and the like (the IRIs stay full and valid)."""

    media_type = "application/ld+json"
    rdf_format = ox.RdfFormat.JSON_LD

    def render(self, content: Graph | list[ox.Triple]) -> bytes:
        expanded = super().render(content).strip() or b"[]"
        return b'{"@context": ' + json.dumps(PREFIXES).encode() + b', "@graph": ' + expanded + b"}"


class RdfXmlResponse(_GraphResponse):
    media_type = "application/rdf+xml"
    rdf_format = ox.RdfFormat.RDF_XML


# -- the format table ------------------------------------------------------------------------
@dataclass(frozen=True)
class Format:
    name: str  # the canonical `format` parameter value and file extension
    media_types: tuple[str, ...]  # first is the one answered with; the others are accepted
    aliases: tuple[str, ...]
    response: type[Response]

    @property
    def media_type(self) -> str:
        return self.media_types[0]


RESULT_FORMATS = (
    Format("json", ("application/sparql-results+json", "application/json"), ("srj",), SparqlJsonResponse),
    Format("xml", ("application/sparql-results+xml", "application/xml", "text/xml"), ("srx",), SparqlXmlResponse),
    Format("csv", ("text/csv",), (), SparqlCsvResponse),
    Format("tsv", ("text/tab-separated-values",), (), SparqlTsvResponse),
)
BOOLEAN_FORMATS = RESULT_FORMATS[:2]
GRAPH_FORMATS = (
    Format("ttl", ("text/turtle", "application/x-turtle"), ("turtle",), TurtleResponse),
    Format("nt", ("application/n-triples", "text/plain"), ("ntriples", "n-triples"), NTriplesResponse),
    Format("jsonld", ("application/ld+json", "application/json"), ("json-ld", "json"), JsonLdResponse),
    Format("rdf", ("application/rdf+xml", "application/xml", "text/xml"), ("rdfxml", "xml"), RdfXmlResponse),
)
HTML = "text/html"


class NotAcceptable(ValueError):
    """A `format` parameter names no format this answer can be given in."""


def choose(formats: Sequence[Format], accept: str | None, format_param: str | None,
           html: bool = False) -> Format | None:
    """The format to answer in; None means HTML (only offered when `html`).

    A `format` parameter wins over Accept (browsers cannot set Accept on a link). An Accept
    header that names nothing we have gets the first format: RFC 9110 lets a server ignore it,
    and a result is more useful than a 406.
    """
    if format_param:
        wanted = format_param.strip().lower()
        for fmt in formats:
            if wanted == fmt.name or wanted in fmt.aliases or wanted in fmt.media_types:
                return fmt
        if html and wanted in ("html", HTML):
            return None
        names = ", ".join(f.name for f in formats)
        raise NotAcceptable(f"format={format_param!r} is not available here; use one of: {names}")
    offers = [(mt, fmt) for fmt in formats for mt in fmt.media_types]
    media_types = [mt for mt, _ in offers]
    if html:
        media_types.insert(0, HTML) if _prefers_html(accept) else media_types.append(HTML)
    chosen = negotiate(accept, media_types)
    if chosen == HTML and html:
        return None
    for mt, fmt in offers:
        if mt == chosen:
            return fmt
    return formats[0]


def _prefers_html(accept: str | None) -> bool:
    """Browsers list text/html first at q=1; treat that as a wish for a page."""
    ranges = parse_accept(accept)
    return bool(ranges) and ranges[0].type == "text" and ranges[0].subtype == "html" and ranges[0].q == 1.0


def limit_headers(result: Solutions | Boolean | Graph) -> dict[str, str]:
    """Report the row and byte caps; a cut result says so, and by which cap, never silently."""
    if not result.limit:
        return {}
    headers = {LIMIT_HEADER: str(result.limit), BYTE_LIMIT_HEADER: str(result.byte_limit)}
    if result.truncated:
        headers[TRUNCATED_HEADER] = "true"
        headers[CUT_HEADER] = result.cut
        size = f"{result.limit} rows" if result.cut == "rows" else f"{result.byte_limit} bytes"
        headers["Warning"] = f'199 - "result cut at {size}; add LIMIT/OFFSET to page through it"'
    return headers
