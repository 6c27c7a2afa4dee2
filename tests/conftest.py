"""Session fixtures built from the real bundled editions, the same data the demo serves."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset

from converter.cube import build_dataset
from converter.dumps import to_store, write_all
from converter.extract import Extraction, extract
from converter.registry import Registry
from converter.settings import Settings, load_settings
from converter.vocab import PREFIXES


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
def built_dataset(registry: Registry, extraction: Extraction, settings: Settings) -> Dataset:
    return build_dataset(registry, extraction, settings)


@pytest.fixture(scope="session")
def built_dist(built_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with every dump of the real dataset (as `mdo build` writes into dist/)."""
    folder = tmp_path_factory.mktemp("dist")
    write_all(to_store(built_dataset), folder, {k: str(v) for k, v in PREFIXES.items()})
    (folder / "catalogus.ttl").write_text(
        built_dataset.graph(built_dataset.graph(_catalogue_graph(built_dataset)).identifier).serialize(format="turtle"),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def built_trig(built_dist: Path) -> Path:
    """Path to a freshly built TriG of the real data."""
    return built_dist / "mdo.trig"


def _catalogue_graph(dataset: Dataset):
    return next(g.identifier for g in dataset.graphs() if str(g.identifier).endswith("/graph/catalogus"))
