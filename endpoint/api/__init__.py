"""A REST API by the NL GOV API Design Rules under `/api/v1`, beside SPARQL and on the same store.

`api_router(queries_dir)` is everything the app includes: the resources (`resources.py`), the
saved queries (`saved.py`) and the OpenAPI document with its docs (`docs.py`). It depends on the
app only through an `ApiContext` (`context.py`), its view of the app's `Served`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from .context import ApiContext
from .docs import PREFIX, docs_router
from .problems import ApiProblem, ApiRoute
from .resources import router as resources
from .saved import saved_query_router

__all__ = ["ApiContext", "PREFIX", "api_router"]


def api_router(queries_dir: Path) -> APIRouter:
    """The whole API, its paths under `PREFIX`; the saved queries are read from `queries_dir` now."""
    saved = saved_query_router(queries_dir)
    api = APIRouter(route_class=ApiRoute)
    api.include_router(resources)
    api.include_router(saved)
    api.include_router(docs_router([*resources.routes, *saved.routes]))

    @api.get("", include_in_schema=False)
    async def index() -> dict[str, dict[str, dict[str, str]]]:
        names = ("voorzieningen", "indicatoren", "edities", "bevindingen", "queries", "openapi.json", "docs")
        return {"_links": {name.split(".")[0]: {"href": f"{PREFIX}/{name}"} for name in names}}

    @api.get("/{rest:path}", include_in_schema=False)
    async def unknown(rest: str) -> None:
        raise ApiProblem(404, f"Er is geen bron {PREFIX}/{rest} in deze API.")

    outer = APIRouter()
    outer.include_router(api, prefix=PREFIX)
    return outer
