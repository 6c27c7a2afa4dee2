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


# The limits an operator sets through the environment: variable -> (create_app keyword, type).
# Their defaults are create_app's and server_config's; the README's security section lists them.
APP_LIMITS: dict[str, tuple[str, type]] = {
    "MDO_QUERY_WORKERS": ("query_workers", int),
    "MDO_SHORT_WORKERS": ("short_workers", int),
    "MDO_SHORT_BUDGET": ("short_budget", float),
    "MDO_QUERY_MEMORY_MB": ("query_memory_mb", int),
    "MDO_MAX_ROWS": ("max_rows", int),
    "MDO_MAX_RESULT_BYTES": ("max_result_bytes", int),
    "MDO_MAX_REQUEST_BYTES": ("max_request_bytes", int),
}
SERVER_LIMITS: dict[str, tuple[str, type]] = {
    "MDO_KEEP_ALIVE": ("keep_alive", float),
    "MDO_MAX_CONNECTIONS": ("max_connections", int),
}


class LimitError(SettingsError):
    """A limit in the environment is not a number of the right kind; the message names it."""


def _from_environment(table: dict[str, tuple[str, type]]) -> dict[str, object]:
    """The keywords for the limits set in the environment (those not set keep their defaults)."""
    found: dict[str, object] = {}
    for variable, (keyword, kind) in table.items():
        text = os.environ.get(variable)
        if text is None:
            continue
        try:
            value = kind(text)
        except ValueError:
            raise LimitError(f"{variable}={text!r}: expected {'an integer' if kind is int else 'a number'}") from None
        if value <= 0 and variable != "MDO_SHORT_WORKERS":
            raise LimitError(f"{variable}={text!r}: must be above 0")
        found[keyword] = value
    return found


def endpoint_limits(**options: object) -> dict[str, object]:
    """The endpoint's limits, read once: the environment's, overridden by the options given
    (those that are not None); a bad one raises `LimitError` before anything starts."""
    given = {k: v for k, v in options.items() if v is not None}
    return {**_from_environment(APP_LIMITS), **_from_environment(SERVER_LIMITS), **given}
