"""Run the endpoint with uvicorn: `serve(data)` is what `mdo serve` calls.

One uvicorn process serves the pages and hands every query to the query workers of its pool
(`pool.py`): the queries, not the web process, are what take the CPU, so more capacity is
more query workers (`--query-workers`), not more web processes. The on-disk store is built
once, here, beside the data file (see `store.py`); the query workers open it read-only.
"""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from endpoint.app import create_app
from endpoint.store import ensure_store

KEEP_ALIVE_SECONDS = 5
MAX_CONNECTIONS = 1000


class IdleTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with the keep-alive timeout running from the connection's start.

    uvicorn starts that timer only after a response, so a connection that never sends a request
    is held for ever; here it is closed after the same idle time as a kept-alive one.

    The parser is httptools (llhttp, Node's C parser), not h11: every request passes through
    it, and h11's pure Python was one of the larger parts of the web process's work per query.
    """

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def, override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)


def server_config(app: FastAPI | str, *, keep_alive: float = KEEP_ALIVE_SECONDS,
                  max_connections: int = MAX_CONNECTIONS, access_log: bool = False,
                  **options: object) -> uvicorn.Config:
    """uvicorn's settings for the endpoint: connection hygiene.

    `keep_alive`: an idle connection (before its first request or between requests) is
    closed after this many seconds. `max_connections`: beyond this many open connections or
    requests in progress a uvicorn process answers 503 at once (uvicorn's `limit_concurrency`).

    `access_log`: a line per request on the console. Off unless asked for: uvicorn formats it
    through `logging` on the event loop every request passes through, a large part of the web
    process's work for a small query, and an endpoint on the internet usually has a reverse
    proxy in front that logs the requests already.
    """
    return uvicorn.Config(app, http=IdleTimeoutProtocol, loop="uvloop", timeout_keep_alive=keep_alive,  # type: ignore[arg-type]
                         limit_concurrency=max_connections, access_log=access_log, **options)  # type: ignore[arg-type]


def serve(data: Path, *, base_iri: str, queries_dir: Path, host: str = "127.0.0.1", port: int = 8000,
          query_timeout: float = 30.0, in_memory: bool = False, **limits: object) -> None:
    """Serve `data` on host:port until interrupted.

    `in_memory`: the data is loaded into this process and the query workers are forked from
    it, instead of all of them opening the on-disk store. `limits`: keywords of `create_app`
    and `server_config` (`keep_alive`, `max_connections`, `access_log`); `mdo serve` reads them from the
    environment and its options (`mdo.settings.endpoint_limits`).
    """
    data = Path(data).resolve()
    server_keys = ("keep_alive", "max_connections", "access_log")
    server_limits = {k: v for k, v in limits.items() if k in server_keys}
    app_limits = {k: v for k, v in limits.items() if k not in server_keys}
    if not in_memory:
        ensure_store(data)
    app = create_app(data, base_iri=base_iri, queries_dir=queries_dir, query_timeout=query_timeout,
                     in_memory=in_memory, **app_limits)  # type: ignore[arg-type]
    uvicorn.Server(server_config(app, host=host, port=port, **server_limits)).run()  # type: ignore[arg-type]
