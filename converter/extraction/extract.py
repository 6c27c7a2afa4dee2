"""From source tables to tidy observations, with every figure published or rejected for a reason.

Per edition: each row's label is resolved in the registry, each year cell is parsed into one
or more figures, and each figure becomes an observation of an indicator. Malformed numbers wait
until all editions are read: one is published as corrected only when another edition prints the
full number or the row's printed change confirms the completed one; otherwise it is rejected.
Every decision that is not plain reading is recorded as a `Finding` for the quality report, and
every table keeps an account: cells seen = cells published + cells rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from converter.model import UNREAD_LINE, Cell, Finding, Observation, Place, Reject, SourceRow, SourceTable, TableAccount
from converter.numbers import (NOT_AVAILABLE, Figure, FigureError, MalformedNumber, parse_cell, parse_change,
                      split_marks)
from converter.readers import read_source
from converter.readers.account import looks_like_row
from converter.registry import TOTAL, BreakdownTable, Indicator, Registry, UnknownIndicator
from converter.extraction.textcheck import check_summary_text
from converter.extraction.outcome import DuplicateObservations, Extraction, UnknownIndicators, UnreadLines
from converter.extraction.across import Pending, resolve_malformed, revisions
from converter.extraction.rules import (_UNIT_NL, _alignment_confirmed, _change_matches, _duplicates, _printed_change,
                                        change_context, describe_alignment)
from converter.forked import Forked, split_at

_LIST_ITEM = re.compile(r"(\d+)\s+(.+?)\s+(\d{1,3}(?:\.\d{3})+)(?=\s+\d+\s|\s*$)")


@dataclass
class _RowContext:
    table: SourceTable
    row: SourceRow
    account: TableAccount
    breakdown_table: BreakdownTable | None
    table_id: str  # made once per table, not per figure: every observation of the table shares them
    section: str


class _Extractor:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.result = Extraction()
        self.unknown: list[UnknownIndicator] = []
        self.pending: list[Pending] = []
        self.reported: set[Finding] = set()  # the findings of `result.findings`, each once

    # -- per table ------------------------------------------------------------------------
    def table(self, table: SourceTable) -> None:
        account = self.result.accounts.setdefault(table.id, TableAccount(table.id, table.edition))
        breakdown = self.registry.breakdown_table(table.edition, (table.caption or "").split(" / "))
        section = " > ".join(table.section)
        for row in table.rows:
            self.row(_RowContext(table, row, account, breakdown, account.table, section))
        if not table.notes:
            return
        used = {m for row in table.rows for c in row.cells if c for m in split_marks(c.text)[1]}
        used |= {m for row in table.rows for m in row.label_marks}
        for mark, text in table.notes.items():
            if mark not in used:
                self.finding("footnote", table.edition, table.place, f"footnote {mark!r} ({text!r}) is not referred to by any cell of the table",
                             nl=f"voetnoot {mark!r} ({text!r}) wordt door geen cel van de tabel aangehaald")

    def row(self, ctx: _RowContext) -> None:
        table, row = ctx.table, ctx.row
        member = TOTAL
        indicators: list[Indicator] = []
        if ctx.breakdown_table is not None:
            found = self.registry.member(ctx.breakdown_table.dimension, row.label)
            if found is None:
                self.unknown.append(UnknownIndicator(table.edition, table.voorziening, f"{row.label} (member of {ctx.breakdown_table.dimension})", row.place))
                return
            member = found.id
            indicators = [self.registry.indicators[i] for i in ctx.breakdown_table.indicators]
        else:
            try:
                indicator, side_note = self.registry.indicator_for(table.edition, table.voorziening, row.label, row.place)
            except UnknownIndicator as error:
                self.unknown.append(error)
                return
            indicators = [indicator]
            if side_note:
                self.side_note(ctx, indicator, side_note)
        if row.inferred_blanks and not _alignment_confirmed(table, row):
            self.reject_row(ctx, f"{row.inferred_blanks} cell(s) of the row are missing and no printed change "
                                 "confirms which years its figures belong to; not published (fix the row in the source)",
                            f"de rij mist {row.inferred_blanks} cel(len) en geen gedrukte verandering bevestigt bij welke "
                            "jaren de cijfers horen; niet gepubliceerd (herstel de rij in de bron)")
            return
        if row.inferred_blanks:
            self.finding(
                "inferred-blank", table.edition, row.place,
                f"{row.label!r}: {row.inferred_blanks} cell(s) printed empty; figures placed in the latest years "
                f"({describe_alignment(table, row)})",
                nl=f"{row.label!r}: {row.inferred_blanks} cel(len) leeg gedrukt; de cijfers staan in de laatste jaren, "
                   f"wat de gedrukte verandering {_printed_change(table, row)!r} bevestigt",
            )
        read: dict[int, list[Figure]] = {}  # column index -> the cell's figures, for check_change
        for index, (column, cell) in enumerate(zip(table.columns, row.cells)):
            if column.kind != "year" or column.year is None:
                continue
            indicator = indicators[min(column.group, len(indicators) - 1)]
            figures = self.cell(ctx, indicator, member, column.year, column.group, cell)
            if figures is not None:
                read[index] = figures
        self.check_change(ctx, indicators, member, read)

    def side_note(self, ctx: _RowContext, indicator: Indicator, note: str) -> None:
        """A note printed beside a row: a breakdown of its figure, or text worth reporting."""
        table, row = ctx.table, ctx.row
        items = _LIST_ITEM.findall(note)
        if indicator.breakdown and items and "".join(" ".join(i) for i in items).replace(" ", "") == note.replace(" ", ""):
            year = self.registry.edition(table.edition).reference_year
            for _, name, number in items:
                member = self.registry.member(indicator.breakdown, name)
                ctx.account.cells_seen += 1
                if member is None:
                    self.reject(ctx, year, number, f"breakdown member {name!r} is not in data/breakdowns.toml",
                                nl=f"onderdeel {name!r} van de uitsplitsing staat niet in data/breakdowns.toml")
                    continue
                self.publish(ctx, indicator, member.id, year, parse_cell(number)[0], Cell(number, row.place),
                             note=f"breakdown printed beside the row; year taken as the edition's reference year {year}")
                ctx.account.cells_published += 1
            return
        if looks_like_row(note):
            account = self.result.line_accounts.get(table.edition)
            if account is not None:
                account.mark(row.place.line, UNREAD_LINE)
                account.texts[row.place.line] = note
            return
        self.finding("side-note", table.edition, row.place, f"text printed beside the row {indicator.id!r} was kept out of its label: {note!r}",
                     nl=f"tekst naast de rij {indicator.id!r} is buiten het label gehouden: {note!r}")

    # -- per cell ---------------------------------------------------------------------------
    def cell(self, ctx: _RowContext, indicator: Indicator, member: str, year: int, group: int,
             cell: Cell | None) -> list[Figure] | None:
        """Publish or reject a printed cell; return its figures as read (None: blank or no figure)."""
        ctx.account.cells_seen += 1
        if cell is None:
            self.publish(ctx, indicator, member, year, Figure(None, status=NOT_AVAILABLE), Cell("", ctx.row.place), note="blank cell")
            ctx.account.cells_published += 1
            return None
        try:
            figures = parse_cell(cell.text)
        except MalformedNumber as error:
            self.malformed(ctx, indicator, member, year, group, cell, error)
            return None
        except FigureError as error:
            self.reject(ctx, year, cell.text, str(error), cell.place, nl=f"{cell.text!r} is geen cijfer")
            return None
        published = 0
        for figure in figures:
            target = indicator
            if figure.part is not None and figure.part in indicator.parts:
                target = self.registry.indicators.get(indicator.parts[figure.part], indicator)
            elif indicator.row_only:
                self.reject(ctx, year, cell.text, f"cell gives no part for row-only indicator {indicator.id}", cell.place, count=False,
                            nl=f"de cel noemt geen onderdeel, en de rij {indicator.id} heeft alleen onderdelen")
                continue
            elif figure.part is not None:
                self.reject(ctx, year, cell.text, f"part {figure.part!r} is not mapped in the registry entry {indicator.id}", cell.place, count=False,
                            nl=f"onderdeel {figure.part!r} is niet toegewezen in data/indicators.toml ({indicator.id})")
                continue
            if figure.value is not None and figure.unit != target.unit:
                self.reject(ctx, year, cell.text, f"printed as {figure.unit}, but {target.id} is measured in {target.unit}", cell.place, count=False,
                            nl=f"gedrukt als {_UNIT_NL[figure.unit]}, maar {target.id} wordt gemeten in {_UNIT_NL[target.unit]}")
                continue
            self.publish(ctx, target, member, year, figure, cell)
            published += 1
        if published:
            ctx.account.cells_published += 1
        else:
            ctx.account.cells_rejected += 1
        return figures

    def publish(self, ctx: _RowContext, indicator: Indicator, member: str, year: int, figure: Figure,
                cell: Cell, note: str = "") -> Observation:
        observation = self.observation(ctx, indicator, member, year, figure, cell, note)
        self.result.observations.append(observation)
        if observation.value is None:
            ctx.account.missing += 1
        else:
            ctx.account.observations += 1
        return observation

    def observation(self, ctx: _RowContext, indicator: Indicator, member: str, year: int, figure: Figure,
                    cell: Cell, note: str = "") -> Observation:
        marks = ctx.row.label_marks + figure.marks
        if marks:
            marks = tuple(dict.fromkeys(marks))
        texts = []
        for mark in marks:
            if mark in ctx.table.notes:
                texts.append(f"{mark} {ctx.table.notes[mark]}")
            else:
                self.finding("footnote", ctx.table.edition, cell.place, f"footnote mark {mark!r} has no footnote text in its section",
                             nl=f"voetnootteken {mark!r} heeft geen voetnoottekst in zijn paragraaf")
        lower = figure.status == "lower-bound"
        observation = Observation(
            edition=ctx.table.edition,
            voorziening=indicator.voorziening,
            indicator=indicator.id,
            breakdown=member,
            year=year,
            value=figure.value,
            unit=indicator.unit,
            status=figure.status,
            status_note=note or (f"printed as a lower bound: {cell.text!r}" if lower else ""),
            footnote_marks=marks,
            footnote_text=" ".join(texts),
            label=ctx.row.label,
            section=ctx.section,
            place=cell.place,
            raw=cell.text,
            table=ctx.table_id,
        )
        return observation

    def reject(self, ctx: _RowContext, year: int | None, raw: str, reason: str, place: Place | None = None, count: bool = True,
               nl: str = "") -> None:
        if count:
            ctx.account.cells_rejected += 1
        self.result.rejects.append(Reject(ctx.table.edition, place or ctx.row.place, ctx.table.id, ctx.row.label, year, raw, reason, nl))

    def reject_row(self, ctx: _RowContext, reason: str, nl: str) -> None:
        """Reject every printed figure of a row, each with its place."""
        for column, cell in zip(ctx.table.columns, ctx.row.cells):
            if column.kind == "year" and cell is not None:
                ctx.account.cells_seen += 1
                self.reject(ctx, column.year, cell.text, reason, cell.place, nl=nl)
        self.finding("misaligned-row", ctx.table.edition, ctx.row.place, f"{ctx.row.label!r}: {reason}", nl=f"{ctx.row.label!r}: {nl}")

    def malformed(self, ctx: _RowContext, indicator: Indicator, member: str, year: int, group: int, cell: Cell, error: MalformedNumber) -> None:
        """Hold a malformed number until the other editions are read (see `resolve_malformed`)."""
        ctx.account.cells_published += 1  # moved to rejected if it cannot be confirmed
        placeholder = self.observation(ctx, indicator, member, year, Figure(None, indicator.unit), cell)
        self.pending.append(Pending(error, placeholder, change_context(ctx.table, ctx.row, group, year)))

    # -- checks ---------------------------------------------------------------------------------
    def check_change(self, ctx: _RowContext, indicators: list[Indicator], member: str, read: dict[int, list[Figure]]) -> None:
        """Compare the printed change column with the change the row's own figures give (`read`:
        the figures of the year cells by column index, as `cell` read them; a cell that is not
        there holds no figure)."""
        table, row = ctx.table, ctx.row
        for group in sorted({c.group for c in table.columns}):
            cols = [(i, c, cell) for i, (c, cell) in enumerate(zip(table.columns, row.cells)) if c.group == group]
            change = next((cell for _, c, cell in cols if c.kind == "change" and cell is not None), None)
            years = [(c.year, cell) for _, c, cell in cols if c.kind == "year"]
            if change is None or len(years) < 2 or years[-1][1] is None or years[-2][1] is None:
                continue
            changes = [change.text] + ([row.extra_change] if row.extra_change else [])
            indexes = [i for i, c, _ in cols if c.kind == "year"]
            if indexes[-1] not in read or indexes[-2] not in read:
                continue
            last, before = read[indexes[-1]], read[indexes[-2]]
            for index, printed in enumerate(changes):
                if index >= len(last) or index >= len(before) or last[index].value is None or before[index].value is None:
                    continue
                if parse_change(printed) is None:
                    continue
                if not _change_matches(before[index].value, last[index].value, printed, before[index].half_width, last[index].half_width, last[index].unit == "percent"):
                    computed = (last[index].value / before[index].value - 1) * 100 if before[index].value else None
                    shown = f"{computed:.1f}%" if computed is not None else "undefined"
                    self.finding(
                        "change-mismatch", table.edition, change.place,
                        f"{row.label!r}: printed change {printed!r} ({years[-2][0]}->{years[-1][0]}) does not match the figures "
                        f"{years[-2][1].text} -> {years[-1][1].text} (computed {shown})",
                        indicators[min(group, len(indicators) - 1)].id, years[-1][0],
                        nl=f"{row.label!r}: de gedrukte verandering {printed!r} ({years[-2][0]}->{years[-1][0]}) past niet bij de "
                           f"cijfers {years[-2][1].text} -> {years[-1][1].text} (berekend: {shown.replace('.', ',')})",
                    )

    def finding(self, kind: str, edition: str, place: Place, message: str, indicator: str = "", year: int | None = None,
                nl: str = "") -> None:
        self.add(Finding(kind, edition, place, message, indicator, year, nl))

    def add(self, finding: Finding) -> None:
        if finding not in self.reported:  # a set: a large build has thousands of findings
            self.reported.add(finding)
            self.result.findings.append(finding)

    # -- whole editions -----------------------------------------------------------------------
    def read(self, editions: list[str]) -> None:
        for edition in editions:
            source = read_source(self.registry, edition)
            self.result.tables[edition] = source.tables
            self.result.line_accounts[edition] = source.lines
            for table in source.tables:
                self.table(table)

    def merge(self, part: _Part) -> None:
        """Take in what another extractor read of the editions after this one's, as if read here."""
        result, unknown, pending = part
        self.result.tables.update(result.tables)
        self.result.line_accounts.update(result.line_accounts)
        self.result.accounts.update(result.accounts)
        self.result.observations += result.observations
        self.result.rejects += result.rejects
        for finding in result.findings:
            self.add(finding)
        self.unknown += unknown
        self.pending += pending


