"""What an extraction returns, and the errors that stop one (each names the edition, file, line and label to fix)."""

from __future__ import annotations

from dataclasses import dataclass, field

from converter.model import Finding, LineAccount, Observation, Reject, SourceTable, TableAccount
from converter.registry import UnknownIndicator


class UnknownIndicators(LookupError):
    """Printed labels that the registry does not know; the message lists each with its place."""

    def __init__(self, unknown: list[UnknownIndicator]) -> None:
        super().__init__(
            "\n".join(str(u) for u in unknown)
            + "\nAdd them to data/indicators.toml (`mdo registry propose` prints entries to paste)."
        )
        self.unknown = unknown


class UnreadLines(LookupError):
    """An edition with no table read, or with lines of figures no reader took in."""

    def __init__(self, accounts: list[LineAccount]) -> None:
        lines = []
        for account in accounts:
            if not account.tables:
                lines.append(f"{account.file}:{account.lines or 1}: edition {account.edition}: no table was read "
                             f"from this file ({account.lines} lines); is it the edition's text, in the form "
                             "data/editions.toml names?")
            unread = account.unread
            for number in unread[:20]:
                lines.append(f"{account.file}:{number}: figures not read (not in a table): {account.texts[number][:100]!r}")
            if len(unread) > 20:
                lines.append(f"{account.file}: ... and {len(unread) - 20} more unread lines")
        super().__init__("\n".join(lines) + "\nFix the layout of these lines (a table row needs tabs between its cells "
                         "and a header with its years), or build with --allow-unread to list them in the quality "
                         "report instead.")
        self.accounts = accounts


class DuplicateObservations(LookupError):
    """Two printed figures for one indicator, breakdown and year in one edition."""

    def __init__(self, clashes: list[tuple[Observation, Observation]]) -> None:
        super().__init__("\n".join(
            f"{b.place}: edition {b.edition}: {b.indicator} {b.year} ({b.breakdown}) is also printed at {a.place} "
            f"({a.raw!r} and {b.raw!r})" for a, b in clashes
        ) + "\nOne indicator can have one figure per year in an edition: is a table printed twice, or are two "
            "labels mapped to one indicator in data/indicators.toml?")
        self.clashes = clashes


@dataclass
class Extraction:
    """Everything extraction found: published observations, rejects, findings, accounts.

    `observations` holds the figures and the printed cells without a figure ('-', blank; `value`
    None), which the cube publishes as `mdo:OntbrekendCijfer`, not as observations: count them
    apart (`figures`, `missing`) wherever a number of observations is reported.
    """

    observations: list[Observation] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    accounts: dict[str, TableAccount] = field(default_factory=dict)
    tables: dict[str, list[SourceTable]] = field(default_factory=dict)
    line_accounts: dict[str, LineAccount] = field(default_factory=dict)  # edition -> account of its file

    @property
    def missing(self) -> int:
        """The printed cells without a figure among `observations`."""
        return sum(o.value is None for o in self.observations)

    @property
    def figures(self) -> int:
        """The observations with a figure: the data set's `qb:Observation`s."""
        return len(self.observations) - self.missing
