"""The web application: the routes of `routes.py` over one store and one query pool.

`create_app(data, ...)` opens the on-disk store of the TriG (or any RDF dump) read-only, building
it beside the data file first if it is missing or stale (see `store.py`), and puts what the
handlers need on the app (`app.state.served`, handed to them as a dependency). The query
workers start when the app starts and stop when it stops. The middleware, from the outside in:
security headers on every answer, CORS, the request size limit.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import anyio.to_thread
import pyoxigraph as ox
from fastapi import FastAPI
from jinja2 import Environment, PackageLoader
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from endpoint.api import api_router
from endpoint.api.problems import VERSION_HEADER
from endpoint import site
from endpoint.charts import dutch_number
from endpoint.examples import load_examples
from endpoint.freshness import RefuseStaleData
from endpoint.headers import SecurityHeaders, server_error
from endpoint.limits import LimitRequestSize
from endpoint.pool import QueryPool
from endpoint.protocol import BYTE_LIMIT_HEADER, CUT_HEADER, LIMIT_HEADER, TRUNCATED_HEADER
from endpoint.routes import SPARQL_METHODS, router, sparql_endpoint
from endpoint.served import Answered, Served, answered
from endpoint.store import LoadedStore, data_stamp
from endpoint.urls import Urls
from endpoint.values import dutch_date

STATIC = Path(__file__).with_name("static")


def create_app(
    data: Path,
    *,
    base_iri: str,
    queries_dir: Path,
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
    """The endpoint over `data` (a TriG dump; downloads are served from its folder), its IRIs
    under `base_iri`, the example queries from `queries_dir`.

    By default the data is served from the on-disk store beside it (built if missing or
    stale) that every query worker opens read-only; `in_memory` loads it into this process
    instead and forks the query workers from it (see `pool.py`).

    The limits: `query_timeout` seconds, `query_memory_mb` above a worker's start size, results
    cut at `max_rows` rows or `max_result_bytes` bytes of terms, requests up to
    `max_request_bytes`; `query_workers` for long queries and `short_workers` in the short lane,
    which runs a query for `short_budget` seconds at most (see `QueryPool`).
    """
    data = Path(data).resolve()
    urls = Urls(base_iri)
    stamp = data_stamp(data) if data.is_file() else ""  # first: a file replaced while loading is stale
    loaded = LoadedStore.in_memory(data) if in_memory else LoadedStore.load(data)
    pool = QueryPool(loaded.source, query_workers, query_timeout, short_size=short_workers,
                     short_budget=short_budget, memory_bytes=query_memory_mb * 2**20)
    templates = Environment(loader=PackageLoader("endpoint", "templates"), autoescape=True)
    templates.globals.update(urls=urls, editor=site.EDITOR.is_dir())
    templates.filters.update(nl=dutch_number, datum=dutch_date)
    served = Served(data=data, store=loaded, pool=pool, urls=urls, base_iri=base_iri,
                    examples=load_examples(queries_dir), query_timeout=query_timeout, max_rows=max_rows,
                    max_result_bytes=max_result_bytes, templates=templates,
                    graphs=sorted(g.value for g in loaded.store.named_graphs() if isinstance(g, ox.NamedNode)))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            pool.close()
            loaded.close()

    # No generated docs for the whole app: the REST API under /api/v1 has its own (endpoint/api/docs.py),
    # served without a CDN, which the security headers forbid.
    app = FastAPI(title="Monitor Digitale Overheid", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.served = served
    app.add_route("/sparql", sparql_endpoint, methods=SPARQL_METHODS)  # first, on the app itself: see its docstring
    app.include_router(router)
    app.include_router(api_router(queries_dir))
    app.include_router(site.router)
    if site.EDITOR.is_dir():
        app.mount("/static/editor", StaticFiles(directory=site.EDITOR), name="editor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(HTTPException, site.http_error)
    app.add_exception_handler(Answered, answered)
    app.add_middleware(LimitRequestSize, max_bytes=max_request_bytes)
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["*"],
        expose_headers=[LIMIT_HEADER, BYTE_LIMIT_HEADER, TRUNCATED_HEADER, CUT_HEADER, "Warning", "Link",
                        VERSION_HEADER],
    )
    # Level 3, not Starlette's 9: on the JSON results of the example queries level 9 took several
    # times as long, on the web process every request passes through, for a body only somewhat
    # smaller (level 3 already shrinks such JSON many times; figures in the commit message).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=3)
    app.add_middleware(RefuseStaleData, data=data, stamp=stamp)
    app.add_middleware(SecurityHeaders)  # the outermost: every answer gets the headers
    return app
