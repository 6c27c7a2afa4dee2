"""One typed settings object: where the project's files are and which base IRI to mint under.

Every other module asks this one for paths, so `data/`, `ontology/`, `shapes/` and `queries/`
are found through one configured root (env `MDO_ROOT`), and the base IRI comes from one place
(env `MDO_BASE_IRI`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_BASE_IRI = "https://data.monitordigitaleoverheid.nl"


class SettingsError(ValueError):
    """A setting has a value the project cannot use; the message names key and value."""


@dataclass(frozen=True)
class Settings:
    root: Path
    base_iri: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        parsed = urlparse(self.base_iri)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or self.base_iri.endswith("/"):
            raise SettingsError(
                f"MDO_BASE_IRI={self.base_iri!r}: expected an http(s) IRI without a trailing slash"
            )
        if not (self.root / "data").is_dir():
            raise SettingsError(f"MDO_ROOT={str(self.root)!r}: no data/ folder there")

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"


def load_settings() -> Settings:
    """Settings from the environment, defaulting to the checkout this package lives in."""
    root = Path(os.environ.get("MDO_ROOT", Path(__file__).resolve().parent.parent))
    return Settings(root=root, base_iri=os.environ.get("MDO_BASE_IRI", DEFAULT_BASE_IRI))
