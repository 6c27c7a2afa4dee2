"""Reader for raw PDF text (the 2020 edition): cells split by spaces, rows broken over lines.

A table starts at a line of years (`2017 2018 2019 %`; a header may run over several lines,
as in `2017 2018 2019 Verschil / 2018-2019 / 2017 ...`). Rows are then gathered line by line:
a row is complete once its text ends in as many cells as the table has columns, the label being
what precedes them. Cells are recognised from the end of the text (`_CELL`), so labels may run
over lines and cells may be scattered over several. A row that ends in a change figure when
the next line starts a new label has blank cells; its figures are aligned to the most recent
years (the reader records how many blanks it inferred, and the change figure confirms it later).
Known headings, `Toelichting`/`Verklaring`/`Specificatie` and a new header end a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from converter.model import HEADING_LINE, TABLE_LINE, Cell, Column, Place, SourceRow, SourceTable, SourceText
from converter.registry import Registry
from converter.readers.account import account_lines
from converter.readers.lines import SourceError, read_lines
from converter.readers.sections import SectionTracker

_NUM = r"\d{1,3}(?:\.\d+)+(?:,\d+)?|\d+(?:,\d+)?"
_CHANGE = rf"[+-]?\s?(?:{_NUM}|\d+\.\d)\s?%|nieuw"
_CELL_ALTERNATIVES = [
    r"\d+\s+partners,?\s+\d+\s+aansluitingen",
    rf"(?:{_NUM})\s?%\s+van\s+het\s+aantal\s+bevragingen",
    _CHANGE,
    rf">\s?(?:{_NUM})",
    rf"(?:{_NUM})\s?%",
    _NUM,
    r"-",
]
_CELL_AT_END = re.compile(r"(?:^|(?<=\s))(" + "|".join(_CELL_ALTERNATIVES) + r")\s*$")
_CHANGE_ONLY = re.compile(rf"(?:{_CHANGE}|-)")
_HEADER_TOKEN = re.compile(r"\d{4}|%|Verschil|Toelichting|\d{4}-\d{4}")
_YEAR = re.compile(r"\d{4}")
# A row gathered over more lines than this is not a row: the reader lets its first line go as
# text (which the line account then places), so that reading stays linear in the input.
_MAX_ROW_LINES = 40
_ENDS_TABLE = re.compile(r"^(?:Toelichting|Verklaring|Specificatie)\b", re.IGNORECASE)


def _header_tokens(text: str, continuing: bool) -> list[str] | None:
    tokens = text.split()
    if not tokens or not all(_HEADER_TOKEN.fullmatch(t) for t in tokens):
        return None
    years = sum(1 for t in tokens if _YEAR.fullmatch(t))
    return tokens if years >= 2 or (continuing and years == 0) else None


def _columns(tokens: list[str]) -> list[Column]:
    columns: list[Column] = []
    group = 0
    for token in tokens:
        if _YEAR.fullmatch(token):
            columns.append(Column("year", int(token), group))
        elif token in ("%", "Verschil"):
            columns.append(Column("change", None, group))
            group += 1
    return columns


@dataclass
class _Buffer:
    """The lines of a row being gathered, with the line each character came from."""

    parts: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line_no: int, text: str) -> None:
        self.parts.append((line_no, " ".join(text.split())))

    @property
    def text(self) -> str:
        return " ".join(t for _, t in self.parts)

    def line_at(self, offset: int) -> int:
        position = 0
        for line_no, text in self.parts:
            position += len(text) + 1
            if offset < position:
                return line_no
        return self.parts[-1][0]

    def peel(self, limit: int) -> tuple[str, list[tuple[str, int]]]:
        """Split the text into a label and up to `limit` trailing cells (text, line)."""
        text = self.text
        end = len(text)
        cells: list[tuple[str, int]] = []
        while len(cells) < limit:
            match = _CELL_AT_END.search(text, 0, end)
            if not match:
                break
            cells.insert(0, (match.group(1), self.line_at(match.start(1))))
            end = match.start()
        return text[:end].strip(), cells


class _PdfTableReader:
    def __init__(self, registry: Registry, edition: str, file: str) -> None:
        self.sections = SectionTracker(registry, edition)
        self.edition = edition
        self.file = file
        self.tables: list[SourceTable] = []
        self.table: SourceTable | None = None
        self.buffer = _Buffer()
        self.recent: list[str] = []  # prose lines before a table: its caption candidates
        self.header_tokens: list[str] | None = None
        self.root: str | None = None  # the voorziening a table started in (sub-parts may follow)
        self.last_was_header = False  # a header may run over several lines
        self.marks: dict[int, str] = {}  # line number -> how it was read

    # -- tables ------------------------------------------------------------------------
    def start_table(self, line_no: int, tokens: list[str]) -> None:
        caption_lines = self.recent[-3:]
        self.buffer = _Buffer()
        self.table = SourceTable(
            edition=self.edition,
            place=Place(self.file, line_no),
            section=self.sections.path,
            voorziening=self.sections.voorziening,
            columns=_columns(tokens),
            caption=" / ".join(caption_lines) if caption_lines else None,
        )
        self.tables.append(self.table)
        self.marks[line_no] = TABLE_LINE
        self.header_tokens = tokens
        self.root = self.sections.voorziening
        self.recent = []

    def extend_header(self, line_no: int, tokens: list[str]) -> None:
        assert self.table is not None and self.header_tokens is not None
        self.header_tokens += tokens
        self.marks[line_no] = TABLE_LINE
        self.table.columns = _columns(self.header_tokens)

    def end_table(self) -> None:
        self.flush()
        self.table = None
        self.header_tokens = None

    @property
    def has_change(self) -> bool:
        return self.table is not None and self.table.columns[-1].kind == "change"

    def try_complete(self) -> None:
        assert self.table is not None
        label, cells = self.buffer.peel(len(self.table.columns))
        if len(cells) == len(self.table.columns) and label:
            self.emit(label, cells)

    def flush(self) -> None:
        """Close the gathered row: short rows keep their cells aligned to the latest years."""
        if not self.buffer.parts or self.table is None:
            self.buffer = _Buffer()
            return
        label, cells = self.buffer.peel(len(self.table.columns))
        if cells and not label and self.table.rows and all(_CHANGE_ONLY.fullmatch(c) for c, _ in cells):
            self.table.rows[-1].extra_change = " ".join(c for c, _ in cells)
            self.mark_buffer(TABLE_LINE)
            self.buffer = _Buffer()
            return
        if cells:
            self.emit(label, cells)
        else:
            self.recent.append(self.buffer.text)  # prose, or a caption for the next table
        self.buffer = _Buffer()

    def emit(self, label: str, cells: list[tuple[str, int]]) -> None:
        """Add a row; with fewer cells than columns, values go to the latest years."""
        assert self.table is not None
        columns = self.table.columns
        placed = [Cell(t, Place(self.file, n)) for t, n in cells]
        missing = len(columns) - len(cells)
        aligned: list[Cell | None] = placed
        if missing:
            values, change = placed, None
            if self.has_change and _CHANGE_ONLY.fullmatch(placed[-1].text):
                values, change = placed[:-1], placed[-1]
            year_columns = [i for i, c in enumerate(columns) if c.kind == "year"]
            aligned = [None] * len(columns)
            for index, cell in zip(year_columns[len(year_columns) - len(values) :], values):
                aligned[index] = cell
            if change is not None:
                aligned[-1] = change
        self.table.rows.append(
            SourceRow(
                place=Place(self.file, self.buffer.parts[0][0]),
                label=label,
                cells=aligned,
                inferred_blanks=missing,
            )
        )
        self.mark_buffer(TABLE_LINE)
        self.buffer = _Buffer()

    def mark_buffer(self, kind: str) -> None:
        for line_no, _ in self.buffer.parts:
            self.marks[line_no] = kind

    def row_is_closed_by(self, text: str) -> bool:
        """A new label begins while the gathered row already ends in its change figure."""
        if not self.buffer.parts or not text[:1].isalpha() or not self.has_change:
            return False
        _, cells = self.buffer.peel(len(self.table.columns) if self.table else 0)
        return bool(cells) and _CHANGE_ONLY.fullmatch(cells[-1][0]) is not None

    # -- lines -------------------------------------------------------------------------
    def line(self, line_no: int, raw: str) -> None:
        text = " ".join(raw.split())
        if not text:
            return
        tokens = _header_tokens(text, continuing=self.last_was_header)
        if tokens is not None and self.last_was_header:
            self.extend_header(line_no, tokens)
            return
        self.last_was_header = tokens is not None
        if tokens is not None:
            if self.table is not None:
                self.flush()
            self.start_table(line_no, tokens)
            return
        match = self.sections.match(text)
        if match is not None:
            self.marks[line_no] = HEADING_LINE
        if self.table is None:
            if match is not None:
                self.sections.apply(match, text)
                self.recent = []
            else:
                self.recent = (self.recent + [text])[-3:]
            return
        if match is not None and match.kind != "notes" and not self.continues_label(match.id):
            self.flush()
            if match.kind == "voorziening" and self.is_sub_part(match.id):
                self.sections.apply(match, text)
                self.split_table(line_no)
            else:
                self.end_table()
                self.sections.apply(match, text)
            return
        if _ENDS_TABLE.match(text):
            self.end_table()
            self.sections.apply(match, text)
            return
        if self.row_is_closed_by(text):
            self.flush()
        if len(self.buffer.parts) >= _MAX_ROW_LINES:  # no row is this long: its first line is text
            self.recent = (self.recent + [self.buffer.parts.pop(0)[1]])[-3:]
        self.buffer.add(line_no, text)
        self.try_complete()

    def continues_label(self, voorziening: str | None) -> bool:
        """A heading-like line inside a pending label ("...geleverd aan / Digilevering")."""
        if not self.buffer.parts or self.table is None or voorziening is None:
            return False
        _, cells = self.buffer.peel(1)
        own = self.table.voorziening
        return not cells and own is not None and voorziening in [v.id for v in self.sections.registry.lineage(own)]

    def is_sub_part(self, voorziening: str | None) -> bool:
        own = self.root if self.table else None
        return own is not None and voorziening != own and voorziening in self.sections.registry.descendants(own)

    def split_table(self, line_no: int) -> None:
        """A sub-part heading inside a table (2020 MijnOverheid): same columns, new section."""
        assert self.table is not None
        self.table = SourceTable(
            edition=self.edition,
            place=Place(self.file, line_no),
            section=self.sections.path,
            voorziening=self.sections.voorziening,
            columns=self.table.columns,
        )
        self.tables.append(self.table)


def read_pdf_text(registry: Registry, edition: str, path: Path) -> SourceText:
    file = path.relative_to(registry.data_dir).as_posix()
    reader = _PdfTableReader(registry, edition, file)
    lines = read_lines(path, file)
    for number, line in enumerate(lines, start=1):
        reader.line(number, line)
    if reader.table is not None:
        table = reader.table
        reader.end_table()
        last = max((n for n, kind in reader.marks.items() if kind == TABLE_LINE), default=0)
        if table.rows and all(not line.strip() for line in lines[last:]):
            raise SourceError(
                f"{file}:{len(lines)}: the file ends inside the table of {table.place}; "
                "is the text cut off? Export the whole edition again"
            )
    return SourceText(reader.tables, account_lines(file, edition, lines, reader.marks, len(reader.tables)))
