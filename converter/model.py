"""The plain records that flow through the converter: source tables, observations, rejects.

Each carries its place in the source (file and line), so every figure stays traceable from the
published triple back to the printed cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Place:
    """Where something is printed: the source file (relative to `data/`) and its 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Column:
    """A table column: a year of figures, or the printed change (kept for checking only)."""

    kind: str  # "year" | "change"
    year: int | None
    group: int = 0  # tables with two blocks of years (% after 3 and after 6 weeks) number them


@dataclass
class Cell:
    text: str
    place: Place


@dataclass
class SourceRow:
    """One printed row: its label as printed and its cells aligned to the table's columns."""

    place: Place
    label: str
    cells: list[Cell | None]  # one per column; None is a blank cell
    label_marks: tuple[str, ...] = ()
    side_note: str | None = None  # text printed beside the row (raw PDF text only)
    inferred_blanks: int = 0  # blank cells the reader placed by aligning to the right
    extra_change: str | None = None  # a second change figure printed below the row


@dataclass
class SourceTable:
    """A printed table with the section it stands in."""

    edition: str
    place: Place  # the header line
    section: tuple[str, ...]  # headings as printed: domain > voorziening > sub-part
    voorziening: str | None  # registry id of the section, None if the heading is unknown
    columns: list[Column]
    caption: str | None = None
    rows: list[SourceRow] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # footnote mark -> text

    @property
    def id(self) -> str:
        return f"{self.place.file}:{self.place.line}"

    @property
    def years(self) -> list[int]:
        return [c.year for c in self.columns if c.kind == "year" and c.year is not None]


@dataclass(frozen=True)
class Observation:
    """One published figure: an indicator's value for a year in one edition."""

    edition: str
    voorziening: str
    indicator: str
    breakdown: str  # "totaal" unless the table breaks the indicator down
    year: int
    value: Decimal | None
    unit: str
    status: str  # normal | lower-bound | corrected | not-available
    status_note: str
    footnote_marks: tuple[str, ...]
    footnote_text: str
    label: str  # the row label as printed
    section: str  # the section path as printed, joined with " > "
    place: Place
    raw: str  # the cell text as printed
    table: str  # id of the source table


@dataclass(frozen=True)
class Reject:
    """A printed figure the converter did not publish, with the reason."""

    edition: str
    place: Place
    table: str
    label: str
    year: int | None
    raw: str
    reason: str
    reason_nl: str = ""  # the reason in Dutch, for the quality report


@dataclass(frozen=True)
class Finding:
    """Something in the source that looks wrong or needed a decision, for the quality report."""

    kind: str  # malformed-number | change-mismatch | revision | inferred-blank | footnote | ...
    edition: str
    place: Place
    message: str
    indicator: str = ""
    year: int | None = None
    message_nl: str = ""  # the message in Dutch, for the quality report


@dataclass
class TableAccount:
    """Accounting of one table: every figure cell seen is published or rejected."""

    table: str
    edition: str
    cells_seen: int = 0
    cells_published: int = 0
    cells_rejected: int = 0
    observations: int = 0  # figures published
    missing: int = 0  # printed cells without a figure ('-', blank), published as such (mdo:OntbrekendCijfer)

    @property
    def balanced(self) -> bool:
        return self.cells_seen == self.cells_published + self.cells_rejected


# How a line of a source file was read (see `LineAccount`).
TABLE_LINE = "table"  # a table's header, row, separator or a blank line inside it
NOTE_LINE = "note"  # a footnote or explanation belonging to a table
HEADING_LINE = "heading"
TEXT_LINE = "text"  # prose: the summary, introductions, explanations
UNREAD_LINE = "unread"  # holds figure-like text that no reader took in


@dataclass
class LineAccount:
    """Accounting of one source file: how each line that holds a figure-like token was read.

    A line is in a table that was read, in text that was recognised, or unread; unread lines
    stop the build (or are listed, when that is allowed), so a figure never vanishes silently.
    """

    file: str
    edition: str
    lines: int = 0
    kinds: dict[int, str] = field(default_factory=dict)  # line number -> kind, figure lines only
    texts: dict[int, str] = field(default_factory=dict)  # line number -> text, for unread lines
    tables: int = 0

    def mark(self, line: int, kind: str) -> None:
        self.kinds[line] = kind

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds.values() if k == kind)

    @property
    def unread(self) -> list[int]:
        return sorted(line for line, kind in self.kinds.items() if kind == UNREAD_LINE)


@dataclass
class SourceText:
    """What a reader made of one edition's file: its tables and the account of its lines."""

    tables: list[SourceTable]
    lines: LineAccount
