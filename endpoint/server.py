"""Run the endpoint with uvicorn: `serve(data)` is what `mdo serve` calls.

One uvicorn process serves the pages and hands every query to the query workers of its pool
(`pool.py`): the queries, not the web process, are what take the CPU, so more capacity is
more query workers (`--query-workers`), not more web processes. The on-disk store is built
once, here, beside the data file (see `store.py`); the query workers open it read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from endpoint.app import create_app
from endpoint.store import ensure_store

# The limits an operator sets through the environment: variable -> (create_app keyword, type).
# Their defaults are create_app's; the README's security section lists them.
APP_LIMITS: dict[str, tuple[str, type]] = {
    "MDO_QUERY_WORKERS": ("query_workers", int),
    "MDO_SHORT_WORKERS": ("short_workers", int),
    "MDO_SHORT_BUDGET": ("short_budget", float),
    "MDO_QUERY_MEMORY_MB": ("query_memory_mb", int),
    "MDO_MAX_ROWS": ("max_rows", int),
    "MDO_MAX_RESULT_BYTES": ("max_result_bytes", int),
    "MDO_MAX_REQUEST_BYTES": ("max_request_bytes", int),
}
SERVER_LIMITS: dict[str, tuple[str, type]] = {
    "MDO_KEEP_ALIVE": ("keep_alive", float),
    "MDO_MAX_CONNECTIONS": ("max_connections", int),
}


class LimitError(ValueError):
    """A limit in the environment is not a number of the right kind; the message names it."""


def limits_from_environment(table: dict[str, tuple[str, type]]) -> dict[str, object]:
    """The keywords for the limits set in the environment (those not set keep their defaults)."""
    found: dict[str, object] = {}
    for variable, (keyword, kind) in table.items():
        text = os.environ.get(variable)
        if text is None:
            continue
        try:
            value = kind(text)
        except ValueError:
            raise LimitError(f"{variable}={text!r}: expected {'an integer' if kind is int else 'a number'}") from None
        if value <= 0 and variable != "MDO_SHORT_WORKERS":
            raise LimitError(f"{variable}={text!r}: must be above 0")
        found[keyword] = value
    return found


KEEP_ALIVE_SECONDS = 5
MAX_CONNECTIONS = 1000


class IdleTimeoutProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with the keep-alive timeout running from the connection's start.

    uvicorn starts that timer only after a response, so a connection that never sends a request
    is held for ever; here it is closed after the same idle time as a kept-alive one.
    """

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def, override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)


def server_config(app: FastAPI | str, *, keep_alive: float = KEEP_ALIVE_SECONDS,
                  max_connections: int = MAX_CONNECTIONS, **options: object) -> uvicorn.Config:
    """uvicorn's settings for the endpoint: connection hygiene.

    `keep_alive`: an idle connection (before its first request or between requests) is
    closed after this many seconds. `max_connections`: beyond this many open connections or
    requests in progress a uvicorn process answers 503 at once (uvicorn's `limit_concurrency`).
    """
    return uvicorn.Config(app, http=IdleTimeoutProtocol, timeout_keep_alive=keep_alive,  # type: ignore[arg-type]
                         limit_concurrency=max_connections, **options)  # type: ignore[arg-type]


def serve(data: Path, *, base_iri: str, queries_dir: Path, host: str = "127.0.0.1", port: int = 8000,
          query_timeout: float = 30.0, in_memory: bool = False, **limits: object) -> None:
    """Serve `data` on host:port until interrupted.

    `in_memory`: the data is loaded into this process and the query workers are forked from
    it, instead of all of them opening the on-disk store. The limits (`APP_LIMITS`,
    `SERVER_LIMITS`) come from the environment, overridden by `limits` (e.g. the CLI's
    `--query-workers`); a bad one raises `LimitError` before anything starts.
    """
    data = Path(data).resolve()
    app_limits = {**limits_from_environment(APP_LIMITS), **{k: v for k, v in limits.items() if v is not None}}
    server_limits = limits_from_environment(SERVER_LIMITS)
    if not in_memory:
        ensure_store(data)
    app = create_app(data, base_iri=base_iri, queries_dir=queries_dir, query_timeout=query_timeout,
                     in_memory=in_memory, **app_limits)  # type: ignore[arg-type]
    uvicorn.Server(server_config(app, host=host, port=port, **server_limits)).run()  # type: ignore[arg-type]
