"""Push the dataset into an existing triple store and check that it arrived.

Each named graph of the dataset is sent with one HTTP PUT of the SPARQL 1.1 Graph Store HTTP
Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/#http-put), which replaces the whole
graph; graphs the dataset does not have are left alone. Then SPARQL queries (SPARQLWrapper, GET,
so no store-specific POST quirks) compare the store with the local file: the number of triples
of every graph (COUNT, never a row listing, so no result cap such as Virtuoso's 10,000 rows
matters) and one known figure in every edition.

The whole file is read and every graph serialised before the first request, so a file that does
not parse leaves the store untouched; publishing writes nothing locally. Each graph is replaced by
one request; the data set as a whole is not (a refusal half-way names the graphs already replaced).
Whether a reader can see a graph half-replaced is up to the store: Virtuoso 7.2 does let it (see
tests/test_publish.py, the xfail test).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from converter.rdf.formats import FORMATS, rdf_format
from converter.rdf.iris import Iris
from converter.rdf.vocab import MDO

# The figure every edition prints and the check looks up: DigiD, "Aantal actieve DigiD's", 2019.
KNOWN_INDICATOR = "digid-actieve-digids"
KNOWN_YEAR = 2019
KNOWN_BREAKDOWN = "totaal"

# N-Triples is Turtle, and every Graph Store (Virtuoso 7 included) accepts text/turtle.
PUT_MEDIA_TYPE = "text/turtle; charset=utf-8"
# Graph Store path -> query path, for the stores people run; anything else needs --query-endpoint.
QUERY_PATHS = (
    ("/sparql-graph-crud-auth", "/sparql"),  # Virtuoso, authenticated
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
    ("/rdf-graphs/service", ""),  # GraphDB / RDF4J: /repositories/{id}
    ("/data", "/query"),  # Fuseki: /{dataset}/data
    ("/store", "/query"),  # Oxigraph server
)


class PublishError(RuntimeError):
    """The data could not be read or the store refused or failed; the message names URL and status."""


@dataclass(frozen=True)
class GraphReport:
    iri: str
    local_triples: int
    status: int  # HTTP status of the PUT
    remote_triples: int | None = None

    @property
    def ok(self) -> bool:
        return self.remote_triples == self.local_triples


@dataclass
class PublishReport:
    store_url: str
    query_url: str
    graphs: list[GraphReport] = field(default_factory=list)
    # edition IRI -> the known figure as the store returns it, and as the local file has it
    figure_remote: dict[str, str] = field(default_factory=dict)
    figure_local: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        found = [
            f"graph <{g.iri}>: {g.remote_triples} triples in the store, {g.local_triples} in the file"
            for g in self.graphs
            if not g.ok
        ]
        if not self.figure_local:
            found.append(f"the file has no figure for {KNOWN_INDICATOR} {KNOWN_YEAR}")
        elif self.figure_remote != self.figure_local:
            found.append(
                f"{KNOWN_INDICATOR} {KNOWN_YEAR}: store has {self.figure_remote or 'nothing'}, file has {self.figure_local}"
            )
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


def publish(data: Path, store_url: str, query_url: str | None = None, auth: tuple[str, str] | None = None) -> PublishReport:
    """PUT every named graph of `data` into the Graph Store at `store_url`, then check it through `query_url`."""
    started = time.perf_counter()
    query_url = query_url or default_query_url(store_url)
    store = _load(data)
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
    if not graphs:
        raise PublishError(f"{data}: no named graphs; publish the TriG or N-Quads dump (`mdo build`)")
    bodies = {g.value: _ntriples(store, g) for g in graphs}
    counts = {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in graphs}
    figure_query = _figure_query(_base_iri(bodies))
    report = PublishReport(store_url=store_url, query_url=query_url)
    report.figure_local = _figure_rows(store.query(figure_query, use_default_graph_as_union=True))

    http_auth = _ChallengeAuth(*auth) if auth else None
    with httpx.Client(auth=http_auth, timeout=httpx.Timeout(30.0, read=600.0)) as client:
        for iri, body in bodies.items():
            status = _put(client, store_url, iri, body, done=[g.iri for g in report.graphs])
            report.graphs.append(GraphReport(iri, counts[iri], status))

    scheme = http_auth.scheme if http_auth else None
    sparql = _Sparql(query_url, auth, scheme)
    report.graphs = [
        GraphReport(g.iri, g.local_triples, g.status, sparql.count(g.iri)) for g in report.graphs
    ]
    report.figure_remote = _figure_rows_json(sparql.select(figure_query))
    report.seconds = time.perf_counter() - started
    return report


def default_query_url(store_url: str) -> str:
    """The SPARQL query URL beside a Graph Store URL (Virtuoso, Fuseki, GraphDB, Oxigraph)."""
    parts = urlsplit(store_url)
    path = parts.path.rstrip("/")
    for store_path, query_path in QUERY_PATHS:
        if path.endswith(store_path):
            return urlunsplit(parts._replace(path=path[: -len(store_path)] + query_path, query="", fragment=""))
    raise PublishError(f"{store_url}: cannot tell the SPARQL query URL from this Graph Store URL; give --query-endpoint")


# --- reading -------------------------------------------------------------------------------


def _load(data: Path) -> ox.Store:
    fmt = rdf_format(data)
    if fmt is None or not fmt.supports_datasets:
        named = ", ".join(s for s, f in FORMATS.items() if f.supports_datasets)
        raise PublishError(f"{data}: publish needs named graphs; use one of {named}")
    if not data.is_file():
        raise PublishError(f"{data} does not exist; run `mdo build` first")
    store = ox.Store()
    try:
        store.bulk_load(path=str(data), format=fmt)
    except (SyntaxError, ValueError, OSError) as error:
        raise PublishError(f"{data}: cannot read it: {error}") from None
    if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
        raise PublishError(f"{data}: has triples outside the named graphs; the store would not get them")
    return store


def _ntriples(store: ox.Store, graph: ox.NamedNode) -> bytes:
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def _base_iri(graphs: dict[str, bytes]) -> str:
    for iri in graphs:
        if "/graph/" in iri:
            return iri.split("/graph/")[0]
    raise PublishError(f"no graph named {{base}}/graph/...: {', '.join(graphs)}")


# --- writing (Graph Store HTTP Protocol) ----------------------------------------------------


def _put(client: httpx.Client, store_url: str, graph: str, body: bytes, done: list[str]) -> int:
    """Replace `graph` in the store with `body`; any status but 2xx is an error naming URL and status."""
    try:
        response = client.put(store_url, params={"graph": graph}, content=body, headers={"Content-Type": PUT_MEDIA_TYPE})
    except httpx.HTTPError as error:
        raise PublishError(f"PUT {store_url}?graph={graph}: {type(error).__name__}: {error}" + _already(done)) from None
    if response.is_success:
        return response.status_code
    hint = {
        401: " (wrong or missing --user/--password?)",
        403: " (the user may not write; Virtuoso: GRANT SPARQL_UPDATE, and use /sparql-graph-crud-auth)",
        404: " (is this the Graph Store URL?)",
    }.get(response.status_code, "")
    text = " ".join(response.text.split())[:300]
    raise PublishError(
        f"PUT {store_url}?graph={graph}: HTTP {response.status_code} {response.reason_phrase}{hint}"
        + (f": {text}" if text else "")
        + _already(done)
    )


def _already(done: list[str]) -> str:
    return f"; already replaced: {', '.join(done)}" if done else "; the store was not changed"


class _ChallengeAuth(httpx.Auth):
    """Answers the store's challenge: HTTP Digest (Virtuoso) or Basic, whichever it asks for."""

    def __init__(self, user: str, password: str) -> None:
        self._schemes: dict[str, httpx.Auth] = {
            "digest": httpx.DigestAuth(user, password),
            "basic": httpx.BasicAuth(user, password),
        }
        self.scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.scheme is not None:
            yield from self._schemes[self.scheme].auth_flow(request)
            return
        response = yield request
        challenge = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if response.status_code != 401 or challenge not in self._schemes:
            return
        self.scheme = challenge
        # The chosen scheme's own flow; Digest resends once more to get its challenge (first request only).
        yield from self._schemes[challenge].auth_flow(request)


