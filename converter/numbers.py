"""Dutch figures as the Monitor prints them: one cell's text to figures with unit and status.

The report writes `1.234.567` (dot groups thousands), `6,9%` (comma is the decimal mark),
`179 Mln`, `3,5 mlrd`, `0,7 miljoen`, but also `2.1 mlrd` and `3.05 mlrd` with a dot as the
decimal mark, `> 5.000` for a lower bound, `-` or nothing for "no figure", footnote marks such as
`14.259*`, `<sup>1</sup>` and `¹`, and cells that hold two figures (`13 lidstaten met 17 middelen`).
Anything that looks like a number but is not well formed (`9.100.00`) raises
`MalformedNumber`: the caller decides, and reports, what happens to it. Text that is no figure
raises `NotAFigure`; both are a `FigureError`, and nothing else escapes `parse_cell`.

Footnote marks are split off before any markup is removed: `663<sup>1</sup>` is 663 with mark 1,
never 6631. Whitespace is collapsed before any pattern runs, so reading a cell takes time linear
in its length, however many spaces it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

COUNT = "count"
PERCENT = "percent"

NORMAL = "normal"
LOWER_BOUND = "lower-bound"
NOT_AVAILABLE = "not-available"

SCALES = {"mln": 10**6, "miljoen": 10**6, "mlrd": 10**9, "miljard": 10**9}

_MARKS = re.compile(r" ?(?:<sup> ?([^<> ]+(?: [^<> ]+)*) ?</sup>|(\*+)\)?|([¹²³⁴⁵⁶⁷⁸⁹⁰]+))$")
_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_MARK_WINDOW = 64
_TAGS = re.compile(r"<[^<>]+>")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_PLAIN = re.compile(r"\d+(?:,\d+)?")
_NUMBERISH = re.compile(r"\d[\d.,]*")
_WHOLE_COUNT = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+")  # `1.234.567`, `2647`: most cells of every edition
_SCALED = re.compile(r"(\d+(?:[.,]\d+)?)\s*(mln|miljoen|mlrd|miljard)", re.IGNORECASE)
_PERCENT_OF = re.compile(r"(\d+(?:,\d+)?)\s*%\s*van (?:het|de) .+")
_PARTS_NOUN = re.compile(r"(\d[\d.]*) ([a-z]+)")
_PARTS_NOUN_CELL = re.compile(r"\d[\d.]* [a-z]+(?:(?:,| met)? \d[\d.]* [a-z]+)*")
_PARTS_LABELLED = re.compile(r"([Nn]a \d+ weken): ?(\d+(?:,\d+)?) ?%")
_PARTS_LABELLED_CELL = re.compile(r"[Nn]a \d+ weken: ?\d+(?:,\d+)? ?%(?: [Nn]a \d+ weken: ?\d+(?:,\d+)? ?%)*")
_CHANGE = re.compile(r"([+-]?)\s?(\d{1,3}(?:\.\d{3})+|\d+)(?:[.,](\d+))?\s?%")
_CHANGE_DECIMALS = re.compile(r"[.,](\d+)\s?%")


class FigureError(ValueError):
    """A cell's text is not a figure the converter can publish as printed."""


class NotAFigure(FigureError):
    """Text that holds no figure at all (`nieuw systeem`)."""


class MalformedNumber(FigureError):
    """A cell that looks like a number but is not a well-formed Dutch number.

    `candidate` is the value the text would have with its last digit group completed by zeros
    (`9.100.00` -> 9100000); it is a candidate only, never used without a confirmation.
    """

    def __init__(
        self, raw: str, reason: str, candidate: Decimal | None = None, prefix: str = "", missing: int = 0
    ) -> None:
        super().__init__(f"{raw!r}: {reason}")
        self.raw = raw
        self.reason = reason
        self.candidate = candidate
        self.prefix = prefix  # the digits printed
        self.missing = missing  # how many digits the last group lacks

    def __reduce__(self) -> tuple[type, tuple[str, str, Decimal | None, str, int]]:
        """Pickled by its arguments: an extraction's forked process sends the held numbers back."""
        return MalformedNumber, (self.raw, self.reason, self.candidate, self.prefix, self.missing)

    def completes_to(self, value: Decimal) -> bool:
        """True if `value` is this text with its missing digits filled in (`223.949.53` -> 223949536)."""
        digits = str(int(value)) if value == value.to_integral_value() else ""
        return len(digits) == len(self.prefix) + self.missing and digits.startswith(self.prefix)


@dataclass(frozen=True)
class Figure:
    """One figure read from a cell; `value` is None when the cell says there is no figure."""

    value: Decimal | None
    unit: str = COUNT
    status: str = NORMAL
    part: str | None = None
    marks: tuple[str, ...] = ()
    half_width: Decimal = Decimal("0.5")  # half the rounding step of the printed figure

    @property
    def interval(self) -> tuple[Decimal, Decimal]:
        """The range of true values the printed (possibly rounded) figure stands for."""
        assert self.value is not None
        return self.value - self.half_width, self.value + self.half_width


def split_marks(text: str) -> tuple[str, tuple[str, ...]]:
    """Strip trailing footnote marks (`*`, `**)`, `<sup>1</sup>`, `¹`) and return them in order.

    The text is collapsed to single spaces first. A mark is short and anchored at the end, so
    each is looked for in the last characters only: the whole takes time linear in the text.
    """
    text = " ".join(text.split())
    marks: list[str] = []
    end = len(text)
    while (match := _MARKS.search(text, max(0, end - _MARK_WINDOW), end)) and match.start() > 0:
        marks.append(match.group(1) or match.group(2) or match.group(3).translate(_SUPERSCRIPTS))
        end = match.start()
    return text[:end].rstrip(), tuple(reversed(marks))


