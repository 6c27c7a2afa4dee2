"""Reader for the cleaner extracts (the 2024 edition): markdown headings, tab-separated tables.

A table starts at a tab-separated line with two or more year cells; the cells before the first
year are row-header columns (the BRK table has two levels), a `%` cell is the printed change.
Rows follow until a line without tabs. Footnotes (`\\*) ...`, `* ...`) after a table belong to it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Cell, Column, Place, SourceRow, SourceTable
from ..numbers import split_marks, strip_markup
from ..registry import Registry
from .sections import SectionTracker

_YEAR = re.compile(r"\d{4}")
_SEPARATOR = re.compile(r"-{3,}")
_FOOTNOTE = re.compile(r"^\\?((?:\\?\*)+)\)?\s*(.+)$|^<sup>\s*(\w+)\s*</sup>\s*(.+)$")


class TableShapeError(ValueError):
    """A table row does not have as many cells as its header; the message names file and line."""


def _header(cells: list[str]) -> tuple[int, list[Column]] | None:
    """(number of row-header columns, columns) if the cells are a table header."""
    years = [i for i, c in enumerate(cells) if _YEAR.fullmatch(c.strip())]
    if len(years) < 2:
        return None
    columns = []
    for c in cells[years[0] :]:
        c = c.strip()
        if _YEAR.fullmatch(c):
            columns.append(Column("year", int(c)))
        elif c == "%":
            columns.append(Column("change", None))
        else:
            return None
    return years[0], columns


def read_markdown_tsv(registry: Registry, edition: str, path: Path) -> list[SourceTable]:
    file = path.relative_to(registry.data_dir).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    sections = SectionTracker(registry, edition)
    tables: list[SourceTable] = []
    current: SourceTable | None = None  # the table footnotes attach to
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            match = sections.match(line)
            sections.apply(match, line)
            if match is None or match.kind != "notes":
                current = None
            i += 1
            continue
        header = _header(line.split("\t")) if "\t" in line else None
        if header is not None:
            label_columns, columns = header
            current = SourceTable(
                edition=edition,
                place=Place(file, i + 1),
                section=sections.path,
                voorziening=sections.voorziening,
                columns=columns,
                caption=" ".join(c for c in line.split("\t")[:label_columns] if c.strip()) or None,
            )
            tables.append(current)
            i = _read_rows(lines, i + 1, current, label_columns, file)
            continue
        if current is not None and (note := _FOOTNOTE.match(line.strip())):
            mark = (note.group(1) or "").replace("\\", "") or note.group(3)
            current.notes[mark] = (note.group(2) or note.group(4)).strip()
        i += 1
    return tables


def _read_rows(lines: list[str], start: int, table: SourceTable, label_columns: int, file: str) -> int:
    """Read rows into `table` from line index `start`; return the index after the table."""
    width = label_columns + len(table.columns)
    i = start
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if "\t" not in line:
            break
        cells = line.split("\t")
        if all(_SEPARATOR.fullmatch(c.strip()) for c in cells if c.strip()):
            i += 1
            continue
        if len(cells) != width:
            raise TableShapeError(
                f"{file}:{i + 1}: row has {len(cells)} tab-separated cells, its table header "
                f"({file}:{table.place.line}) has {width}"
            )
        label, marks = split_marks(" | ".join(c.strip() for c in cells[:label_columns] if c.strip()))
        label = strip_markup(label)
        place = Place(file, i + 1)
        table.rows.append(
            SourceRow(
                place=place,
                label=" ".join(label.split()),
                label_marks=marks,
                cells=[Cell(c.strip(), place) if c.strip() else None for c in cells[label_columns:]],
            )
        )
        i += 1
    return i
