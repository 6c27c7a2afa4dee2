"""Every route of the endpoint, as handlers at module level on one `APIRouter` (the SPARQL
endpoint apart: `sparql_endpoint`).

Each handler gets what it works with through dependencies (`served.py`: `Endpoint`, the store,
the pool, the URLs, the limits, set once on the app by `app.create_app`; for linked data, the
negotiated format and the IRI of the path), calls `pages` / `sparql`, and renders a template or
a response class from `protocol`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from endpoint import pages, site, site_pages, sparql
from endpoint.pool import PoolBusy, QueryTimeout
from endpoint.results import Failure, QueryJob
from endpoint.served import Endpoint, Negotiated, RequestedIri, Served, alternates, link_header
from endpoint.vocab import CATALOGUE_FILE, DOWNLOADS, DUMPS


router = APIRouter()


# -- pages -------------------------------------------------------------------------------------

@router.api_route("/", methods=["GET", "HEAD"])
async def home(s: Endpoint) -> Response:
    context = await anyio.to_thread.run_sync(pages.home, s.store, s.urls)
    links = [{"href": "/catalogus", "type": "text/turtle", "name": "DCAT"},
             {"href": s.urls.download("mdo.trig"), "type": DUMPS["mdo.trig"], "name": "TriG"}]
    return s.page("home.html", links=links, served=site_pages.served(s.store), **context)


@router.api_route("/query", methods=["GET", "HEAD"])
async def query_page(request: Request, s: Endpoint) -> Response:
    params = request.query_params
    example = next((e for e in s.examples if e.name == params.get("example")), None)
    text = params.get("query") or (example.text if example else "")
    context: dict[str, Any] = {"query": text, "examples": s.examples, "max_rows": s.max_rows,
                               "timeout": f"{s.query_timeout:g}", "results": None, "error": None}
    status = 200
    if params.get("query"):
        try:
            outcome = await s.pool.run(QueryJob(text, max_rows=s.max_rows, max_bytes=s.max_result_bytes,
                                                base_iri=s.base_iri + "/"))
        except QueryTimeout as timeout:
            outcome = Failure(f"Query timeout: {timeout}.", 503)
        except PoolBusy as busy:
            outcome = Failure(f"Busy: {busy}.", 503)
        if isinstance(outcome, Failure):
            context["error"], status = outcome.message, outcome.status
        else:
            context["results"] = pages.result_table(outcome, s.urls)
    return s.page("query.html", status=status, **context)


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"])
async def resource(request: Request, s: Endpoint, fmt: Negotiated, iri: RequestedIri) -> Response:
    path = request.url.path
    links = alternates(path, s.urls)
    if fmt is None:
        if path.startswith("/id/voorziening/"):
            context = await anyio.to_thread.run_sync(pages.voorziening, s.store, s.urls, iri, site.page_number(request))
            if context is not None:
                return s.page("voorziening.html", links=links, v=context)
        return await site.resource_page(request, s, iri, links)
    triples = await anyio.to_thread.run_sync(s.store.triples_about, iri)
    if not triples:
        return s.not_found(False, iri)
    html_link = f'<{path}>; rel="alternate"; type="text/html", ' + link_header(links)
    return fmt.response(triples, headers={"Vary": "Accept", "Link": html_link})


@router.api_route("/graph/{path:path}", methods=["GET", "HEAD"])
async def graph(request: Request, s: Endpoint, fmt: Negotiated, iri: RequestedIri) -> Response:
    if fmt is None:
        return await site.graph_page(request, s, iri)
    name = ox.NamedNode(iri)
    triples = [q.triple for q in s.store.store.quads_for_pattern(None, None, None, name)]
    if not triples:
        return s.not_found(False, name.value)
    return fmt.response(triples, headers={"Vary": "Accept"})


# -- SPARQL, downloads, catalogue ----------------------------------------------------------------

SPARQL_METHODS = ["GET", "HEAD", "POST"]


async def sparql_endpoint(request: Request) -> Response:
    """The SPARQL protocol, on a plain Starlette route that `create_app` puts first on the app's
    own router, not on `router`: every query passes through here, and the way a request takes
    to it was one of the larger parts of the web process's work for a small query.

    No FastAPI dependency is solved for it: solving them (`Endpoint` is one) also parses the
    whole query string once more, for query parameters this handler has none of; the handler
    reads `Served` from the app itself. And a route of an included router is matched twice
    (by the app, then by the router) through FastAPI's bookkeeping for included routers.
    """
    s: Served = request.app.state.served
    return await sparql.answer(request, s.pool, max_rows=s.max_rows, max_bytes=s.max_result_bytes,
                               base_iri=s.base_iri, graphs=s.graphs)


@router.api_route("/download/{name}", methods=["GET", "HEAD"])
async def download(request: Request, name: str, s: Endpoint) -> Response:
    path = s.data.parent / name
    if name not in DOWNLOADS or not path.is_file():
        return site.error_page(request, 404, f"Geen download {name!r}; wel: {', '.join(DOWNLOADS)}")
    return FileResponse(path, media_type=DOWNLOADS[name], filename=name, content_disposition_type="inline")


@router.api_route("/catalogus", methods=["GET", "HEAD"])
async def catalogue(s: Endpoint, fmt: Negotiated) -> Response:
    if fmt is None:
        return await site.catalogue_page(s)
    path = s.data.parent / CATALOGUE_FILE
    if fmt.name == "ttl" and path.is_file():
        return FileResponse(path, media_type="text/turtle", headers={"Vary": "Accept"})
    name = ox.NamedNode(s.base_iri + "/graph/catalogus")
    triples = [q.triple for q in s.store.store.quads_for_pattern(None, None, None, name)]
    return fmt.response(triples, headers={"Vary": "Accept"})
