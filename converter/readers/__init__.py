"""Readers turn an edition's text into `SourceTable`s; one module per form of the text."""

from __future__ import annotations

from pathlib import Path

from ..model import SourceTable
from ..registry import Registry
from .markdown_tsv import read_markdown_tsv
from .pdf_text import read_pdf_text

READERS = {"markdown-tsv": read_markdown_tsv, "pdf-text": read_pdf_text}


class SourceError(ValueError):
    """The source text cannot be read; the message names file and line."""


def read_edition(registry: Registry, edition_id: str) -> list[SourceTable]:
    """All tables of one edition, read by the reader its form asks for."""
    edition = registry.edition(edition_id)
    reader = READERS.get(edition.form)
    if reader is None:
        raise SourceError(f"data/editions.toml: edition {edition_id}: unknown form {edition.form!r}")
    path: Path = registry.data_dir / edition.file
    if not path.is_file():
        raise SourceError(f"data/editions.toml: edition {edition_id}: {path} does not exist")
    return reader(registry, edition_id, path)
