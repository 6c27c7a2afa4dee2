"""An edition's text as lines, read the same way by every reader and check.

Line numbers count `\\n` only: `str.splitlines` would also break at U+2028, U+0085 and form
feeds that a PDF extract may carry inside a paragraph, and every place after them would be off.
A byte order mark, CR before LF and no-break spaces are layout, not content: they are removed or
made plain spaces here, so that the readers see one form of the text.
"""

from __future__ import annotations

from pathlib import Path

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


class SourceError(ValueError):
    """The source text cannot be read; the message names file and line (and column)."""


def decode(data: bytes, file: str) -> str:
    """The bytes as UTF-8 text, or a `SourceError` naming the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise SourceError(
            f"{file}:{line}:{column}: byte 0x{data[start]:02x} is not UTF-8; "
            "save the text as UTF-8 (for example with `iconv -f cp1252 -t utf-8`)"
        ) from None


def split_lines(text: str) -> list[str]:
    """Lines split at `\\n` only, without a trailing CR, BOM or no-break spaces."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [(line[:-1] if line.endswith("\r") else line).translate(_SPACES) for line in lines]


def read_lines(path: Path, file: str) -> list[str]:
    """The lines of a source file; `file` is the name used in messages (relative to `data/`)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{file}: cannot be read: {error.strerror or error}") from None
    return split_lines(decode(data, file))
