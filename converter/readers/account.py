"""The account of a source file's lines: every line holding a figure-like token is placed.

The readers mark the lines they read (table rows and headers, footnotes, headings); every other
line that holds a digit is recognised text (a sentence of the summary or an introduction) unless
it looks like a row of figures: a tab inside it, or two or more figure cells at its end. Such a
line is unread, and the build stops on it instead of dropping its figures.
"""

from __future__ import annotations

import re

from converter.model import TEXT_LINE, UNREAD_LINE, LineAccount

_DIGIT = re.compile(r"\d")
_CELL_TOKEN = re.compile(r"[<>≥]?[+\-−]?\d[\d.,]*\*?%?\*?|[-–]|%|nieuw")


def looks_like_row(line: str, paragraphs: bool = False) -> bool:
    """A tab between two pieces of text, or at least two figure cells at the end of the line.

    With `paragraphs` (a text whose lines are whole paragraphs, not broken at the page width)
    also a line that ends in a figure, holds three or more figure cells and is no sentence:
    a row whose cells hold words (`13 lidstaten met 17 middelen`) and lost its tabs.
    """
    if "\t" in line.strip():
        return True
    tokens = line.split()
    trailing = 0
    for token in reversed(tokens):
        if not _CELL_TOKEN.fullmatch(token):
            break
        trailing += 1
    if trailing >= 2 and any(_DIGIT.search(t) for t in tokens[-trailing:]):
        return True
    if paragraphs and trailing and not line.rstrip().endswith((".", ":", ";", "!", "?")):
        return sum(1 for t in tokens if _CELL_TOKEN.fullmatch(t)) >= 3
    return False


def account_lines(file: str, edition: str, lines: list[str], marks: dict[int, str], tables: int,
                  paragraphs: bool = False) -> LineAccount:
    """The account of `lines` (numbered from 1), given the kinds the reader marked."""
    account = LineAccount(file, edition, lines=len(lines), tables=tables)
    for number, line in enumerate(lines, start=1):
        if not _DIGIT.search(line):
            continue
        kind = marks.get(number) or (UNREAD_LINE if looks_like_row(line, paragraphs) else TEXT_LINE)
        account.mark(number, kind)
        if kind == UNREAD_LINE:
            account.texts[number] = line.strip()
    return account
