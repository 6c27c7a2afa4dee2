"""The routes of the site beyond the voorziening pages: the vocabulary (`/def/mdo`), the catalogue
and graph pages, the VoID description, the typed resource pages, and the Dutch error page.

Handlers are module-level and take what they serve through the `Endpoint` dependency
(`served.py`, the one `Served` that `create_app` sets); the app includes `router` and registers
`http_error` for every HTTP error, so an unknown path gets a page (or JSON for API clients).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from . import pages, site_pages
from .protocol import GRAPH_FORMATS, NotAcceptable, choose, parse_accept
from .served import Endpoint, Negotiated, Served, alternates
from .vocab import DCTERMS, FOAF, MDO, PREFIXES, QB, RDF, SKOS, XSD

router = APIRouter()
#: The query page's editor, YASQE of the YASGUI project, as `make` installs it from npm.
EDITOR = Path(__file__).resolve().parents[1] / "node_modules" / "@triply" / "yasqe" / "build"
VOID = "http://rdfs.org/ns/void#"
TITLES = {400: "Ongeldig verzoek", 404: "Niet gevonden", 405: "Methode niet toegestaan", 406: "Niet beschikbaar",
          503: "Tijdelijk niet beschikbaar"}


def page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("pagina", "1")))
    except ValueError:
        return 1


def wants_html(request: Request) -> bool:
    """A browser (text/html first, or any text/html and no JSON) gets pages; API clients JSON."""
    ranges = parse_accept(request.headers.get("accept"))
    return any(r.type == "text" and r.subtype == "html" and r.q > 0 for r in ranges)


def error_page(request: Request, status: int, message: str) -> Response:
    """The site's error answer: a Dutch page for a browser, JSON for API clients, else text."""
    if wants_html(request):
        return request.app.state.served.page("error.html", status=status, status_code=status, status_text=TITLES.get(status, "Fout"),
                      message=message)
    if "json" in (request.headers.get("accept") or ""):
        return JSONResponse({"detail": message}, status_code=status)
    return PlainTextResponse(message + "\n", status_code=status)


async def http_error(request: Request, exc: Exception) -> Response:
    """Every HTTP error the router raises (an unknown path, a wrong method)."""
    assert isinstance(exc, HTTPException)
    messages = {404: f"Er is geen pagina op {request.url.path}.", 405: "Deze methode kan hier niet."}
    response = error_page(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))
    response.headers.update(exc.headers or {})
    return response


# -- pages called from the app's own handlers -----------------------------------------------
async def resource_page(request: Request, s: Served, iri: str, links: list[dict[str, str]]) -> Response:
    """The page of a dataset resource: an indicator, an observation, or any other thing."""
    path, page = request.url.path, page_number(request)
    if path.startswith("/id/indicator/"):
        context = await anyio.to_thread.run_sync(site_pages.indicator, s.store, s.urls, iri, page)
        if context is not None:
            return s.page("indicator.html", links=links, **context)
    if path.startswith(("/id/observatie/", "/id/ontbrekend-cijfer/")):
        context = await anyio.to_thread.run_sync(site_pages.observation, s.store, s.urls, iri, page)
        if context is not None:
            return s.page("observation.html", links=links, **context)
    described = await anyio.to_thread.run_sync(pages.describe, s.store, s.urls, iri, page)
    if described is None:
        return error_page(request, 404, f"{iri} staat niet in deze dataset.")
    return s.page("resource.html", links=links, r=described)


async def catalogue_page(s: Served) -> Response:
    context = await anyio.to_thread.run_sync(site_pages.catalogue, s.store, s.urls)
    return s.page("catalogue.html", links=alternates("/catalogus", s.urls), c=context)


async def graph_page(request: Request, s: Served, iri: str) -> Response:
    context = await anyio.to_thread.run_sync(site_pages.graph, s.store, s.urls, iri)
    if context is None:
        return error_page(request, 404, f"{iri} is geen graaf van deze dataset.")
    return s.page("graph.html", links=alternates(request.url.path, s.urls), g=context)


# -- routes of their own ----------------------------------------------------------------------
@router.get("/def/mdo", include_in_schema=False)
async def vocabulary(s: Endpoint, fmt: Negotiated) -> Response:
    """The vocabulary: a page with a section per term at its fragment, or Turtle, JSON-LD, ..."""
    if fmt is None:
        context = await anyio.to_thread.run_sync(site_pages.vocabulary, s.store, s.urls)
        return s.page("vocabulary.html", links=alternates("/def/mdo", s.urls), v=context)
    triples = await anyio.to_thread.run_sync(site_pages.vocabulary_triples, s.store)
    return fmt.response(triples, headers={"Vary": "Accept"})


