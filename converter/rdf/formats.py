"""The RDF formats the project reads and writes, and the dumps it publishes: one place for both.

pyoxigraph's `RdfFormat` already knows each format's extensions and media types, so a file's
format is looked up there rather than in a table of our own; `FORMATS` only says which of
them the project writes.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

FORMATS: dict[str, ox.RdfFormat] = {
    f".{fmt.file_extension}": fmt
    for fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS, ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES,
                ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML)
}
"""The formats the project reads and writes, by file extension."""


def rdf_format(path: Path | str) -> ox.RdfFormat | None:
    """The RDF format of a file by its extension, or None for one the project does not handle."""
    fmt = ox.RdfFormat.from_extension(Path(path).suffix.lower().lstrip(".") or "-")
    return fmt if fmt in FORMATS.values() else None


# The dumps `mdo build` writes into dist/ and the catalogue lists, by format:
# format -> (file name, EU file type, IANA media type, title)
DUMPS = {
    "trig": ("mdo.trig", "RDF_TRIG", "application/trig", "TriG (named graphs per edition)"),
    "nq": ("mdo.nq", "RDF_N_QUADS", "application/n-quads", "N-Quads (named graphs per edition)"),
    "ttl": ("mdo.ttl", "RDF_TURTLE", "text/turtle", "Turtle (all graphs merged)"),
    "nt": ("mdo.nt", "RDF_N_TRIPLES", "application/n-triples", "N-Triples (all graphs merged)"),
    "jsonld": ("mdo.jsonld", "JSON_LD", "application/ld+json", "JSON-LD (named graphs per edition)"),
}
# The other files a build writes beside the dumps, served and listed as distributions too:
# name -> (file name, EU file type, IANA media type, Dutch title)
FILES = {
    "csv": ("observations.csv", "CSV", "text/csv", "Monitor Digitale Overheid als CSV-tabel (één rij per cijfer)"),
    "kwaliteit": ("quality.md", "TXT", "text/markdown", "Kwaliteitsrapport van de omzetting (Markdown)"),
}
