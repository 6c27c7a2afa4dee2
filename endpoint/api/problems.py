"""Errors as `application/problem+json` (RFC 9457), and the route class that makes every answer carry them.

The NL GOV API Design Rules ask for problem details on every error and an `API-Version` header on
every answer. FastAPI registers exception handlers on the app, not on a router; this module keeps
the API self-contained instead: `ApiRoute` (the router's route class) turns whatever a handler or
FastAPI's own parameter checks raise into a problem response, and stamps the version on all.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Coroutine

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

API_VERSION = "1.0.0"
MAJOR = "v" + API_VERSION.split(".")[0]
PROBLEM_JSON = "application/problem+json"
VERSION_HEADER = "API-Version"

TITLES = {400: "Ongeldige vraag", 404: "Niet gevonden", 405: "Methode niet toegestaan",
          406: "Formaat niet beschikbaar", 500: "Interne fout", 503: "Tijdelijk niet beschikbaar"}


class Problem(BaseModel):
    """Problem details (RFC 9457): what went wrong, for a person and for a program."""

    type: str = Field("about:blank", description="Een URI die het soort probleem aanduidt.")
    title: str = Field(description="Korte omschrijving van het soort probleem.", examples=["Niet gevonden"])
    status: int = Field(description="De HTTP-statuscode.", examples=[404])
    detail: str = Field(description="Wat er bij deze vraag misging.",
                        examples=["Er is geen voorziening met id 'onbekend'."])
    instance: str | None = Field(None, description="Het pad van de vraag.", examples=["/api/v1/voorzieningen/onbekend"])


class ApiProblem(Exception):
    """An answer that is an error: raise it anywhere under a handler of the API."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def problem_response(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    body = Problem(title=TITLES.get(status, "Fout"), status=status, detail=detail, instance=request.url.path)
    return Response(json.dumps(body.model_dump(), ensure_ascii=False), status_code=status, media_type=PROBLEM_JSON,
                    headers={VERSION_HEADER: API_VERSION, **(headers or {})})


def _validation_detail(error: RequestValidationError) -> str:
    """The first failed check, naming the parameter: `pagina: ...`."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())[1:]) or "vraag"
        parts.append(f"{where}: {item.get('msg', 'ongeldig')}")
    return "; ".join(parts) or "De vraag is ongeldig."


class ApiRoute(APIRoute):
    """A route whose every answer carries `API-Version` and whose every error is problem+json."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A method the route does not have: 405 as a problem, with `Allow`."""
        if self.methods and scope["method"] not in self.methods:
            allow = ", ".join(sorted(self.methods))
            response = problem_response(Request(scope), 405, f"{scope['method']} is hier niet mogelijk; wel: {allow}.",
                                        {"Allow": allow})
            await response(scope, receive, send)
            return
        await super().handle(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                response = await handler(request)
            except ApiProblem as problem:
                return problem_response(request, problem.status, problem.detail, problem.headers)
            except RequestValidationError as error:
                return problem_response(request, 400, _validation_detail(error))
            except HTTPException as error:
                return problem_response(request, error.status_code, str(error.detail), dict(error.headers or {}))
            response.headers.setdefault(VERSION_HEADER, API_VERSION)
            return response

        return answer


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entries for these error statuses, each a problem+json."""
    return {status: {"model": Problem, "description": TITLES.get(status, "Fout"),
                     "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in statuses}
