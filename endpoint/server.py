"""Run the endpoint with uvicorn: `serve(data)` is what `mdo serve` calls.

The on-disk store is built once, here, before any worker starts (beside the data file, see
`store.py`); every uvicorn worker then builds its app through the factory below (uvicorn can
only fork an app it can import by name) and opens that same store read-only, as do its query
workers. N workers share one copy of the data, not N.
"""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from .app import create_app
from .store import ensure_store

_DATA_ENV = "MDO_ENDPOINT_DATA"
_TIMEOUT_ENV = "MDO_ENDPOINT_QUERY_TIMEOUT"


def app_from_environment() -> FastAPI:
    """The app factory uvicorn's worker processes call (settings come from the environment)."""
    return create_app(Path(os.environ[_DATA_ENV]), query_timeout=float(os.environ.get(_TIMEOUT_ENV, "30")))


def serve(data: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          query_timeout: float = 30.0) -> None:
    """Serve `data` on host:port until interrupted; with `workers` > 1, that many uvicorn processes."""
    data = Path(data).resolve()
    ensure_store(data)  # once, before the workers: they only open it read-only
    if workers > 1:
        os.environ[_DATA_ENV] = str(data)
        os.environ[_TIMEOUT_ENV] = str(query_timeout)
        uvicorn.run("endpoint.server:app_from_environment", factory=True, host=host, port=port, workers=workers)
        return
    uvicorn.run(create_app(data, query_timeout=query_timeout), host=host, port=port)
