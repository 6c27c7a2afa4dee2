"""The OpenAPI document of the API and its interactive docs, without a CDN.

The document is FastAPI's, generated from the API's own routes (so the pages and `/sparql` stay
out of it), then brought in line with the NL GOV API Design Rules: the major version in
`servers`, the contact of the data set, `API-Version` declared on every 2xx/3xx answer, and only
problem+json on errors (FastAPI's 422 answers go; the API answers 400). Swagger UI comes from the
`swagger-ui-bundle-v2` package and is served from here; its start script is a file too, as the
Content-Security-Policy allows no inline script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import APIRouter, Depends
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

from ..store import python_value
from .context import ApiContext, api_context
from .problems import API_VERSION, MAJOR, PROBLEM_JSON, VERSION_HEADER, ApiProblem, ApiRoute
from .templates import query

PREFIX = f"/api/{MAJOR}"
STATIC = Path(__file__).with_name("static")
ASSETS: dict[str, Path] = {
    "swagger-ui.css": Path(swagger_ui_bundle.swagger_ui_path) / "swagger-ui.css",
    "swagger-ui-bundle.js": Path(swagger_ui_bundle.swagger_ui_path) / "swagger-ui-bundle.js",
    "swagger-init.js": STATIC / "swagger-init.js",
}
DESCRIPTION = (
    "De cijfers van de Monitor Digitale Overheid (ICTU) als REST API, naast het SPARQL-eindpunt `/sparql`: "
    "dezelfde gegevens, met dezelfde grenzen. Elke bron heeft zijn IRI (`id`) en links naar zijn linked-data-pagina. "
    "JSON, of CSV met `?format=csv` of `Accept: text/csv`. Lijsten in pagina's (`pagina`, `paginaGrootte`)."
)
VERSION_HEADER_SPEC = {"description": "De volledige versie van de API.", "schema": {"type": "string", "example": API_VERSION}}
_PAGES = Environment(loader=PackageLoader("endpoint.api", "templates"), autoescape=True)


def document(routes: list[Any], contact: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI document of `routes` (paths without the prefix, which `servers` holds)."""
    spec = get_openapi(title="Monitor Digitale Overheid API", version=API_VERSION, description=DESCRIPTION,
                       routes=[r for r in routes if isinstance(r, APIRoute)], servers=[{"url": PREFIX}],
                       contact=contact, license_info={"name": "CC0 1.0", "identifier": "CC0-1.0"})
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            for status, response in responses.items():
                if status.startswith(("2", "3")):
                    response.setdefault("headers", {})[VERSION_HEADER] = VERSION_HEADER_SPEC
                elif status.startswith(("4", "5")):
                    response["content"] = {PROBLEM_JSON: response.get("content", {}).get(
                        PROBLEM_JSON, {"schema": {"$ref": "#/components/schemas/Problem"}})}
    schemas = spec.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return spec


async def _contact(ctx: ApiContext) -> dict[str, str]:
    rows = await ctx.select(query("contact"))
    if not rows:
        raise ApiProblem(500, "De dataset heeft geen contactpunt (dcat:contactPoint).")
    email = str(python_value(rows[0]["email"]))
    return {"name": str(python_value(rows[0]["naam"])), "url": ctx.base_iri + "/",
            "email": email.removeprefix("mailto:")}


def docs_router(api_routes: list[Any]) -> APIRouter:
    """`/openapi.json`, `/docs` and the docs' files, for the API made of `api_routes`."""
    router = APIRouter(route_class=ApiRoute, include_in_schema=False)

    @router.get("/openapi.json")
    async def openapi(ctx: ApiContext = Depends(api_context)) -> Response:
        return JSONResponse(document(api_routes, await _contact(ctx)))

    @router.get("/docs")
    async def docs(request: Request) -> Response:
        html = _PAGES.get_template("docs.html").render(prefix=PREFIX)
        return HTMLResponse(html)

    @router.get("/docs/{name}")
    async def asset(name: str) -> Response:
        path = ASSETS.get(name)
        if path is None:
            raise ApiProblem(404, f"Er is geen bestand {name!r} bij de documentatie.")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=86400"})

    return router