def strip_markup(text: str) -> str:
    """Remove HTML tags the 2024 extract keeps (`<a href=...>`), keeping their text."""
    return _TAGS.sub("", text)


def _decimals(digits: str) -> int:
    return len(digits.split(",")[1]) if "," in digits else 0


def _half_step(decimals: int, scale: int = 1) -> Decimal:
    return Decimal(5) * Decimal(10) ** (-(decimals + 1)) * scale


def _dutch(number: str, raw: str) -> tuple[Decimal, int]:
    """A Dutch number (`1.234.567`, `6,9`, `2647`) to a Decimal and its count of decimals."""
    if _GROUPED.fullmatch(number) or _PLAIN.fullmatch(number):
        return Decimal(number.replace(".", "").replace(",", ".")), _decimals(number)
    groups = number.split(",")[0].split(".")
    if len(groups) > 1 and all(g.isdigit() for g in groups) and 0 < len(groups[-1]) < 3:
        padded = "".join(groups[:-1]) + groups[-1].ljust(3, "0")
        raise MalformedNumber(
            raw,
            f"last digit group {groups[-1]!r} has {len(groups[-1])} digits instead of 3",
            Decimal(padded),
            prefix="".join(groups),
            missing=3 - len(groups[-1]),
        )
    raise MalformedNumber(raw, "digit groups are not a well-formed Dutch number")


def _scaled(match: re.Match[str]) -> tuple[Decimal, Decimal]:
    """`3,5 mlrd`, `2.1 mlrd`, `179 Mln`: a short number times a scale word.

    Beside a scale word a dot before one or two digits is a decimal mark (`3.05 mlrd`), as a
    thousands separator would need three digits after it.
    """
    digits, word = match.group(1), match.group(2).lower()
    scale = SCALES[word]
    decimals = 0
    if "," in digits or re.fullmatch(r"\d+\.\d{1,2}", digits):
        decimals = len(re.split(r"[.,]", digits)[1])
        number = Decimal(digits.replace(",", "."))
    else:
        number = Decimal(digits.replace(".", ""))
    return _integral(number * scale), _half_step(decimals, scale)


def _integral(value: Decimal) -> Decimal:
    """Drop a scaled figure's trailing `.0` so that `3,5 mlrd` reads 3500000000."""
    return Decimal(int(value)) if value == value.to_integral_value() else value


def parse_cell(raw: str) -> list[Figure]:
    """All figures a value cell holds, in printed order.

    Returns one `Figure` with value None for `-` or an empty cell. Raises `MalformedNumber`
    for number-like text that is not well formed, and `NotAFigure` for text that is no figure.
    """
    if _WHOLE_COUNT.fullmatch(raw):  # the general path below gives the same, in several times the time
        return [Figure(Decimal(raw.replace(".", "")))]
    text, marks = split_marks(raw)
    text = " ".join(strip_markup(text).split())
    if text in ("", "-", "–"):
        return [Figure(None, status="not-available", marks=marks)]
    status = NORMAL
    if text[0] in ">≥":
        status = LOWER_BOUND
        text = text[1:].strip()
    if match := _SCALED.fullmatch(text):
        value, half = _scaled(match)
        return [Figure(value, COUNT, status, marks=marks, half_width=half)]
    if match := _PERCENT_OF.fullmatch(text):
        value, decimals = _dutch(match.group(1), raw)
        return [Figure(value, PERCENT, status, marks=marks, half_width=_half_step(decimals))]
    if text.endswith("%") and _NUMBERISH.fullmatch(text[:-1].strip()):
        value, decimals = _dutch(text[:-1].strip(), raw)
        return [Figure(value, PERCENT, status, marks=marks, half_width=_half_step(decimals))]
    if _NUMBERISH.fullmatch(text):
        value, decimals = _dutch(text, raw)
        return [Figure(value, COUNT, status, marks=marks, half_width=_half_step(decimals))]
    if _PARTS_LABELLED_CELL.fullmatch(text):
        figures = []
        for label, number in _PARTS_LABELLED.findall(text):
            value, decimals = _dutch(number, raw)
            figures.append(Figure(value, PERCENT, status, label.lower(), marks, _half_step(decimals)))
        return figures
    if _PARTS_NOUN_CELL.fullmatch(text):
        return [
            Figure(_dutch(number, raw)[0], COUNT, status, noun, marks)
            for number, noun in _PARTS_NOUN.findall(text)
        ]
    raise NotAFigure(f"{raw!r} is not a figure")


def parse_change(raw: str) -> Decimal | None:
    """The printed change column (`+2,5%`, `-1.2%`, `- 3,7%`, `469,9%`) as a percentage.

    Returns None for `-`, `nieuw` or an empty cell. Either mark may be the decimal one here.
    """
    text = " ".join(raw.split()).replace("−", "-")
    match = _CHANGE.fullmatch(text)
    if not match:
        return None
    sign, whole, fraction = match.groups()
    number = Decimal(whole.replace(".", "") + ("." + fraction if fraction else ""))
    return -number if sign == "-" else number


def change_decimals(raw: str) -> int:
    """How many decimals the printed change has (its rounding step)."""
    match = _CHANGE_DECIMALS.search(raw)
    return len(match.group(1)) if match else 0
