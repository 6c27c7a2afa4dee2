"""Session fixtures built from the real bundled editions, the same data the demo serves."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import pyoxigraph as ox

from converter.rdf.cube import Cube, build_cube
from converter.rdf.dumps import write_all, write_graph
from converter.rdf.iris import Iris
from converter.extraction.extract import Extraction, extract
from converter.extraction.quality import quality_report
from converter.extraction.tidy import write_tidy
from converter.registry import Registry
from mdo.settings import Settings, load_settings
from converter.rdf.vocab import PREFIXES
from endpoint_fixtures.cdp import CHROMIUM, Browser
from endpoint_fixtures.live import LiveServer, serve


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def registry(settings: Settings) -> Registry:
    return Registry(settings.data_dir)


@pytest.fixture(scope="session")
def extraction(registry: Registry) -> Extraction:
    return extract(registry)


@pytest.fixture(scope="session")
def built_cube(registry: Registry, extraction: Extraction, settings: Settings) -> Cube:
    return build_cube(registry, extraction, settings.base_iri, settings.ontology_dir)


@pytest.fixture(scope="session")
def built_dataset(built_cube: Cube) -> ox.Store:
    return built_cube.store()


@pytest.fixture(scope="session")
def built_dist(built_cube: Cube, settings: Settings, extraction: Extraction, registry: Registry,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with every dump of the real dataset, the tidy CSV and the quality report (as
    `mdo build` writes into dist/)."""
    folder = tmp_path_factory.mktemp("dist")
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    write_all(built_cube, folder, prefixes)
    write_graph(built_cube, str(Iris(settings.base_iri).graph("catalogus")), folder / "catalogus.ttl", prefixes)
    write_tidy(extraction.observations, folder / "observations.csv")
    (folder / "quality.md").write_text(quality_report(extraction, registry), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def built_trig(built_dist: Path) -> Path:
    """Path to a freshly built TriG of the real data."""
    return built_dist / "mdo.trig"



@pytest.fixture(scope="session")
def live_build(built_trig: Path) -> Iterator[LiveServer]:
    """One live server over `built_trig`, as `mdo serve` runs it, for every module that only
    reads from it: starting one costs seconds (its query workers import and open the store),
    and the pages, the API and the browser tests ask the same data the same questions."""
    yield from serve(built_trig)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the session: a page (a target) opens in a fraction of a second
    where starting the browser takes seconds."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    one = Browser()
    try:
        yield one
    finally:
        one.close()


@pytest.fixture()
def browser(chromium: Browser) -> Iterator[Browser]:
    """The session's Chromium; the pages a test opened are closed after it."""
    yield chromium
    chromium.close_pages()
