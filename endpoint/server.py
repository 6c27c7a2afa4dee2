"""Run the endpoint with uvicorn: `serve(data)` is what `mdo serve` calls.

With several uvicorn workers each process builds its own app (and store) through the factory
below, since uvicorn can only fork an app it can import by name.
"""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from .app import create_app

_DATA_ENV = "MDO_ENDPOINT_DATA"
_TIMEOUT_ENV = "MDO_ENDPOINT_QUERY_TIMEOUT"


def app_from_environment() -> FastAPI:
    """The app factory uvicorn's worker processes call (settings come from the environment)."""
    return create_app(Path(os.environ[_DATA_ENV]), query_timeout=float(os.environ.get(_TIMEOUT_ENV, "30")))


def serve(data: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          query_timeout: float = 30.0) -> None:
    """Serve `data` on host:port until interrupted."""
    if workers > 1:
        os.environ[_DATA_ENV] = str(Path(data).resolve())
        os.environ[_TIMEOUT_ENV] = str(query_timeout)
        uvicorn.run("endpoint.server:app_from_environment", factory=True, host=host, port=port, workers=workers)
        return
    uvicorn.run(create_app(Path(data), query_timeout=query_timeout), host=host, port=port)