# --- checking (SPARQL queries) --------------------------------------------------------------


class _Sparql:
    """SPARQLWrapper with GET and JSON; Virtuoso hangs on POST application/sparql-query."""

    def __init__(self, url: str, auth: tuple[str, str] | None, scheme: str | None) -> None:
        from SPARQLWrapper import BASIC, DIGEST, GET, JSON, SPARQLWrapper

        self.url = url
        self._wrapper = SPARQLWrapper(url)
        self._wrapper.setMethod(GET)
        self._wrapper.setReturnFormat(JSON)
        self._wrapper.setTimeout(120)
        if auth:
            self._wrapper.setHTTPAuth(BASIC if scheme == "basic" else DIGEST)
            self._wrapper.setCredentials(*auth)

    def select(self, query: str) -> list[dict[str, Any]]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
        from urllib.error import HTTPError, URLError

        self._wrapper.setQuery(query)
        try:
            result = self._wrapper.queryAndConvert()
        except HTTPError as error:
            raise PublishError(f"GET {self.url}: HTTP {error.code} {error.reason} for the check query") from None
        except (URLError, OSError, SPARQLWrapperException) as error:
            raise PublishError(f"GET {self.url}: {error}") from None
        if not isinstance(result, dict) or "results" not in result:
            raise PublishError(f"GET {self.url}: not a SPARQL JSON result")
        return list(result["results"]["bindings"])

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"]) if rows else 0


def _figure_query(base: str) -> str:
    iris = Iris(base)
    return f"""SELECT ?editie ?waarde WHERE {{
  ?obs <{MDO.indicator}> <{iris.indicator(KNOWN_INDICATOR)}> ;
       <{MDO.jaar}> <{iris.year(KNOWN_YEAR)}> ;
       <{MDO.uitsplitsing}> <{iris.member(KNOWN_BREAKDOWN)}> ;
       <{MDO.editie}> ?editie ;
       <{MDO.waarde}> ?waarde .
}}"""


def _figure_rows(solutions: Any) -> dict[str, str]:
    return {row["editie"].value: row["waarde"].value for row in solutions}


def _figure_rows_json(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row["editie"]["value"]: row["waarde"]["value"] for row in rows}
