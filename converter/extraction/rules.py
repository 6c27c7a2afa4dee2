"""The small rules extraction decides by: rounding, printed changes, duplicate cells, Dutch numbers."""

from __future__ import annotations

from decimal import Decimal

from converter.model import Observation, SourceRow, SourceTable
from converter.numbers import FigureError, MalformedNumber, change_decimals, parse_cell, parse_change


_UNIT_NL = {"count": "aantal", "percent": "percentage"}


def nl_number(value: Decimal) -> str:
    """A figure in Dutch form: 1.234.567 and 6,9."""
    whole, _, fraction = format(value, "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def _malformed_nl(error: MalformedNumber) -> str:
    if error.missing:
        digits = 3 - error.missing
        return f"de laatste cijfergroep heeft {digits} cijfer{'s' if digits != 1 else ''} in plaats van 3"
    return "de cijfergroepen vormen geen goed Nederlands getal"


def _printed_change(table: SourceTable, row: SourceRow) -> str:
    return next((cell.text for c, cell in zip(table.columns, row.cells) if c.kind == "change" and cell is not None), "")


def _alignment_confirmed(table: SourceTable, row: SourceRow) -> bool:
    """Do a short row's figures belong to the latest years? Only a printed change can say so:
    one that the last two figures give, or `nieuw` beside a single figure (a new series)."""
    years = [cell for c, cell in zip(table.columns, row.cells) if c.kind == "year" and cell is not None]
    change = next((cell for c, cell in zip(table.columns, row.cells) if c.kind == "change" and cell is not None), None)
    if change is None:
        return False
    if change.text.strip().lower() == "nieuw":
        return len(years) == 1
    if len(years) < 2 or parse_change(change.text) is None:
        return False
    try:
        before, last = parse_cell(years[-2].text)[0], parse_cell(years[-1].text)[0]
    except FigureError:
        return False
    return bool(before.value and last.value and _change_matches(before.value, last.value, change.text,
                                                               before.half_width, last.half_width))


def same_when_rounded(observations: list[Observation]) -> bool:
    """`179 Mln` and `179.468.785` are one figure printed with different precision, not a revision."""
    intervals = []
    for o in observations:
        try:
            figures = [f for f in parse_cell(o.raw) if f.value is not None]
        except ValueError:
            return False
        match = [f for f in figures if f.value == o.value] or figures
        intervals.append(match[0].interval if match else (o.value, o.value))
    return max(low for low, _ in intervals) <= min(high for _, high in intervals)


def _duplicates(observations: list[Observation]) -> list[tuple[Observation, Observation]]:
    seen: dict[tuple[str, str, str, int], Observation] = {}
    clashes = []
    for o in observations:
        key = (o.edition, o.indicator, o.breakdown, o.year)
        if key in seen:
            clashes.append((seen[key], o))
        else:
            seen[key] = o
    return clashes


def _change_matches(before: Decimal, after: Decimal, printed: str, before_half: Decimal = Decimal(0),
                    after_half: Decimal = Decimal(0), points_allowed: bool = False) -> bool:
    """Does the printed change agree with the figures, given how both were rounded?"""
    target = parse_change(printed)
    if target is None:
        return True
    step = Decimal(5) * Decimal(10) ** (-(change_decimals(printed) + 1))
    low_t, high_t = target - step - Decimal("0.001"), target + step + Decimal("0.001")
    if (points_allowed or before == after) and low_t <= after - before <= high_t:
        return True
    if before - before_half <= 0:
        return False
    candidates = [((after + da) / (before + db) - 1) * 100 for da in (-after_half, after_half) for db in (-before_half, before_half)]
    return max(candidates) >= low_t and min(candidates) <= high_t


def change_context(table: SourceTable, row: SourceRow, group: int, year: int) -> tuple[Decimal, str] | None:
    """(previous year's value, printed change) when the printed change is about `year`."""
    years = [(c, cell) for c, cell in zip(table.columns, row.cells) if c.group == group]
    year_cells = [(c.year, cell) for c, cell in years if c.kind == "year"]
    change = next((cell for c, cell in years if c.kind == "change"), None)
    if change is None or len(year_cells) < 2 or year_cells[-1][0] != year or year_cells[-2][1] is None:
        return None
    try:
        previous = parse_cell(year_cells[-2][1].text)
    except ValueError:
        return None
    if len(previous) != 1 or previous[0].value is None:
        return None
    return previous[0].value, change.text


def describe_alignment(table: SourceTable, row: SourceRow) -> str:
    """Whether the printed change confirms where a short row's figures were placed, in words."""
    years = [(c.year, cell) for c, cell in zip(table.columns, row.cells) if c.kind == "year" and cell is not None]
    change = next((cell for c, cell in zip(table.columns, row.cells) if c.kind == "change" and cell is not None), None)
    if change is None or len(years) < 2 or parse_change(change.text) is None:
        return "no printed change to confirm the placement"
    try:
        before, last = parse_cell(years[-2][1].text)[0], parse_cell(years[-1][1].text)[0]
    except ValueError:
        return "figures not readable"
    if before.value and last.value and _change_matches(before.value, last.value, change.text, before.half_width, last.half_width):
        return f"the printed change {change.text!r} confirms the placement"
    return f"the printed change {change.text!r} does not confirm the placement"
