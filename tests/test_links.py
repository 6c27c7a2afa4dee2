"""Every external link the dataset emits has its evidence in data/links.toml ([evidence]: where it was seen)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest

from converter.rdf.cube import CubeError, _links
from converter.rdf.iris import Iris
from converter.rdf.quads import QuadCollector
from converter.registry import Registry
from mdo.settings import Settings
from converter.rdf.vocab import (EU_ACCESS, EU_COUNTRY, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, EU_LICENCE, EU_THEME,
                             IANA_MEDIA_TYPE, INTERVAL_YEAR, PREFIXES)

NOT_LINKS = (
    *(str(namespace) for namespace in PREFIXES.values()),  # vocabulary terms
    *(str(n) for n in (EU_ACCESS, EU_COUNTRY, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, EU_LICENCE, EU_THEME)),  # EU code lists
    *(str(n).rstrip("/") for n in (EU_ACCESS, EU_FILE_TYPE, EU_FREQUENCY, EU_THEME)),  # ... and the lists themselves
    str(IANA_MEDIA_TYPE),  # the IANA media type registry
    str(INTERVAL_YEAR),  # the UK government's documented URI set of calendar years
    "mailto:",
)
"""IRIs that are terms of a vocabulary or code list the project uses, not links to other data."""


def _evidence(settings: Settings) -> dict[str, str]:
    with (settings.data_dir / "links.toml").open("rb") as handle:
        return tomllib.load(handle)["evidence"]


def test_every_emitted_external_iri_has_evidence(built_dataset: ox.Store, settings: Settings) -> None:
    external = set()
    for quad in built_dataset:
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode) and not term.value.startswith(settings.base_iri) \
                    and not term.value.startswith(NOT_LINKS):
                external.add(term.value)
    evidence = _evidence(settings)
    assert sorted(external - evidence.keys()) == []
    assert {"http://opendata.stelselcatalogus.nl/id/registratie/BAG",
            "https://www.noraonline.nl/wiki/NHR_(Basisregistratie_Handelsregister)",
            "https://identifier.overheid.nl/tooi/id/oorg/oorg10005"} <= external
    assert all(text.strip() for text in evidence.values())


def test_no_stelselcatalogus_link_is_made_from_a_pattern(built_dataset: ox.Store) -> None:
    """Only the registraties seen are linked (SCa, BAG, WOZ), not one per basisregistratie code."""
    rows = built_dataset.query("SELECT ?target WHERE { ?v <http://www.w3.org/2004/02/skos/core#closeMatch> ?target } ORDER BY ?target",
                               use_default_graph_as_union=True)
    assert [row[0].value for row in rows] == [  # type: ignore[index]
        "http://opendata.stelselcatalogus.nl/id/registratie/BAG",
        "http://opendata.stelselcatalogus.nl/id/registratie/SCa",
        "http://opendata.stelselcatalogus.nl/id/registratie/WOZ",
    ]


def test_a_link_without_evidence_is_refused(registry: Registry, settings: Settings, tmp_path: Path) -> None:
    text = (settings.data_dir / "links.toml").read_text(encoding="utf-8")
    text = text.replace('[voorziening.brp]\n', '[voorziening.brp]\nnora = "https://www.noraonline.nl/wiki/BRP_(Basisregistratie_Personen)"\n', 1)
    (tmp_path / "links.toml").write_text(text, encoding="utf-8")
    fake = SimpleNamespace(data_dir=tmp_path, voorzieningen=registry.voorzieningen)
    graph = QuadCollector().graph(Iris(settings.base_iri).graph("codes"))
    with pytest.raises(CubeError, match=r"links\.toml: \[voorziening\.brp\] nora = 'https://www\.noraonline\.nl/wiki/BRP_\(Basisregistratie_Personen\)' has no entry in \[evidence\]"):
        _links(graph, Iris(settings.base_iri), fake)  # type: ignore[arg-type]
