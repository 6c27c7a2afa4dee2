"""Register a new edition: its text under data/sources/, its entry in data/editions.toml.

The file is copied and the entry appended only after the text has been read: an edition whose
text has unread lines of figures, or no table, is not registered (the error names the lines),
and if reading with the new entry fails, both files are as they were before.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from converter.atomic import atomic_open
from converter.model import LineAccount, SourceTable
from converter.readers import read_source
from converter.readers.lines import read_lines
from converter.registry import Registry

_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
_YEAR_HEADER = re.compile(r"^[^\t]*\t(?:[^\t]*\t)*\s*\d{4}\s*\t\s*\d{4}\b", re.MULTILINE)


class EditionError(ValueError):
    """The new edition cannot be registered as asked; the message says which option to change."""


@dataclass(frozen=True)
class AddedEdition:
    id: str
    file: str  # relative to data/
    form: str
    tables: list[SourceTable]
    lines: LineAccount


def guess_form(text: str) -> str:
    """markdown-tsv if the text has a tab-separated header of years, else pdf-text."""
    return "markdown-tsv" if _YEAR_HEADER.search(text) else "pdf-text"


def _entry(values: dict[str, str]) -> str:
    lines = ["", "[[edition]]"] + [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def add_edition(data_dir: Path, source: Path, edition_id: str, title: str, reference_date: str,
                form: str | None = None, publisher: str = "ICTU", version: str | None = None,
                issued: str | None = None) -> AddedEdition:
    """Copy `source` to data/sources/mdo-<id>.txt, add its entry, and read it; undo both on failure."""
    registry = Registry(data_dir)
    if not _ID.fullmatch(edition_id):
        raise EditionError(f"--id {edition_id!r}: use letters, digits, '.', '-' or '_' (for example 2025)")
    if edition_id in registry.editions:
        raise EditionError(f"--id {edition_id}: data/editions.toml already has this edition; choose another id")
    for option, value in (("--reference-date", reference_date), ("--issued", issued)):
        if value is None:
            continue
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise EditionError(f"{option} {value!r}: not a date like 2024-12-31") from None
    if not title.strip():
        raise EditionError("--title: give the edition's title, as printed on the report")
    if not source.is_file():
        raise EditionError(f"{source}: no such file")
    text = "\n".join(read_lines(source, str(source)))  # bad bytes are named here, before anything is written
    for other in registry.editions.values():
        known = data_dir / other.file
        if known.is_file() and known.read_bytes() == source.read_bytes():
            raise EditionError(f"{source}: this is the text of edition {other.id} (data/{other.file}); add the new edition's text")
    form = form or guess_form(text)
    relative = f"sources/mdo-{edition_id}.txt"
    target = data_dir / relative
    if target.exists():
        raise EditionError(f"data/{relative} already exists; remove it or choose another --id")
    values = {"id": edition_id, "title": title, "publisher": publisher}
    values |= {"version": version} if version else {}
    values |= {"issued": issued} if issued else {}
    values |= {"reference_date": reference_date, "file": relative, "form": form}
    editions = data_dir / "editions.toml"
    before = editions.read_text(encoding="utf-8")
    with atomic_open(target, "wb") as handle:
        handle.write(source.read_bytes())
    try:
        with atomic_open(editions) as handle:
            handle.write(before.rstrip("\n") + "\n" + _entry(values))
        read = read_source(Registry(data_dir), edition_id)
        if read.lines.unread or not read.tables:
            from converter.extraction.extract import UnreadLines

            raise UnreadLines([read.lines])
    except BaseException:
        with atomic_open(editions) as handle:
            handle.write(before)
        target.unlink(missing_ok=True)
        raise
    return AddedEdition(edition_id, relative, form, read.tables, read.lines)
