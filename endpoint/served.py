"""What the app serves, in one object on `app.state.served`, and the dependencies handlers take it by.

`create_app` builds one `Served` (the store, the pool, the URLs, the limits, the templates) and
every handler, of `routes.py` and of `site.py`, reads it through `Endpoint`. Pages of linked data
(`/id/...`, `/graph/...`) first negotiate a format and check the IRI their path names; the
dependencies `Negotiated` and `RequestedIri` do that, and answer 406 or 400 themselves (by
raising `Answered`, whose response the app returns as it is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import Depends
from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from endpoint.examples import Example
from endpoint.pool import QueryPool
from endpoint.protocol import GRAPH_FORMATS, Format, NotAcceptable, choose
from endpoint.store import LoadedStore
from endpoint.urls import Urls


@dataclass(frozen=True)
class Served:
    """What the handlers serve and within which limits; one per app, on `app.state.served`."""

    data: Path
    store: LoadedStore
    pool: QueryPool
    urls: Urls
    base_iri: str
    examples: list[Example]
    query_timeout: float
    max_rows: int
    max_result_bytes: int
    graphs: list[str]
    templates: Environment
    completions: dict[str, list[str]] = field(default_factory=dict)  # the editor's, made on first use

    def page(self, template: str, *, status: int = 200, links: list[dict[str, str]] | None = None,
             **context: Any) -> HTMLResponse:
        """A page from the autoescaped templates, with its machine-readable forms in a Link header."""
        html = self.templates.get_template(template).render(alternates=links or [], **context)
        headers = {"Vary": "Accept"}
        if links:
            headers["Link"] = link_header(links)
        return HTMLResponse(html, status_code=status, headers=headers)

    def bad_iri(self, wants_html: bool, iri: str) -> Response | None:
        """A 400 when the path does not make an IRI (a space, a byte that is not UTF-8); else None."""
        try:
            ox.NamedNode(iri)
        except ValueError:
            message = f"{iri!r} is geen geldige IRI."
            if wants_html:
                return self.page("error.html", status=400, status_text="Ongeldig verzoek", message=message)
            return PlainTextResponse(message + "\n", status_code=400)
        return None

    def not_found(self, wants_html: bool, what: str) -> Response:
        message = f"{what} staat niet in deze dataset."
        if wants_html:
            return self.page("error.html", status=404, status_text="Niet gevonden", message=message)
        return PlainTextResponse(message + "\n", status_code=404)


async def served(request: Request) -> Served:
    """The dependency. (`async def`, as the two below: FastAPI runs a plain `def` dependency in its
    thread pool, a thread hop per request for reading an attribute.)"""
    return request.app.state.served  # type: ignore[no-any-return]


Endpoint = Annotated[Served, Depends(served)]


def alternates(path: str, urls: Urls) -> list[dict[str, str]]:
    """The machine-readable forms of a page, for `<link rel=alternate>` and the Link header."""
    return [{"href": urls.alternate(path, fmt.name), "type": fmt.media_type, "name": fmt.name.upper()}
            for fmt in GRAPH_FORMATS]


def link_header(links: list[dict[str, str]]) -> str:
    return ", ".join(f'<{link["href"]}>; rel="alternate"; type="{link["type"]}"' for link in links)


class Answered(Exception):
    """A request a dependency has answered already (406, 400); the app returns `response` as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def answered(request: Request, exc: Exception) -> Response:
    """The exception handler for `Answered`."""
    assert isinstance(exc, Answered)
    return exc.response


async def negotiated(request: Request) -> Format | None:
    """The RDF format asked for (`format` parameter or Accept), None for the page; a bad `format` is a 406."""
    try:
        return choose(GRAPH_FORMATS, request.headers.get("accept"), request.query_params.get("format"), html=True)
    except NotAcceptable as problem:
        raise Answered(PlainTextResponse(str(problem) + "\n", status_code=406)) from problem


Negotiated = Annotated[Format | None, Depends(negotiated)]


async def requested_iri(request: Request, s: Endpoint, fmt: Negotiated) -> str:
    """The IRI the path names; a 400 (a page or text, as negotiated) when it makes none."""
    iri = s.urls.iri_for_path(request.url.path)
    invalid = s.bad_iri(fmt is None, iri)
    if invalid is not None:
        raise Answered(invalid)
    return iri


RequestedIri = Annotated[str, Depends(requested_iri)]
