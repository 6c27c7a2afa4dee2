"""The web application: one place that registers every route and wires store, pool and pages.

`create_app(data)` opens the on-disk store of the TriG (or any RDF dump) read-only, building it
beside the data file first if it is missing or stale (see `store.py`), starts the query workers
when the app starts, and stops them when it stops. Views are thin: they negotiate, call
`pages` / `sparql`, and render a template or a response class from `protocol`.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import anyio.to_thread
import pyoxigraph as ox
from fastapi import FastAPI
from jinja2 import Environment, PackageLoader
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

from converter.settings import Settings, load_settings

from . import pages, site, site_pages, sparql
from .charts import dutch_number
from .values import dutch_date
from .examples import load_examples
from .headers import SecurityHeaders, server_error
from .limits import LimitRequestSize
from .pool import PoolBusy, QueryPool, QueryTimeout
from .protocol import (BYTE_LIMIT_HEADER, CUT_HEADER, GRAPH_FORMATS, LIMIT_HEADER, TRUNCATED_HEADER,
                       NotAcceptable, choose)
from .results import Failure, QueryJob
from .freshness import RefuseStaleData
from .store import LoadedStore, data_stamp
from .urls import Urls
from .vocab import CATALOGUE_FILE, DOWNLOADS, DUMPS

STATIC = Path(__file__).with_name("static")


def alternates(path: str, urls: Urls) -> list[dict[str, str]]:
    """The machine-readable forms of a page, for `<link rel=alternate>` and the Link header."""
    return [{"href": urls.alternate(path, fmt.name), "type": fmt.media_type, "name": fmt.name.upper()}
            for fmt in GRAPH_FORMATS]


def link_header(links: list[dict[str, str]]) -> str:
    return ", ".join(f'<{link["href"]}>; rel="alternate"; type="{link["type"]}"' for link in links)


def create_app(
    data: Path,
    *,
    settings: Settings | None = None,
    query_timeout: float = 30.0,
    max_rows: int = 10000,
    max_result_bytes: int = 10_000_000,
    max_request_bytes: int = 1_000_000,
    query_workers: int = 2,
    short_workers: int = 1,
    short_budget: float = 0.25,
    query_memory_mb: int = 1024,
    in_memory: bool = False,
) -> FastAPI:
    """The endpoint over `data` (a TriG dump; downloads are served from its folder).

    By default the data is served from the on-disk store beside it (built if missing or
    stale) that every process opens read-only; `in_memory` loads it into this process instead
    and forks the query workers from it (see `pool.py`).

    The limits: `query_timeout` seconds, `query_memory_mb` above a worker's start size, results
    cut at `max_rows` rows or `max_result_bytes` bytes of terms, requests up to
    `max_request_bytes`; `query_workers` for long queries and `short_workers` in the short lane,
    which runs a query for `short_budget` seconds at most (see `QueryPool`).
    """
    settings = settings or load_settings()
    data = Path(data).resolve()
    urls = Urls(settings.base_iri)
    stamp = data_stamp(data) if data.is_file() else ""  # first: a file replaced while loading is stale
    loaded = LoadedStore.in_memory(data) if in_memory else LoadedStore.load(data)
    graphs = sorted(g.value for g in loaded.store.named_graphs() if isinstance(g, ox.NamedNode))
    examples = load_examples(settings.queries_dir)
    pool = QueryPool(loaded.source, query_workers, query_timeout, short_size=short_workers,
                     short_budget=short_budget, memory_bytes=query_memory_mb * 2**20)
    templates = Environment(loader=PackageLoader("endpoint", "templates"), autoescape=True)
    templates.globals.update(urls=urls, editor=site.EDITOR.is_dir())
    templates.filters.update(nl=dutch_number, datum=dutch_date)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            pool.close()
            loaded.close()

    app = FastAPI(title="Monitor Digitale Overheid", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.store, app.state.pool, app.state.urls = loaded, pool, urls
    app.state.templates, app.state.settings, app.state.data = templates, settings, data

    def page(template: str, *, status: int = 200, links: list[dict[str, str]] | None = None,
             **context: Any) -> HTMLResponse:
        html = templates.get_template(template).render(alternates=links or [], **context)
        headers = {"Vary": "Accept"}
        if links:
            headers["Link"] = link_header(links)
        return HTMLResponse(html, status_code=status, headers=headers)

    def bad_iri(wants_html: bool, iri: str) -> Response | None:
        """A 400 when the path does not make an IRI (a space, a byte that is not UTF-8); else None."""
        try:
            ox.NamedNode(iri)
        except ValueError:
            message = f"{iri!r} is geen geldige IRI."
            if wants_html:
                return page("error.html", status=400, status_text="Ongeldig verzoek", message=message)
            return PlainTextResponse(message + "\n", status_code=400)
        return None

    def not_found(wants_html: bool, what: str) -> Response:
        message = f"{what} staat niet in deze dataset."
        if wants_html:
            return page("error.html", status=404, status_text="Niet gevonden", message=message)
        return PlainTextResponse(message + "\n", status_code=404)

    # -- pages -----------------------------------------------------------------------------
    async def home(request: Request) -> Response:
        context = await anyio.to_thread.run_sync(pages.home, loaded, urls)
        links = [{"href": "/catalogus", "type": "text/turtle", "name": "DCAT"},
                 {"href": urls.download("mdo.trig"), "type": DUMPS["mdo.trig"], "name": "TriG"}]
        return page("home.html", links=links, served=site_pages.served(loaded), **context)

    async def query_page(request: Request) -> Response:
        params = request.query_params
        example = next((e for e in examples if e.name == params.get("example")), None)
        text = params.get("query") or (example.text if example else "")
        context: dict[str, Any] = {"query": text, "examples": examples, "max_rows": max_rows,
                                   "timeout": f"{query_timeout:g}", "results": None, "error": None}
        status = 200
        if params.get("query"):
            try:
                outcome = await pool.run(QueryJob(text, max_rows=max_rows, max_bytes=max_result_bytes,
                                                  base_iri=settings.base_iri + "/"))
            except QueryTimeout as timeout:
                outcome = Failure(f"Query timeout: {timeout}.", 503)
            except PoolBusy as busy:
                outcome = Failure(f"Busy: {busy}.", 503)
            if isinstance(outcome, Failure):
                context["error"], status = outcome.message, outcome.status
            else:
                context["results"] = pages.result_table(outcome, urls)
        return page("query.html", status=status, **context)

    async def resource(request: Request) -> Response:
        path = request.url.path
        iri = urls.iri_for_path(path)
        try:
            fmt = choose(GRAPH_FORMATS, request.headers.get("accept"), request.query_params.get("format"), html=True)
        except NotAcceptable as problem:
            return PlainTextResponse(str(problem) + "\n", status_code=406)
        invalid = bad_iri(fmt is None, iri)
        if invalid is not None:
            return invalid
        links = alternates(path, urls)
        if fmt is None:
            if path.startswith("/id/voorziening/"):
                context = await anyio.to_thread.run_sync(pages.voorziening, loaded, urls, iri)
                if context is not None:
                    return page("voorziening.html", links=links, v=context)
            return await site.resource_page(request, iri, links)
        triples = await anyio.to_thread.run_sync(loaded.triples_about, iri)
        if not triples:
            return not_found(False, iri)
        html_link = f'<{path}>; rel="alternate"; type="text/html", ' + link_header(links)
        return fmt.response(triples, headers={"Vary": "Accept", "Link": html_link})

    async def graph(request: Request) -> Response:
        iri = urls.iri_for_path(request.url.path)
        try:
            fmt = choose(GRAPH_FORMATS, request.headers.get("accept"), request.query_params.get("format"), html=True)
        except NotAcceptable as problem:
            return PlainTextResponse(str(problem) + "\n", status_code=406)
        invalid = bad_iri(fmt is None, iri)
        if invalid is not None:
            return invalid
        if fmt is None:
            return await site.graph_page(request, iri)
        name = ox.NamedNode(iri)
        triples = [q.triple for q in loaded.store.quads_for_pattern(None, None, None, name)]
        if not triples:
            return not_found(False, name.value)
        return fmt.response(triples, headers={"Vary": "Accept"})

    # -- SPARQL, downloads, catalogue ------------------------------------------------------
    async def sparql_endpoint(request: Request) -> Response:
        return await sparql.answer(request, pool, max_rows=max_rows, max_bytes=max_result_bytes,
                                   base_iri=settings.base_iri, graphs=graphs)

    async def download(request: Request) -> Response:
        name = request.path_params["name"]
        path = data.parent / name
        if name not in DOWNLOADS or not path.is_file():
            return site.error_page(request, 404, f"Geen download {name!r}; wel: {', '.join(DOWNLOADS)}")
        return FileResponse(path, media_type=DOWNLOADS[name], filename=name, content_disposition_type="inline")

    async def catalogue(request: Request) -> Response:
        try:
            fmt = choose(GRAPH_FORMATS, request.headers.get("accept"), request.query_params.get("format"), html=True)
        except NotAcceptable as problem:
            return PlainTextResponse(str(problem) + "\n", status_code=406)
        if fmt is None:
            return await site.catalogue_page(request)
        path = data.parent / CATALOGUE_FILE
        if fmt.name == "ttl" and path.is_file():
            return FileResponse(path, media_type="text/turtle", headers={"Vary": "Accept"})
        name = ox.NamedNode(settings.base_iri + "/graph/catalogus")
        triples = [q.triple for q in loaded.store.quads_for_pattern(None, None, None, name)]
        return fmt.response(triples, headers={"Vary": "Accept"})

    app.add_route("/", home, methods=["GET"])
    app.add_route("/query", query_page, methods=["GET"])
    app.add_route("/sparql", sparql_endpoint, methods=["GET", "POST"])
    app.add_route("/id/{path:path}", resource, methods=["GET"])
    app.add_route("/graph/{path:path}", graph, methods=["GET"])
    app.add_route("/download/{name}", download, methods=["GET"])
    app.add_route("/catalogus", catalogue, methods=["GET"])
    if site.EDITOR.is_dir():
        app.mount("/static/editor", StaticFiles(directory=site.EDITOR), name="editor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(site.router)

    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(HTTPException, site.http_error)
    app.add_middleware(LimitRequestSize, max_bytes=max_request_bytes)
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["*"],
        expose_headers=[LIMIT_HEADER, BYTE_LIMIT_HEADER, TRUNCATED_HEADER, CUT_HEADER, "Warning", "Link"],
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RefuseStaleData, data=data, stamp=stamp)
    app.add_middleware(SecurityHeaders)  # the outermost: every answer gets the headers
    return app
