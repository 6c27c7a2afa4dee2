"""The example queries of `queries/*.rq` as an API: listed at `/queries`, each callable by name.

Like TriplyDB's saved queries (and grlc's), a query file is the whole definition: its title and
description come from its header (`examples.py`), and so do its parameters, one line each:

    # parameter: voorziening = "digid" De notatie van de voorziening.

says that the string literal `"digid"` in the query is the parameter `voorziening`, with that as
its default. A request's value replaces that one literal as a literal (pyoxigraph writes it,
escaped), so it can change what the query matches but never what the query says. A file whose
declared literal is not in its query exactly once is refused at start, naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Coroutine

import pyoxigraph as ox
from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from ..examples import Example, ExampleError, load_examples
from ..protocol import limit_headers, term_csv
from ..store import python_value
from .context import ApiContext, api_context
from .listing import CSV_RESPONSE, Page, output_format, page, page_links, table_response
from .models import QueryAntwoord, QueryLijst
from .problems import ApiProblem, ApiRoute, problem_responses

API = "/api/v1"
MAX_VALUE = 200
_PARAMETER = re.compile(r'^#\s*parameter:\s*(\S+)\s*=\s*("(?:[^"\\\n]|\\.)*")\s*(.*?)\s*$')
_FILE_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NAME = re.compile(r"^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$")  # lowerCamelCase, as the API Design Rules ask


@dataclass(frozen=True)
class Parameter:
    name: str
    literal: str  # as written in the query, quotes included
    default: str
    description: str


@dataclass(frozen=True)
class SavedQuery:
    example: Example
    parameters: tuple[Parameter, ...]

    @property
    def name(self) -> str:
        return self.example.name

    def text(self, values: dict[str, str]) -> str:
        """The query with each parameter's literal replaced by the value asked (or kept)."""
        head, body = _header(self.example.text)
        for parameter in self.parameters:
            value = values.get(parameter.name)
            if value is not None:
                body = body.replace(parameter.literal, str(ox.Literal(value)), 1)
        return head + body


def _header(text: str) -> tuple[str, str]:
    """The leading comment lines and the rest."""
    lines = text.splitlines(keepends=True)
    count = next((n for n, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[:count]), "".join(lines[count:])


def parse_parameters(example: Example, path: Path) -> SavedQuery:
    if not _FILE_NAME.match(example.name):
        raise ExampleError(f"{path}: the name must be lower case words and digits joined by '-' (it is a path)")
    header, body = _header(example.text)
    parameters = []
    for line in header.splitlines():
        match = _PARAMETER.match(line)
        if line.startswith("# parameter:") and not match:
            raise ExampleError(f"{path}: expected '# parameter: name = \"value\" description', got {line!r}")
        if match:
            name, literal, description = match.groups()
            if not _NAME.match(name):
                raise ExampleError(f"{path}: parameter {name!r} is not lowerCamelCase")
            if body.count(literal) != 1:
                raise ExampleError(f"{path}: parameter {name!r} stands for {literal}, which the query holds "
                                   f"{body.count(literal)} times instead of once")
            parameters.append(Parameter(name, literal, literal[1:-1].replace('\\"', '"').replace("\\\\", "\\"),
                                        description))
    return SavedQuery(example, tuple(parameters))


def load_saved_queries(directory: Path) -> list[SavedQuery]:
    return [parse_parameters(example, directory / f"{example.name}.rq") for example in load_examples(directory)]


def _summary(saved: SavedQuery) -> dict[str, Any]:
    href = f"{API}/queries/{saved.name}"
    return {"_links": {"self": {"href": href}, "queryPagina": {"href": f"/query?example={saved.name}"}},
            "naam": saved.name, "titel": saved.example.title, "omschrijving": saved.example.description,
            "parameters": {p.name: p.default for p in saved.parameters}}


def _runner(saved: SavedQuery) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def run(request: Request, ctx: ApiContext = Depends(api_context), paging: Page = Depends(page),
                  format: str | None = Depends(output_format)) -> Response:
        values = {}
        for parameter in saved.parameters:
            value = request.query_params.get(parameter.name)
            if value is not None and len(value) > MAX_VALUE:
                raise ApiProblem(400, f"{parameter.name}: at most {MAX_VALUE} characters.")
            values[parameter.name] = value
        outcome = await ctx.solutions(saved.text(values))
        shown = outcome.rows[paging.offset:paging.offset + paging.size]
        links = page_links(request, paging, len(outcome.rows) > paging.offset + paging.size)
        response = table_response(
            request, "rijen", links, paging, format, columns=outcome.variables,
            rows=[{name: term_csv(term) for name, term in zip(outcome.variables, row)} for row in shown],
            json_items=[{name: python_value(term) for name, term in zip(outcome.variables, row)} for row in shown],
            extra={"kolommen": outcome.variables})
        response.headers.update(limit_headers(outcome))
        return response

    return run


def saved_query_router(directory: Path) -> APIRouter:
    """`/queries` and one route per query file in `directory`, read now (at the app's start)."""
    saved = load_saved_queries(directory)
    router = APIRouter(route_class=ApiRoute, tags=["queries"])

    async def queries(request: Request, paging: Page = Depends(page), format: str | None = Depends(output_format)) -> Response:
        items = [_summary(s) for s in saved[paging.offset:paging.offset + paging.size]]
        links = page_links(request, paging, len(saved) > paging.offset + paging.size)
        return table_response(request, "queries", links, paging, format, columns=["naam", "titel", "omschrijving"],
                              rows=items, json_items=items)

    router.add_api_route("/queries", queries, methods=["GET"], response_model=QueryLijst, summary="De opgeslagen queries",
                         responses={200: {"content": CSV_RESPONSE}, **problem_responses(400)})
    for query in saved:
        parameters = [{"name": p.name, "in": "query", "required": False, "description": p.description,
                       "schema": {"type": "string", "default": p.default, "maxLength": MAX_VALUE}}
                      for p in query.parameters]
        router.add_api_route(f"/queries/{query.name}", _runner(query), methods=["GET"], response_model=QueryAntwoord,
                             summary=query.example.title, description=query.example.description,
                             operation_id=f"query-{query.name}", openapi_extra={"parameters": parameters} if parameters else None,
                             responses={200: {"content": CSV_RESPONSE}, **problem_responses(400, 503)})
    return router