_Part = tuple[Extraction, list[UnknownIndicator], list[Pending]]
SPLIT_FROM = 500_000  # bytes of edition text; below it extraction takes less time than a second process costs


def _read_part(registry: Registry, editions: list[str]) -> _Part:
    """In the forked process: what `_Extractor.read` finds in `editions`, to merge."""
    extractor = _Extractor(registry)
    extractor.read(editions)
    return extractor.result, extractor.unknown, extractor.pending


def _halves(registry: Registry, editions: list[str], split_from: float) -> tuple[list[str], list[str]]:
    """The editions to read here and, if there is text enough, the later ones (about half of the
    text) for a forked process to read at the same time."""
    sizes = []
    for edition in editions:
        known = registry.editions.get(edition)
        path = registry.data_dir / known.file if known else None
        sizes.append(path.stat().st_size if path and path.is_file() else 0)
    if len(editions) < 2 or sum(sizes) < split_from:
        return editions, []
    cut = min(range(1, len(editions)), key=lambda k: abs(2 * sum(sizes[:k]) - sum(sizes)))
    return editions[:cut], editions[cut:]


def extract(registry: Registry, editions: list[str] | None = None, allow_unread: bool = False,
            split_from: int | None = None) -> Extraction:
    """Read the editions and return every observation, reject and finding.

    With `split_from` bytes of edition text or more (by default `SPLIT_FROM`, when a core is
    free for it), the later editions are read by a forked process at the same time
    (`converter.forked`); the result, and any error, is the same.
    Raises `UnknownIndicators` for labels the registry does not know, `DuplicateObservations`
    for two figures of one key, and `UnreadLines` for an edition with no table or with lines of
    figures no reader took in (unless `allow_unread`: then they are findings).
    """
    extractor = _Extractor(registry)
    here, there = _halves(registry, editions or list(registry.editions), split_at(split_from, SPLIT_FROM))
    if there:
        with Forked(partial(_read_part, registry, there)) as forked:
            extractor.read(here)
            extractor.merge(forked.result())
    else:
        extractor.read(here)
    if extractor.unknown:
        raise UnknownIndicators(extractor.unknown)
    unread = [a for a in extractor.result.line_accounts.values() if a.unread or not a.tables]
    if unread and not allow_unread:
        raise UnreadLines(unread)
    for account in unread:
        for number in account.unread:
            extractor.finding("unread-line", account.edition, Place(account.file, number),
                              f"figures not read (not in a table): {account.texts[number]!r}",
                              nl=f"cijfers niet gelezen (niet in een tabel): {account.texts[number]!r}")
        if not account.tables:
            extractor.finding("unread-line", account.edition, Place(account.file, 1), "no table was read from this file",
                              nl="uit dit bestand is geen tabel gelezen")
    resolve_malformed(extractor.result, extractor.pending, extractor.finding)
    clashes = _duplicates(extractor.result.observations)
    if clashes:
        raise DuplicateObservations(clashes)
    revisions(extractor.result.observations, extractor.finding)
    for edition in extractor.result.tables:
        extractor.result.findings += check_summary_text(registry, edition, extractor.result.observations)
    extractor.result.observations.sort(key=lambda o: (o.edition, o.place.line, o.indicator, o.year))
    return extractor.result
