"""Readers turn an edition's text into `SourceTable`s; one module per form of the text."""

from __future__ import annotations

from pathlib import Path

from converter.model import SourceTable, SourceText
from converter.registry import Registry
from converter.readers.lines import SourceError
from converter.readers.markdown_tsv import read_markdown_tsv
from converter.readers.pdf_text import read_pdf_text

READERS = {"markdown-tsv": read_markdown_tsv, "pdf-text": read_pdf_text}

__all__ = ["READERS", "SourceError", "read_edition", "read_source"]


def read_source(registry: Registry, edition_id: str) -> SourceText:
    """One edition's tables and the account of its lines, read by the reader its form asks for."""
    edition = registry.edition(edition_id)
    reader = READERS.get(edition.form)
    if reader is None:
        raise SourceError(
            f"data/editions.toml: edition {edition_id}: unknown form {edition.form!r}; "
            f"use one of {', '.join(sorted(READERS))}"
        )
    path: Path = registry.data_dir / edition.file
    if not path.is_file():
        raise SourceError(f"data/editions.toml: edition {edition_id}: file {edition.file!r} does not exist under data/")
    return reader(registry, edition_id, path)


def read_edition(registry: Registry, edition_id: str) -> list[SourceTable]:
    """All tables of one edition."""
    return read_source(registry, edition_id).tables
