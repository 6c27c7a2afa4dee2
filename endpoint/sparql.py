"""The SPARQL 1.1 Protocol at `/sparql`: reading a request, answering it, describing the service.

Follows https://www.w3.org/TR/sparql11-protocol/ section 2.1 (query operation): GET with
`query`, POST form-encoded, POST `application/sparql-query`, with `default-graph-uri` /
`named-graph-uri` taking precedence over FROM / FROM NAMED. The update operation (2.2) is
refused: this endpoint is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from endpoint.pool import PoolBusy, QueryPool, QueryTimeout
from endpoint.protocol import (BOOLEAN_FORMATS, GRAPH_FORMATS, RESULT_FORMATS, NotAcceptable, _prefers_html, choose,
                       limit_headers)
from endpoint.results import Boolean, Failure, Graph, QueryJob, Solutions
from endpoint.vocab import RDF, SD

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted (https://www.w3.org/TR/sparql11-protocol/#update-operation)."


class ProtocolError(Exception):
    """A request the protocol does not allow; carries the HTTP status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None

    def job(self, max_rows: int, base_iri: str, max_bytes: int) -> QueryJob:
        protocol_dataset = bool(self.default_graphs or self.named_graphs)
        return QueryJob(
            query=self.query or "",
            default_graphs=self.default_graphs if protocol_dataset else None,
            named_graphs=self.named_graphs if protocol_dataset else None,
            max_rows=max_rows,
            base_iri=base_iri,
            max_bytes=max_bytes,
        )


def _charset_ok(content_type: str) -> bool:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"The request body is not UTF-8: {error}") from None


async def read_request(request: Request) -> ProtocolRequest:
    """The query and dataset of a protocol request, or a `ProtocolError` saying what is wrong."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media == SPARQL_UPDATE:
            raise ProtocolError(403, READ_ONLY)
        if media not in (FORM, SPARQL_QUERY):
            raise ProtocolError(
                415, f"Content-Type {content_type or '(none)'!r}: send a query as {FORM} or {SPARQL_QUERY}"
            )
        if not _charset_ok(content_type):
            raise ProtocolError(415, f"Content-Type {content_type!r}: queries must be sent as UTF-8")
        body = _decode(await request.body())
        if media == FORM:
            for key, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        else:
            if "query" in params:
                raise ProtocolError(400, "A direct POST carries the query in the body, not in a query parameter")
            params["query"] = [body]
    if "update" in params:
        raise ProtocolError(403, READ_ONLY)
    queries = params.get("query", [])
    if len(queries) > 1:
        raise ProtocolError(400, "More than one query parameter: send exactly one query")
    formats = params.get("format", [])
    for name in ("default-graph-uri", "named-graph-uri"):
        for value in params.get(name, []):
            _check_iri(name, value)
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=tuple(params.get("default-graph-uri", [])),
        named_graphs=tuple(params.get("named-graph-uri", [])),
        format=formats[0] if formats else None,
    )


def _check_iri(name: str, value: str) -> None:
    """A `ProtocolError` (400) unless `value` is an absolute IRI the store accepts."""
    try:
        ox.NamedNode(value)
    except ValueError as problem:
        raise ProtocolError(400, f"{name}={value!r} is not an absolute IRI: {problem}") from None


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


async def answer(request: Request, pool: QueryPool, *, max_rows: int, max_bytes: int, base_iri: str,
                 graphs: list[str]) -> Response:
    """Handle one protocol request end to end."""
    try:
        protocol = await read_request(request)
    except ProtocolError as problem:
        return error(problem.status, problem.message)
    if protocol.query is None:
        if request.method == "GET" and _prefers_html(request.headers.get("accept")):
            return RedirectResponse("/query", status_code=303)
        return service_description(request, base_iri, graphs, protocol.format)
    if not protocol.query.strip():
        return error(400, "The query is empty")
    wants_page = (protocol.format or "").lower() in ("html", "text/html") or (
        protocol.format is None and request.method == "GET" and _prefers_html(request.headers.get("accept")))
    if wants_page:
        return RedirectResponse("/query?" + urlencode({"query": protocol.query}), status_code=303)
    try:
        outcome = await pool.run(protocol.job(max_rows, base_iri + "/", max_bytes))
    except QueryTimeout as timeout:
        return error(503, f"Query timeout: {timeout}. Narrow the query or add a LIMIT.")
    except PoolBusy as busy:
        return error(503, f"Busy: {busy}. Try again shortly.", {"Retry-After": "5"})
    return render(outcome, request.headers.get("accept"), protocol.format)


def render(outcome: Solutions | Boolean | Graph | Failure, accept: str | None, format_param: str | None) -> Response:
    """The response for a query outcome in the negotiated format."""
    if isinstance(outcome, Failure):
        return error(outcome.status, outcome.message)
    formats = (RESULT_FORMATS if isinstance(outcome, Solutions)
               else BOOLEAN_FORMATS if isinstance(outcome, Boolean) else GRAPH_FORMATS)
    try:
        fmt = choose(formats, accept, format_param)
    except NotAcceptable as problem:
        return error(406, str(problem))
    assert fmt is not None
    headers = {"Vary": "Accept", "Content-Disposition": f'inline; filename="mdo-resultaat.{fmt.name}"',
               **limit_headers(outcome)}
    return fmt.response(outcome, headers=headers)


def service_description(request: Request, base_iri: str, graphs: list[str], format_param: str | None) -> Response:
    """An `sd:Service` (https://www.w3.org/TR/sparql11-service-description/) for GET without query."""
    endpoint = ox.NamedNode(str(request.url.replace(query="", fragment="")))
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    formats = "http://www.w3.org/ns/formats/"
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples = [
        ox.Triple(endpoint, ox.NamedNode(RDF + "type"), sd("Service")),
        ox.Triple(endpoint, sd("endpoint"), endpoint),
        ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(endpoint, sd("defaultDataset"), dataset),
        ox.Triple(dataset, ox.NamedNode(RDF + "type"), sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, ox.NamedNode(RDF + "type"), sd("Graph")),
        ox.Triple(dataset, ox.NamedNode("http://purl.org/dc/terms/source"),
                  ox.NamedNode(base_iri + "/id/dataset/monitor-digitale-overheid")),
    ]
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(endpoint, sd("resultFormat"), ox.NamedNode(formats + name)))
    for graph in graphs:
        named = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), named), ox.Triple(named, sd("name"), ox.NamedNode(graph))]
    try:
        fmt = choose(GRAPH_FORMATS, request.headers.get("accept"), format_param)
    except NotAcceptable as problem:
        return error(406, str(problem))
    assert fmt is not None
    return fmt.response(triples, headers={"Vary": "Accept"})
