"""Help curate the indicator registry: propose TOML entries for labels it does not know yet.

Editions overlap by a year (2019 is in both the 2020 and the 2024 edition), so a renamed
indicator usually shows itself by an equal figure for that year. This module proposes such
matches; a person decides, by editing `data/indicators.toml`. Nothing is matched silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .model import SourceRow, SourceTable
from .numbers import MalformedNumber, parse_cell
from .registry import Registry, UnknownIndicator

_STOP = {"aantal", "totaal", "totale", "het", "de", "van", "op", "via", "een", "dat", "en", "aan", "is", "der"}


@dataclass(frozen=True)
class Proposal:
    edition: str
    voorziening: str | None
    label: str
    place: str
    suggested_id: str
    unit: str
    matches: tuple[tuple[str, str], ...]  # (indicator id, reason)


def slug(label: str, voorziening: str, words: int = 5) -> str:
    """A short, stable-looking id from a label: voorziening plus the label's telling words."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", text.replace("'", "")) if t and t not in _STOP]
    return "-".join([voorziening, *tokens[:words]])


def _unit(row: SourceRow, table: SourceTable) -> str:
    for cell, column in zip(row.cells, table.columns):
        if cell is not None and column.kind == "year" and "%" in cell.text:
            return "percent"
    return "count"


def _values(row: SourceRow, table: SourceTable) -> dict[int, Decimal]:
    values: dict[int, Decimal] = {}
    for cell, column in zip(row.cells, table.columns):
        if cell is None or column.kind != "year" or column.year is None:
            continue
        try:
            figures = parse_cell(cell.text)
        except (MalformedNumber, ValueError):
            continue
        if len(figures) == 1 and figures[0].value is not None:
            values[column.year] = figures[0].value
    return values


def propose(registry: Registry, tables: dict[str, list[SourceTable]]) -> list[Proposal]:
    """A proposal for every row whose label the registry does not know."""
    known_values: dict[tuple[str, int, Decimal], str] = {}
    unknown: list[tuple[str, SourceTable, SourceRow]] = []
    for edition, edition_tables in tables.items():
        for table in edition_tables:
            if registry.breakdown_table(edition, (table.caption or "").split(" / ")):
                continue
            for row in table.rows:
                try:
                    indicator, _ = registry.indicator_for(edition, table.voorziening, row.label, row.place)
                except UnknownIndicator:
                    unknown.append((edition, table, row))
                    continue
                for year, value in _values(row, table).items():
                    known_values[(indicator.voorziening, year, value)] = indicator.id
    proposals = []
    for edition, table, row in unknown:
        voorziening = table.voorziening or "onbekend"
        matches: list[tuple[str, str]] = []
        for year, value in _values(row, table).items():
            for v in registry.descendants(voorziening) if table.voorziening else []:
                if (hit := known_values.get((v, year, value))) and hit not in [m[0] for m in matches]:
                    matches.append((hit, f"equal {year} value {value}"))
        proposals.append(
            Proposal(
                edition=edition,
                voorziening=table.voorziening,
                label=row.label,
                place=str(row.place),
                suggested_id=slug(row.label, voorziening),
                unit=_unit(row, table),
                matches=tuple(matches),
            )
        )
    return proposals


def as_toml(proposal: Proposal) -> str:
    """A proposal as a TOML snippet to paste into data/indicators.toml (or a label to add)."""
    lines = [f"# {proposal.place}: {proposal.label!r} is not in the registry"]
    for indicator_id, reason in proposal.matches:
        lines.append(f"# possible match: {indicator_id} ({reason}); if so add the label to its labels.{proposal.edition}")
    lines += [
        "[[indicator]]",
        f'id = "{proposal.suggested_id}"',
        f'voorziening = "{proposal.voorziening}"',
        f'unit = "{proposal.unit}"',
        f"label = {_quote(proposal.label)}",
        f"labels.{proposal.edition} = [{_quote(proposal.label)}]",
    ]
    return "\n".join(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
