"""Paging and formats, the same on every list: `pagina`, `paginaGrootte`, JSON or CSV.

A page is asked from the store with one row more than it shows, so whether there is a next page
is known without counting the whole list. The links to the pages beside it go in `_links` (JSON)
and in a `Link` header (RFC 8288; the only place CSV has for them).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import urlencode

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from ..protocol import negotiate
from .models import Resource
from .problems import ApiProblem

JSON = "application/json"
CSV = "text/csv"
MAX_PAGE_SIZE = 500
CSV_RESPONSE = {"text/csv": {"schema": {"type": "string"}, "example": "id,identificatie,naam\r\n"}}


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def limit(self) -> int:
        return self.size + 1  # one more: is there a next page?

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


async def page(pagina: int = Query(1, ge=1, le=1_000_000, description="Het nummer van de pagina, vanaf 1."),
         paginaGrootte: int = Query(20, ge=1, le=MAX_PAGE_SIZE, description="Het aantal items per pagina.")) -> Page:
    """The dependency for the paging parameters of a list."""
    return Page(pagina, paginaGrootte)


async def output_format(format: str | None = Query(None, pattern="^(json|csv)$",
                                             description="`json` of `csv`; wint van de Accept-header.")) -> str | None:
    """The dependency for the `format` parameter."""
    return format


def wants_csv(request: Request, format_param: str | None) -> bool:
    """CSV when `?format=csv`, or when Accept prefers text/csv over JSON; JSON otherwise."""
    if format_param:
        return format_param == "csv"
    return negotiate(request.headers.get("accept"), [JSON, CSV]) == CSV


def _href(request: Request, number: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "pagina"] + [("pagina", str(number))]
    return f"{request.url.path}?{urlencode(params)}"


def page_links(request: Request, page: Page, more: bool) -> dict[str, dict[str, str]]:
    links = {"self": {"href": _href(request, page.number)}}
    if page.number > 1:
        links["prev"] = {"href": _href(request, page.number - 1)}
    if more:
        links["next"] = {"href": _href(request, page.number + 1)}
    return links


def csv_text(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row[c]) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def listing(request: Request, key: str, items: Sequence[Resource], page: Page, format_param: str | None) -> Response:
    """The answer for one page of a list; `items` may hold one more than the page (see `Page.limit`)."""
    more = len(items) > page.size
    shown = list(items[:page.size])
    links = page_links(request, page, more)
    return table_response(request, key, links, page, format_param,
                          columns=list(type(shown[0]).model_fields) if shown else [],
                          rows=[item.row() for item in shown],
                          json_items=[item.model_dump(mode="json", by_alias=True) for item in shown])


def table_response(request: Request, key: str, links: dict[str, dict[str, str]], page: Page,
                   format_param: str | None, *, columns: list[str], rows: list[dict[str, Any]],
                   json_items: list[Any], extra: dict[str, Any] | None = None) -> Response:
    header = ", ".join(f'<{link["href"]}>; rel="{rel}"' for rel, link in links.items())
    headers = {"Link": header, "Vary": "Accept"}
    if wants_csv(request, format_param):
        columns = [c for c in columns if c != "links"]
        return Response(csv_text(columns, rows), media_type="text/csv; charset=utf-8", headers=headers)
    body = {"_links": links, "pagina": page.number, "paginaGrootte": page.size, **(extra or {}), key: json_items}
    return Response(json.dumps(body, ensure_ascii=False), media_type=JSON, headers=headers)


def year_range(vanaf: int | None, tot: int | None) -> None:
    if vanaf is not None and tot is not None and vanaf > tot:
        raise ApiProblem(400, f"jaarVanaf ({vanaf}) ligt na jaarTot ({tot}).")
