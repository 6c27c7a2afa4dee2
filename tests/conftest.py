"""Session fixtures built from the real bundled editions, the same data the demo serves."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterator

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

if TYPE_CHECKING:  # imported where used: xdist's controller loads this file too, and runs no test
    from endpoint_fixtures.cdp import Browser
    from endpoint_fixtures.live import LiveServer


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
    from endpoint_fixtures.live import serve

    yield from serve(built_trig)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the session: a page (a target) opens in a fraction of a second
    where starting the browser takes seconds."""
    from endpoint_fixtures.cdp import CHROMIUM, Browser

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


# --- How `make test` shares the files out to its two workers (pytest-xdist) ------------------------

SHARED = "the session's live server and Chromium"
UNITS = {
    SHARED: frozenset({"test_api.py", "test_endpoint_browser.py", "test_endpoint_pages.py", "test_endpoint_site.py",
                       "test_endpoint_small_screens.py"}),
    "the shape cases": frozenset({"test_shapes.py", "test_shape_cases_in_chunks.py"}),
}
"""Test files that one worker runs together, as they share what takes seconds to make: the files
that use the session's live server (`live_build`) or its Chromium, which then start once, not in
each worker; the files that validate the shape cases, where `shape_manifest.in_one_store` keeps
each graph's report for the process."""
SHARED_FIXTURES = {"live_build", "chromium"}


def _unit(path: Path) -> str:
    """The unit of work of a test file: its unit of `UNITS`, or the file."""
    return next((name for name, files in UNITS.items() if path.name in files), str(path))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown where it is not installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadfile` (`make test`): whole files to a worker, so a module's server starts once,
    and the files of a unit of `UNITS` to the same one."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndUnits(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _unit(Path(super()._split_scope(nodeid)))

    return FilesAndUnits(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Hold `UNITS[SHARED]` to the files that use a shared fixture; in an xdist worker, put the units
    with a test marked `slow` first, then the others by their number of tests (`make test` passes
    --no-loadscope-reorder so that the workers take them in this order): the worker that takes the
    last unit decides when the run ends, so that one had better be short."""
    using = {item.path.name for item in items if SHARED_FIXTURES & set(getattr(item, "fixturenames", ()))}
    if using - UNITS[SHARED]:
        raise pytest.UsageError(f"tests/conftest.py: add {', '.join(sorted(using - UNITS[SHARED]))} to UNITS[SHARED]")
    if hasattr(config, "workerinput"):
        units: dict[str, list[pytest.Item]] = {}
        for item in items:
            units.setdefault(_unit(item.path), []).append(item)
        order = sorted(units.values(), key=lambda unit: (not any(i.get_closest_marker("slow") for i in unit), -len(unit)))
        items[:] = [item for unit in order for item in unit]
