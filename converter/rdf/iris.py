"""Mints every instance IRI: `{base}/id/{type}/{ref}` for things, `{base}/graph/...` for graphs.

These paths are exactly what the endpoint serves, so a minted IRI dereferences.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from rdflib import URIRef

from converter.rdf.vocab import STATUS_CODES, UNIT_CODES

DATASET_ID = "monitor-digitale-overheid"
_SAFE = re.compile(r"[A-Za-z0-9\-_.~]+")


@lru_cache(maxsize=200_000)
def _segment(ref: str | int) -> str:
    """One path segment of an IRI, percent-encoded where needed (cached: codes repeat a lot)."""
    text = str(ref)
    return text if _SAFE.fullmatch(text) else quote(text, safe="-_.~")


class Iris:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def thing(self, kind: str, *ref: str | int) -> URIRef:
        return URIRef(self.text(kind, *ref))

    def text(self, kind: str, *ref: str | int) -> str:
        """The IRI of a thing as a plain string (for the TriG writer's hot path)."""
        return f"{self.base}/id/{kind}/" + "/".join(map(_segment, ref))

    def graph(self, *ref: str) -> URIRef:
        return URIRef(f"{self.base}/graph/" + "/".join(map(_segment, ref)))

    def download(self, filename: str) -> URIRef:
        return URIRef(f"{self.base}/download/{filename}")

    # things
    def dataset(self) -> URIRef:
        return self.thing("dataset", DATASET_ID)

    def dsd(self) -> URIRef:
        return self.thing("dsd", DATASET_ID)

    def component(self, name: str) -> URIRef:
        return self.thing("dsd", DATASET_ID, "component", name)

    def scheme(self, name: str) -> URIRef:
        return self.thing("schema", name)

    def domain(self, key: str) -> URIRef:
        return self.thing("domein", key)

    def voorziening(self, key: str) -> URIRef:
        return self.thing("voorziening", key)

    def indicator(self, key: str) -> URIRef:
        return self.thing("indicator", key)

    def edition(self, key: str) -> URIRef:
        return self.thing("editie", key)

    def year(self, year: int) -> URIRef:
        return self.thing("jaar", year)

    def unit(self, unit: str) -> URIRef:
        return self.thing("eenheid", UNIT_CODES[unit])

    def status(self, status: str) -> URIRef:
        return self.thing("status", STATUS_CODES[status])

    def member(self, key: str) -> URIRef:
        return self.thing("uitsplitsing", key)

    def observation(self, edition: str, indicator: str, breakdown: str, year: int) -> URIRef:
        return URIRef(self.observation_text(edition, indicator, breakdown, year))

    def observation_text(self, edition: str, indicator: str, breakdown: str, year: int) -> str:
        return self.text("observatie", edition, indicator, breakdown, year)

    def missing(self, edition: str, indicator: str, breakdown: str, year: int) -> URIRef:
        """A printed cell without a figure (`mdo:OntbrekendCijfer`): not an observation, so not
        under `observatie`."""
        return URIRef(self.missing_text(edition, indicator, breakdown, year))

    def missing_text(self, edition: str, indicator: str, breakdown: str, year: int) -> str:
        return self.text("ontbrekend-cijfer", edition, indicator, breakdown, year)

    def cell_text(self, edition: str, line: int, column: str) -> str:
        return self.text("broncel", edition, line, column)

    def organisation(self, key: str) -> URIRef:
        return self.thing("organisatie", key)

    def catalogue(self) -> URIRef:
        return self.thing("catalogus", "mdo")

    def distribution(self, fmt: str) -> URIRef:
        return self.thing("distributie", fmt)

    def service(self) -> URIRef:
        return self.thing("dienst", "sparql")

    def contact(self) -> URIRef:
        return self.thing("contact", "mdo")

    def endpoint(self) -> URIRef:
        return URIRef(f"{self.base}/sparql")
