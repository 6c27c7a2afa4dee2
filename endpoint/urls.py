"""Every local URL and its mapping to dataset IRIs, built in one place.

The dataset mints IRIs under a configurable base (`{base}/id/...`) while the server may run on
any host (localhost in tests, a proxy in production). Pages link to local paths so that
browsing works wherever the server runs; this class is the only place that knows the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Urls:
    base_iri: str  # e.g. https://data.monitordigitaleoverheid.nl (no trailing slash)

    def iri_for_path(self, path: str) -> str:
        """The dataset IRI that a local `/id/...` path stands for."""
        return self.base_iri + "/" + path.lstrip("/")

    def local(self, iri: str) -> str | None:
        """The local path of a dataset IRI, or None when the IRI is not minted by the dataset."""
        prefix = self.base_iri + "/"
        if iri.startswith(prefix + "id/") or iri.startswith(prefix + "graph/"):
            return "/" + iri[len(prefix):]
        if iri.startswith(prefix + "download/") or iri == prefix + "sparql":
            return "/" + iri[len(prefix):]
        return None

    def href(self, iri: str) -> str | None:
        """Where a link to `iri` should point: its local page if the dataset mints it, the IRI
        itself if it is http(s); None for any other scheme (`javascript:`, `data:`, ...), which
        pages show as text, never as a link."""
        local = self.local(iri)
        if local:
            return local
        return iri if iri.lower().startswith(("http://", "https://")) else None

    def resource(self, kind: str, ref: str) -> str:
        return f"/id/{kind}/{ref}"

    def alternate(self, path: str, fmt: str) -> str:
        """A machine-readable form of a page (`?format=ttl`)."""
        return f"{path}?{urlencode({'format': fmt})}"

    def download(self, name: str) -> str:
        return f"/download/{name}"

    def query_page(self, query: str | None = None, example: str | None = None) -> str:
        params = {k: v for k, v in (("query", query), ("example", example)) if v}
        return "/query" + (f"?{urlencode(params)}" if params else "")

    def sparql(self, query: str, fmt: str | None = None) -> str:
        params = {"query": query}
        if fmt:
            params["format"] = fmt
        return f"/sparql?{urlencode(params)}"

    @property
    def endpoint_iri(self) -> str:
        """The SPARQL endpoint's IRI under the base, as the VoID and service descriptions name it."""
        return self.base_iri + "/sparql"
