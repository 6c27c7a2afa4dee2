"""The resources of the dataset under `/api/v1`: voorzieningen, indicatoren with their observaties,
edities and bevindingen. Each handler fills in one query of `sparql/` and shapes its rows.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from ..store import python_value
from ..vocab import MDO
from .context import ApiContext, Row, api_context
from .listing import CSV_RESPONSE, Page, listing, output_format, page, year_range
from .models import (Bevinding, BevindingLijst, Editie, EditieLijst, Indicator, IndicatorLijst, Observatie,
                     ObservatieLijst, Voorziening, VoorzieningLijst)
from .problems import ApiProblem, ApiRoute, problem_responses
from .templates import query

ID = "^[a-z0-9]+(-[a-z0-9]+)*$"
API = "/api/v1"
router = APIRouter(route_class=ApiRoute)
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": CSV_RESPONSE}, **problem_responses(400, 503)}
ITEM_RESPONSES: dict[int | str, dict[str, Any]] = {**problem_responses(400, 404, 503)}


def _id(what: str) -> Any:
    return Path(pattern=ID, max_length=200, description=f"De identificatie van de {what}, zoals in zijn IRI.")


def _filter(description: str, example: str) -> Any:
    return Query(None, pattern=ID, max_length=200, description=description, examples=[example])


def _value(row: Row, name: str) -> Any:
    return python_value(row.get(name))


def _text(row: Row, name: str) -> str | None:
    term = row.get(name)
    return None if term is None else str(python_value(term))


def _local(ctx: ApiContext, iri: str) -> str:
    """The path of the linked-data page of a dataset IRI."""
    return iri[len(ctx.base_iri):] if iri.startswith(ctx.base_iri + "/") else iri


def _node(ctx: ApiContext, kind: str, ref: str | None) -> ox.NamedNode | None:
    return None if ref is None else ox.NamedNode(ctx.iri(kind, ref))


async def _exists(ctx: ApiContext, kind: str, ref: str, rdf_type: str, label: str) -> None:
    if not await ctx.select(query("bestaat", iri=ox.NamedNode(ctx.iri(kind, ref)), type=ox.NamedNode(MDO + rdf_type))):
        raise ApiProblem(404, f"Er is geen {label} met id {ref!r}.")


# -- voorzieningen -----------------------------------------------------------------------------
def _voorziening(ctx: ApiContext, row: Row) -> Voorziening:
    iri = _text(row, "v") or ""
    ref = ctx.ref("voorziening", iri) or iri
    parent = ctx.ref("voorziening", _text(row, "onderdeelVan"))
    domain = ctx.ref("domein", _text(row, "domein"))
    links = {"self": {"href": f"{API}/voorzieningen/{ref}"}, "indicatoren": {"href": f"{API}/indicatoren?voorziening={ref}"},
             "linkedData": {"href": _local(ctx, iri)}}
    if parent:
        links["onderdeelVan"] = {"href": f"{API}/voorzieningen/{parent}"}
    return Voorziening.model_validate({"_links": links, "id": iri, "identificatie": ref, "naam": _text(row, "naam"),
                                       "domein": domain, "domeinNaam": _text(row, "domeinNaam"), "onderdeelVan": parent})


@router.get("/voorzieningen", response_model=VoorzieningLijst, responses=LIST_RESPONSES, tags=["voorzieningen"],
            summary="De voorzieningen")
async def voorzieningen(request: Request, ctx: ApiContext = Depends(api_context), paging: Page = Depends(page),
                        domein: str | None = _filter("Alleen de voorzieningen van dit domein.", "identificeren-authenticeren"),
                        format: str | None = Depends(output_format)) -> Response:
    rows = await ctx.select(query("voorzieningen", domein=_node(ctx, "domein", domein), voorziening=None,
                                  limit=paging.limit, offset=paging.offset))
    return listing(request, "voorzieningen", [_voorziening(ctx, r) for r in rows], paging, format)


@router.get("/voorzieningen/{id}", response_model=Voorziening, responses=ITEM_RESPONSES, tags=["voorzieningen"],
            summary="Eén voorziening")
async def voorziening(id: str = _id("voorziening"), ctx: ApiContext = Depends(api_context)) -> Any:
    rows = await ctx.select(query("voorzieningen", voorziening=_node(ctx, "voorziening", id), domein=None, limit=1, offset=0))
    if not rows:
        raise ApiProblem(404, f"Er is geen voorziening met id {id!r}.")
    return _voorziening(ctx, rows[0])


# -- indicatoren -------------------------------------------------------------------------------
def _indicator(ctx: ApiContext, row: Row) -> Indicator:
    iri = _text(row, "i") or ""
    ref = ctx.ref("indicator", iri) or iri
    v = ctx.ref("voorziening", _text(row, "v")) or ""
    links = {"self": {"href": f"{API}/indicatoren/{ref}"}, "observaties": {"href": f"{API}/indicatoren/{ref}/observaties"},
             "voorziening": {"href": f"{API}/voorzieningen/{v}"}, "linkedData": {"href": _local(ctx, iri)}}
    return Indicator.model_validate({
        "_links": links, "id": iri, "identificatie": ref, "naam": _text(row, "naam"), "definitie": _text(row, "definitie"),
        "eenheid": ctx.ref("eenheid", _text(row, "eenheid")), "voorziening": v,
        "voorzieningNaam": _text(row, "voorzieningNaam"), "domein": ctx.ref("domein", _text(row, "domein"))})


@router.get("/indicatoren", response_model=IndicatorLijst, responses=LIST_RESPONSES, tags=["indicatoren"],
            summary="De indicatoren")
async def indicatoren(request: Request, ctx: ApiContext = Depends(api_context), paging: Page = Depends(page),
                      voorziening: str | None = _filter("Alleen de indicatoren van deze voorziening.", "digid"),
                      domein: str | None = _filter("Alleen de indicatoren van voorzieningen in dit domein.",
                                                   "identificeren-authenticeren"),
                      format: str | None = Depends(output_format)) -> Response:
    rows = await ctx.select(query("indicatoren", indicator=None, voorziening=_node(ctx, "voorziening", voorziening),
                                  domein=_node(ctx, "domein", domein), limit=paging.limit, offset=paging.offset))
    return listing(request, "indicatoren", [_indicator(ctx, r) for r in rows], paging, format)


@router.get("/indicatoren/{id}", response_model=Indicator, responses=ITEM_RESPONSES, tags=["indicatoren"],
            summary="Eén indicator")
async def indicator(id: str = _id("indicator"), ctx: ApiContext = Depends(api_context)) -> Any:
    rows = await ctx.select(query("indicatoren", indicator=_node(ctx, "indicator", id), voorziening=None, domein=None,
                                  limit=1, offset=0))
    if not rows:
        raise ApiProblem(404, f"Er is geen indicator met id {id!r}.")
    return _indicator(ctx, rows[0])


def _observatie(ctx: ApiContext, indicator: str, row: Row) -> Observatie:
    iri = _text(row, "o") or ""
    editie = ctx.ref("editie", _text(row, "editie")) or ""
    herziet = _text(row, "herziet")
    links = {"linkedData": {"href": _local(ctx, iri)}, "indicator": {"href": f"{API}/indicatoren/{indicator}"},
             "editie": {"href": f"{API}/edities/{editie}"}}
    if herziet:
        links["herziet"] = {"href": _local(ctx, herziet)}
    actueel = _value(row, "actueel")
    return Observatie.model_validate({
        "_links": links, "id": iri, "indicator": indicator, "jaar": _value(row, "jaar"), "editie": editie,
        "waarde": _value(row, "waarde"), "eenheid": ctx.ref("eenheid", _text(row, "eenheid")),
        "uitsplitsing": ctx.ref("uitsplitsing", _text(row, "uitsplitsing")), "status": ctx.ref("status", _text(row, "status")),
        "statusToelichting": _text(row, "statusToelichting"), "voetnoot": _text(row, "voetnoot"),
        "actueel": bool(actueel), "herziet": herziet, "bronBestand": _text(row, "bestand"),
        "bronRegel": _value(row, "regel")})


@router.get("/indicatoren/{id}/observaties", response_model=ObservatieLijst, responses={**LIST_RESPONSES, **ITEM_RESPONSES},
            tags=["indicatoren"], summary="De cijfers van een indicator")
async def observaties(request: Request, id: str = _id("indicator"), ctx: ApiContext = Depends(api_context),
                      paging: Page = Depends(page),
                      editie: str | None = _filter("Alleen de cijfers van deze editie.", "2024"),
                      jaarVanaf: int | None = Query(None, ge=1900, le=2999, description="Vanaf dit jaar.", examples=[2019]),
                      jaarTot: int | None = Query(None, ge=1900, le=2999, description="Tot en met dit jaar.", examples=[2023]),
                      alleenActueel: bool = Query(False, description="Alleen de cijfers zoals de nieuwste editie ze geeft."),
                      status: str | None = _filter("Alleen cijfers met deze status.", "gecorrigeerd"),
                      uitsplitsing: str | None = _filter("Alleen deze uitsplitsing (`totaal`: geen).", "totaal"),
                      format: str | None = Depends(output_format)) -> Response:
    year_range(jaarVanaf, jaarTot)
    await _exists(ctx, "indicator", id, "Indicator", "indicator")
    rows = await ctx.select(query(
        "observaties", indicator=ox.NamedNode(ctx.iri("indicator", id)), editie=_node(ctx, "editie", editie),
        uitsplitsing=_node(ctx, "uitsplitsing", uitsplitsing), actueel=alleenActueel, status=_node(ctx, "status", status),
        vanaf=jaarVanaf, tot=jaarTot, limit=paging.limit, offset=paging.offset))
    return listing(request, "observaties", [_observatie(ctx, id, r) for r in rows], paging, format)


# -- edities and bevindingen -------------------------------------------------------------------
def _editie(ctx: ApiContext, row: Row) -> Editie:
    iri = _text(row, "e") or ""
    ref = ctx.ref("editie", iri) or iri
    links = {"self": {"href": f"{API}/edities/{ref}"}, "bevindingen": {"href": f"{API}/bevindingen?editie={ref}"},
             "linkedData": {"href": _local(ctx, iri)}}
    return Editie.model_validate({"_links": links, "id": iri, "identificatie": ref, "naam": _text(row, "naam"),
                                  "uitgegeven": _text(row, "uitgegeven"), "peildatum": _text(row, "peildatum")})


@router.get("/edities", response_model=EditieLijst, responses=LIST_RESPONSES, tags=["edities"], summary="De edities")
async def edities(request: Request, ctx: ApiContext = Depends(api_context), paging: Page = Depends(page),
                  format: str | None = Depends(output_format)) -> Response:
    rows = await ctx.select(query("edities", editie=None, limit=paging.limit, offset=paging.offset))
    return listing(request, "edities", [_editie(ctx, r) for r in rows], paging, format)


@router.get("/edities/{id}", response_model=Editie, responses=ITEM_RESPONSES, tags=["edities"], summary="Eén editie")
async def editie(id: str = _id("editie"), ctx: ApiContext = Depends(api_context)) -> Any:
    rows = await ctx.select(query("edities", editie=_node(ctx, "editie", id), limit=1, offset=0))
    if not rows:
        raise ApiProblem(404, f"Er is geen editie met id {id!r}.")
    return _editie(ctx, rows[0])


def _bevinding(ctx: ApiContext, row: Row) -> Bevinding:
    iri = _text(row, "b") or ""
    editie = ctx.ref("editie", _text(row, "editie")) or ""
    betreft = _text(row, "betreft")
    links = {"linkedData": {"href": _local(ctx, iri)}, "editie": {"href": f"{API}/edities/{editie}"}}
    if betreft:
        links["betreft"] = {"href": _local(ctx, betreft)}
    return Bevinding.model_validate({"_links": links, "id": iri, "soort": _text(row, "soort"), "editie": editie,
                                     "bestand": _text(row, "bestand"), "regel": _value(row, "regel"),
                                     "toelichting": _text(row, "toelichting"), "betreft": betreft})


@router.get("/bevindingen", response_model=BevindingLijst, responses=LIST_RESPONSES, tags=["bevindingen"],
            summary="De bevindingen van het kwaliteitsrapport")
async def bevindingen(request: Request, ctx: ApiContext = Depends(api_context), paging: Page = Depends(page),
                      editie: str | None = _filter("Alleen de bevindingen over deze editie.", "2024"),
                      soort: str | None = _filter("Alleen bevindingen van deze soort.", "change-mismatch"),
                      format: str | None = Depends(output_format)) -> Response:
    rows = await ctx.select(query("bevindingen", editie=_node(ctx, "editie", editie),
                                  soort=None if soort is None else ox.Literal(soort),
                                  limit=paging.limit, offset=paging.offset))
    return listing(request, "bevindingen", [_bevinding(ctx, r) for r in rows], paging, format)