@router.get("/query/termen.json", include_in_schema=False)
async def completions(s: Endpoint) -> Response:
    """What the editor completes: the dataset's prefixes, and the classes and properties it uses."""
    if not s.completions:  # computed once: the data do not change under a server
        s.completions.update(await anyio.to_thread.run_sync(completion_lists, s.store))
    return JSONResponse(s.completions, headers={"Cache-Control": "max-age=3600"})


def completion_lists(store: Any) -> dict[str, list[str]]:
    classes = [row["c"] for row in store.select("SELECT DISTINCT ?c WHERE { ?s a ?c } ORDER BY ?c")]
    properties = [row["p"] for row in store.select("SELECT DISTINCT ?p WHERE { ?s ?p ?o } ORDER BY ?p")]
    return {"prefixes": [f"{name}: <{iri}>" for name, iri in PREFIXES.items()],
            "classes": classes, "properties": properties}


@router.get("/.well-known/void", include_in_schema=False)
async def void(request: Request, s: Endpoint) -> Response:
    """A VoID description of the dataset (https://www.w3.org/TR/void/), Turtle by default."""
    try:
        fmt = choose(GRAPH_FORMATS, request.headers.get("accept"), request.query_params.get("format"))
    except NotAcceptable as problem:
        return PlainTextResponse(str(problem) + "\n", status_code=406)
    assert fmt is not None
    triples = await anyio.to_thread.run_sync(void_triples, s)
    return fmt.response(triples, headers={"Vary": "Accept"})


def void_triples(s: Served) -> list[ox.Triple]:
    """The dataset as a void:Dataset: size, endpoint, dumps, vocabularies, a subset per graph."""
    store, urls = s.store, s.urls
    base = urls.base_iri
    rows = store.select("SELECT ?d WHERE { ?d a qb:DataSet } LIMIT 1")
    dataset = ox.NamedNode(rows[0]["d"] if rows else base + "/id/dataset")
    n = ox.NamedNode

    def count(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=n(XSD + "integer"))

    description = n(base + "/.well-known/void")
    triples = [
        ox.Triple(description, n(RDF + "type"), n(VOID + "DatasetDescription")),
        ox.Triple(description, n(DCTERMS + "title"), ox.Literal("VoID-beschrijving van de Monitor Digitale Overheid", language="nl")),
        ox.Triple(description, n(FOAF + "primaryTopic"), dataset),
        ox.Triple(dataset, n(RDF + "type"), n(VOID + "Dataset")),
        ox.Triple(dataset, n(DCTERMS + "title"), ox.Literal("Monitor Digitale Overheid", language="nl")),
        ox.Triple(dataset, n(VOID + "sparqlEndpoint"), n(urls.endpoint_iri)),
        ox.Triple(dataset, n(VOID + "uriSpace"), ox.Literal(base + "/id/")),
        ox.Triple(dataset, n(VOID + "triples"), count(store.quads)),
        ox.Triple(dataset, n(VOID + "rootResource"), n(base + "/id/catalogus")),
    ]
    for name in ("mdo.nt", "mdo.trig"):
        triples.append(ox.Triple(dataset, n(VOID + "dataDump"), n(f"{base}/download/{name}")))
    for vocabulary in (MDO.rstrip("#"), QB.rstrip("#"), SKOS.rstrip("#"), DCTERMS.rstrip("/")):
        triples.append(ox.Triple(dataset, n(VOID + "vocabulary"), n(vocabulary)))
    for row in store.select("SELECT ?s WHERE { ?s a mdo:Voorziening } ORDER BY ?s LIMIT 1"):
        triples.append(ox.Triple(dataset, n(VOID + "exampleResource"), n(row["s"])))
    for graph in sorted(store.store.named_graphs(), key=lambda g: g.value):
        if not isinstance(graph, ox.NamedNode):
            continue
        size = sum(1 for _ in store.store.quads_for_pattern(None, None, None, graph))
        triples += [ox.Triple(dataset, n(VOID + "subset"), graph), ox.Triple(graph, n(RDF + "type"), n(VOID + "Dataset")),
                    ox.Triple(graph, n(VOID + "triples"), count(size))]
    for row in store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        partition = ox.BlankNode()
        triples += [ox.Triple(dataset, n(VOID + "classPartition"), partition),
                    ox.Triple(partition, n(VOID + "class"), n(row["c"])),
                    ox.Triple(partition, n(VOID + "entities"), count(row["n"]))]
    return triples
