"""Reader for the cleaner extracts (the 2024 edition): markdown headings, tab-separated tables.

A table starts at a tab-separated line with two or more year cells; the cells before the first
year are row-header columns (the BRK table has two levels), a `%` cell is the printed change.
Rows follow until a line without tabs. Footnotes (`\\*) ...`, `* ...`) after a table belong to it.

Layout that an export may change without changing the table is read the same: empty cells
after the last column (a trailing tab), a header whose tabs became spaces (its years say where
the columns are), and a row whose tabs became spaces when its cells can be told apart from the
end of the line. A row that still does not line up with its header stops the reading with its
line: its figures are never moved into other years.
"""

from __future__ import annotations

import re
from pathlib import Path

from converter.model import HEADING_LINE, NOTE_LINE, TABLE_LINE, TEXT_LINE, Cell, Column, Place, SourceRow, SourceTable, SourceText
from converter.numbers import split_marks, strip_markup
from converter.registry import Registry
from converter.readers.account import account_lines, looks_like_row
from converter.readers.lines import SourceError, read_lines
from converter.readers.sections import SectionTracker

_YEAR = re.compile(r"\d{4}")
_SEPARATOR = re.compile(r"-{3,}")
# A line of the table of contents: a title, a tab and its page number (`<b>1. DigiD</b>\t<b>7</b>`).
_CONTENTS = re.compile(r"([^\t]+)\t\s*(?:<b>)?\d{1,3}(?:</b>)?\s*")
_FOOTNOTE = re.compile(r"^\\?((?:\\?\*)+)\)?\s*(.+)$|^<sup>\s*(\w+)\s*</sup>\s*(.+)$")
# A cell of a row whose tabs became spaces, read from the end: a change, a number (with a
# footnote mark), a lower bound or a dash. Cells of more than one word are not guessed.
_SPACED_CELL = re.compile(r"[+\-−]?\s?\d[\d.,]*\s?%|>\s?\d[\d.,]*|\d[\d.,]*\*?|[-–]|nieuw")


class TableShapeError(SourceError):
    """A table row does not have as many cells as its header; the message names file and line."""


def _trim(cells: list[str]) -> list[str]:
    """The cells without empty ones at the end (a trailing tab adds an empty cell)."""
    end = len(cells)
    while end > 0 and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _columns(tokens: list[str]) -> list[Column] | None:
    columns = []
    for token in tokens:
        token = token.strip()
        if _YEAR.fullmatch(token):
            columns.append(Column("year", int(token)))
        elif token == "%":
            columns.append(Column("change", None))
        else:
            return None
    return columns


def _header(cells: list[str]) -> tuple[int, list[Column]] | None:
    """(number of row-header columns, columns) if the tab-separated cells are a table header."""
    cells = _trim(cells)
    years = [i for i, c in enumerate(cells) if _YEAR.fullmatch(c.strip())]
    if len(years) < 2:
        return None
    columns = _columns(cells[years[0] :])
    return None if columns is None else (years[0], columns)


def _spaced_header(line: str) -> tuple[str, list[Column]] | None:
    """(caption, columns) of a header whose tabs became spaces: `Indicator 2019 2020 ... %`."""
    tokens = line.split()
    start = len(tokens)
    while start > 0 and (_YEAR.fullmatch(tokens[start - 1]) or tokens[start - 1] == "%"):
        start -= 1
    columns = _columns(tokens[start:])
    caption = tokens[:start]
    if not columns or sum(c.kind == "year" for c in columns) < 2 or not caption:
        return None
    if any(re.search(r"\d", t) for t in caption) or len(caption) > 4:
        return None
    return " ".join(caption), columns


def _spaced_cells(text: str, count: int) -> tuple[str, list[str]] | None:
    """Split a row whose tabs became spaces into its label and `count` cells, if unambiguous."""
    cells: list[str] = []
    rest = text.strip()
    while len(cells) < count:
        match = re.search(rf"(?:^|\s)({_SPACED_CELL.pattern})$", rest)
        if not match:
            return None
        cells.insert(0, match.group(1))
        rest = rest[: match.start()].rstrip()
    if not rest or re.search(r"\d$", rest):
        return None
    return rest, cells


