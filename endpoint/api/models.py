"""The API's resources as pydantic models: the OpenAPI schemas and the JSON that is sent.

Field names are Dutch and lowerCamelCase (API Design Rules); `id` is the resource's IRI in the
dataset and `identificatie` the short id in it (`digid`). `_links` holds the related resources
(HAL style: `{"href": ...}`), among them `linkedData`, the resource's page and RDF.
"""

from __future__ import annotations

import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Link(BaseModel):
    href: str = Field(description="Het adres, ten opzichte van deze server.", examples=["/api/v1/voorzieningen/digid"])


class Resource(BaseModel):
    """A resource: its fields, and `_links` (left out of CSV)."""

    model_config = ConfigDict(populate_by_name=True)

    links: dict[str, Link] = Field(alias="_links", description="Verwante bronnen: `self`, `linkedData`, ...")

    def row(self) -> dict[str, Any]:
        """The fields for a CSV row: everything but the links."""
        return self.model_dump(exclude={"links"})


class Voorziening(Resource):
    id: str = Field(description="De IRI.", examples=["https://data.monitordigitaleoverheid.nl/id/voorziening/digid"])
    identificatie: str = Field(examples=["digid"])
    naam: str = Field(examples=["DigiD"])
    domein: str | None = Field(None, description="Identificatie van het domein.", examples=["identificeren-authenticeren"])
    domeinNaam: str | None = Field(None, examples=["Identificeren en authenticeren"])
    onderdeelVan: str | None = Field(None, description="Identificatie van de voorziening waar deze een onderdeel van is.")


class Indicator(Resource):
    id: str = Field(examples=["https://data.monitordigitaleoverheid.nl/id/indicator/digid-actieve-digids"])
    identificatie: str = Field(examples=["digid-actieve-digids"])
    naam: str = Field(examples=["Aantal actieve DigiD's"])
    definitie: str | None = None
    eenheid: str | None = Field(None, examples=["aantal"])
    voorziening: str = Field(examples=["digid"])
    voorzieningNaam: str = Field(examples=["DigiD"])
    domein: str | None = Field(None, examples=["identificeren-authenticeren"])


class Observatie(Resource):
    id: str = Field(examples=["https://data.monitordigitaleoverheid.nl/id/observatie/2024/digid-actieve-digids/totaal/2019"])
    indicator: str = Field(examples=["digid-actieve-digids"])
    jaar: int = Field(examples=[2019])
    editie: str = Field(examples=["2024"])
    waarde: float | int = Field(examples=[15023119])
    eenheid: str | None = Field(None, examples=["aantal"])
    uitsplitsing: str = Field(examples=["totaal"])
    status: str | None = Field(None, examples=["normaal"])
    statusToelichting: str | None = None
    voetnoot: str | None = None
    actueel: bool = Field(description="Het cijfer zoals de nieuwste editie het geeft.")
    herziet: str | None = Field(None, description="IRI van het cijfer van een eerdere editie dat dit cijfer herziet.")
    bronBestand: str | None = Field(None, examples=["sources/mdo-2024.txt"])
    bronRegel: int | None = Field(None, examples=[149])


class Editie(Resource):
    id: str = Field(examples=["https://data.monitordigitaleoverheid.nl/id/editie/2024"])
    identificatie: str = Field(examples=["2024"])
    naam: str = Field(examples=["Monitor Digitale Overheid 2024"])
    uitgegeven: datetime.date | None = None
    peildatum: datetime.date | None = None


class Bevinding(Resource):
    id: str
    soort: str = Field(examples=["change-mismatch"])
    editie: str = Field(examples=["2024"])
    bestand: str = Field(examples=["sources/mdo-2024.txt"])
    regel: int = Field(examples=[205])
    toelichting: str
    betreft: str | None = Field(None, description="IRI van het cijfer waar de bevinding over gaat.")


class SavedQuery(Resource):
    naam: str = Field(examples=["01-reeks-van-een-voorziening"])
    titel: str
    omschrijving: str
    parameters: dict[str, str] = Field(description="Elke parameter met zijn standaardwaarde.",
                                       examples=[{"voorziening": "digid"}])


class Listing(BaseModel):
    """A page of a list: the items under the list's name, and `_links` to the pages beside it."""

    model_config = ConfigDict(populate_by_name=True)

    links: dict[str, Link] = Field(alias="_links", description="`self`, en `prev` en `next` waar die er zijn.")
    pagina: int = Field(examples=[1])
    paginaGrootte: int = Field(examples=[20])


class VoorzieningLijst(Listing):
    voorzieningen: list[Voorziening]


class IndicatorLijst(Listing):
    indicatoren: list[Indicator]


class ObservatieLijst(Listing):
    observaties: list[Observatie]


class EditieLijst(Listing):
    edities: list[Editie]


class BevindingLijst(Listing):
    bevindingen: list[Bevinding]


class QueryLijst(Listing):
    queries: list[SavedQuery]


class QueryAntwoord(Listing):
    kolommen: list[str] = Field(examples=[["indicator", "jaar", "waarde", "editie"]])
    rijen: list[dict[str, Any]] = Field(description="Eén object per rij, met de waarde per kolom (leeg: null).")
