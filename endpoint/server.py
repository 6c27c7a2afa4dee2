"""Run the endpoint with uvicorn: `serve(data)` is what `mdo serve` calls.

The on-disk store is built once, here, before any worker starts (beside the data file, see
`store.py`); every uvicorn worker then builds its app through the factory below (uvicorn can
only fork an app it can import by name) and opens that same store read-only, as do its query
workers. N workers share one copy of the data, not N. With `in_memory`, each uvicorn worker
holds one copy in memory instead, shared with the query workers it forks.
"""

from __future__ import annotations

import inspect
import os
import socket
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from .app import create_app
from .store import ensure_store

_DATA_ENV = "MDO_ENDPOINT_DATA"
_TIMEOUT_ENV = "MDO_ENDPOINT_QUERY_TIMEOUT"
_MEMORY_ENV = "MDO_ENDPOINT_IN_MEMORY"

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


def app_from_environment() -> FastAPI:
    """The app factory uvicorn's worker processes call (settings come from the environment)."""
    return create_app(Path(os.environ[_DATA_ENV]), query_timeout=float(os.environ.get(_TIMEOUT_ENV, "30")),
                      in_memory=os.environ.get(_MEMORY_ENV) == "1", **limits_from_environment(APP_LIMITS))  # type: ignore[arg-type]


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


class NoDelayConfig(uvicorn.Config):
    """uvicorn's settings, with Nagle's algorithm off on the shared listening socket.

    With several workers uvicorn binds the socket itself as `socket.socket(family)`, whose
    protocol number is 0, so asyncio does not recognise its connections as TCP and leaves
    TCP_NODELAY off. A response written in two parts (head, then body) then waits for the
    client's delayed ACK: about 40 ms on every request of a kept-alive connection. Linux copies
    TCP_NODELAY from the listening socket to each accepted one, so setting it here is enough.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def server_config(app: FastAPI | str, *, keep_alive: float = KEEP_ALIVE_SECONDS,
                  max_connections: int = MAX_CONNECTIONS, **options: object) -> NoDelayConfig:
    """uvicorn's settings for the endpoint: connection hygiene and Nagle off.

    `keep_alive`: an idle connection (before its first request or between requests) is
    closed after this many seconds. `max_connections`: beyond this many open connections or
    requests in progress a uvicorn process answers 503 at once (uvicorn's `limit_concurrency`).
    """
    return NoDelayConfig(app, http=IdleTimeoutProtocol, timeout_keep_alive=keep_alive,  # type: ignore[arg-type]
                         limit_concurrency=max_connections, **options)  # type: ignore[arg-type]


def _supervisor(config: uvicorn.Config, sock: socket.socket) -> Multiprocess:
    """uvicorn's supervisor of several worker processes, as `uvicorn.run` makes it.

    Before uvicorn 0.36 or so it also took the server's `run` as `target`; both forms work.
    """
    if "target" in inspect.signature(Multiprocess).parameters:
        return Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock])  # type: ignore[call-arg]
    return Multiprocess(config, sockets=[sock])


def serve(data: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          query_timeout: float = 30.0, in_memory: bool = False) -> None:
    """Serve `data` on host:port until interrupted; with `workers` > 1, that many uvicorn processes.

    `in_memory`: each uvicorn process loads the data into memory and forks its query workers
    from it, instead of all of them opening the on-disk store. The limits (`APP_LIMITS`,
    `SERVER_LIMITS`) come from the environment; a bad one raises `LimitError` before anything starts.
    """
    data = Path(data).resolve()
    app_limits, server_limits = limits_from_environment(APP_LIMITS), limits_from_environment(SERVER_LIMITS)
    if not in_memory:
        ensure_store(data)  # once, before the workers: they only open it read-only
    if workers > 1:
        os.environ[_DATA_ENV] = str(data)
        os.environ[_TIMEOUT_ENV] = str(query_timeout)
        os.environ[_MEMORY_ENV] = "1" if in_memory else "0"
        config = server_config("endpoint.server:app_from_environment", factory=True, host=host, port=port,
                               workers=workers, **server_limits)  # type: ignore[arg-type]
        _supervisor(config, config.bind_socket()).run()
        return
    app = create_app(data, query_timeout=query_timeout, in_memory=in_memory, **app_limits)  # type: ignore[arg-type]
    uvicorn.Server(server_config(app, host=host, port=port, **server_limits)).run()  # type: ignore[arg-type]