def read_markdown_tsv(registry: Registry, edition: str, path: Path) -> SourceText:
    file = path.relative_to(registry.data_dir).as_posix()
    lines = read_lines(path, file)
    sections = SectionTracker(registry, edition)
    tables: list[SourceTable] = []
    marks: dict[int, str] = {}
    current: SourceTable | None = None  # the table footnotes attach to
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            marks[i + 1] = HEADING_LINE
            match = sections.match(line)
            sections.apply(match, line)
            if match is None or match.kind != "notes":
                current = None
            i += 1
            continue
        header = _header(line.split("\t")) if "\t" in line.strip() else None
        spaced = _spaced_header(line) if header is None and "\t" not in line.strip() else None
        if header is not None or spaced is not None:
            if header is not None:
                label_columns: int | None = header[0]
                columns = header[1]
                caption = " ".join(c for c in line.split("\t")[: header[0]] if c.strip()) or None
            else:
                assert spaced is not None
                caption, columns = spaced
                label_columns = None  # told by the first row
            current = SourceTable(
                edition=edition,
                place=Place(file, i + 1),
                section=sections.path,
                voorziening=sections.voorziening,
                columns=columns,
                caption=caption,
            )
            tables.append(current)
            marks[i + 1] = TABLE_LINE
            i = _read_rows(lines, i + 1, current, label_columns, file, marks)
            continue
        if (contents := _CONTENTS.fullmatch(line.strip())) and re.search(r"[^\W\d]", contents.group(1)):
            marks[i + 1] = TEXT_LINE
        elif current is not None and (note := _FOOTNOTE.match(line.strip())):
            mark = (note.group(1) or "").replace("\\", "") or note.group(3)
            current.notes[mark] = (note.group(2) or note.group(4)).strip()
            marks[i + 1] = NOTE_LINE
        i += 1
    if tables and current is not None and current is tables[-1] and current.rows and _ends_in_table(lines, current):
        raise SourceError(
            f"{file}:{len(lines)}: the file ends inside the table of {file}:{current.place.line}; "
            "is the text cut off? Export the whole edition again"
        )
    return SourceText(tables, account_lines(file, edition, lines, marks, len(tables), paragraphs=True))


def _ends_in_table(lines: list[str], table: SourceTable) -> bool:
    """True if nothing but blank lines follows the table's last row."""
    last = table.rows[-1].place.line
    return all(not line.strip() for line in lines[last:])


def _read_rows(lines: list[str], start: int, table: SourceTable, label_columns: int | None, file: str,
               marks: dict[int, str]) -> int:
    """Read rows into `table` from line index `start`; return the index after the table."""
    i = start
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if "\t" in line.strip():
            cells = line.split("\t")
            if _header(cells) is not None:
                break  # the next table starts
            if all(_SEPARATOR.fullmatch(c.strip()) for c in cells if c.strip()):
                marks[i + 1] = TABLE_LINE
                i += 1
                continue
        elif looks_like_row(line, paragraphs=True):
            split = _spaced_cells(line, len(table.columns))
            if split is None:
                raise TableShapeError(
                    f"{file}:{i + 1}: this row of the table at {file}:{table.place.line} has no tabs, and its "
                    f"{len(table.columns)} cells cannot be told apart by spaces; separate the cells with tabs"
                )
            cells = [split[0], *split[1]] if label_columns in (None, 1) else []
            if not cells:
                raise TableShapeError(
                    f"{file}:{i + 1}: this row of the table at {file}:{table.place.line} has no tabs, and its "
                    f"{label_columns} label columns cannot be told apart; separate the cells with tabs"
                )
        else:
            break
        if label_columns is None:
            label_columns = max(len(_trim(cells)) - len(table.columns), 1)
        width = label_columns + len(table.columns)
        if len(cells) > width and not "".join(cells[width:]).strip():
            cells = cells[:width]  # empty cells after the last column: trailing tabs
        if len(cells) != width:
            raise TableShapeError(
                f"{file}:{i + 1}: row has {len(cells)} tab-separated cells, its table header "
                f"({file}:{table.place.line}) has {width}; a row that does not line up with its header is not "
                "read (its figures would land in other years)"
            )
        label, label_marks = split_marks(" | ".join(c.strip() for c in cells[:label_columns] if c.strip()))
        label = strip_markup(label)
        place = Place(file, i + 1)
        table.rows.append(
            SourceRow(
                place=place,
                label=" ".join(label.split()),
                label_marks=label_marks,
                cells=[Cell(c.strip(), place) if c.strip() else None for c in cells[label_columns:]],
            )
        )
        marks[i + 1] = TABLE_LINE
        i += 1
    return i
