"""The source quality report: what in the source looks wrong, and what the converter did about it.

Written for the publishers (in Dutch; `lang="en"` for English), so that it can be sent back:
new, dropped and renamed indicators against the edition before, revisions, printed changes and
summary text that disagree with the tables, malformed and rejected figures, unread lines, and
the account of every source file's lines. The count per table is short here (only tables with
something to say); `write_table_accounts` writes all of it as CSV.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from converter.atomic import atomic_open
from converter.extraction.extract import Extraction
from converter.model import HEADING_LINE, NOTE_LINE, TABLE_LINE, TEXT_LINE, UNREAD_LINE, Place
from converter.registry import Registry, normalize

REJECT = "reject"
NEW, DROPPED, RENAMED = "new-indicator", "dropped-indicator", "renamed-indicator"

# kind -> (Dutch title, English title), in the order of the report
SECTIONS = {
    NEW: ("Nieuwe indicatoren", "New indicators"),
    DROPPED: ("Vervallen indicatoren (wel in de vorige editie, niet in deze)", "Dropped indicators (in the edition before, not in this one)"),
    RENAMED: ("Hernoemde indicatoren (ander label dan in de vorige editie)", "Renamed indicators (another label than in the edition before)"),
    "revision": ("Herzieningen ten opzichte van eerdere edities (zelfde indicator en jaar, ander cijfer)",
                 "Revisions between editions (same indicator and year, different figure)"),
    "change-mismatch": ("De gedrukte verandering past niet bij de cijfers", "Printed change does not match the figures"),
    "text-mismatch": ("De samenvatting noemt een verandering anders dan de eigen tabel",
                      "The summary text states a change differently from its own table"),
    "malformed-number": ("Onjuist gevormde getallen", "Malformed numbers"),
    REJECT: ("Afgewezen cijfers (niet gepubliceerd)", "Rejected figures (not published)"),
    "unread-line": ("Niet gelezen regels met cijfers", "Unread lines with figures"),
    "misaligned-row": ("Rijen die niet op hun kop aansluiten", "Rows that do not line up with their header"),
    "inferred-blank": ("Lege cellen geplaatst op grond van de uitlijning", "Blank cells placed by alignment"),
    "footnote": ("Voetnoottekens en voetnoten die niet bij elkaar passen", "Footnote marks and texts that do not pair up"),
    "side-note": ("Tekst naast een rij", "Text printed beside a row"),
}
KINDS = tuple(SECTIONS)

_TEXT = {
    "title": ("Kwaliteitsrapport van de bron", "Source quality report"),
    "all": ("Alle edities", "All editions"),
    "edition": ("Editie", "Edition"),
    "summary": ("{obs} waarnemingen en {missing} ontbrekende cijfers uit {seen} cijfercellen: {pub} gepubliceerd, "
                "{rej} afgewezen; {find} bevindingen.",
                "{obs} observations and {missing} cells without a figure from {seen} figure cells: {pub} published, "
                "{rej} rejected; {find} findings."),
    "none": ("Geen.", "None."),
    "lines": ("Regels per bronbestand", "Lines per source file"),
    "lines_intro": ("Elke regel met een cijfer staat in een gelezen tabel, in herkende tekst, of is niet gelezen.",
                    "Every line holding a digit is in a table that was read, in recognised text, or unread."),
    "lines_head": ("| bestand | regels | met cijfers | in tabellen | voetnoten | koppen | tekst | niet gelezen | tabellen |",
                   "| file | lines | with digits | in tables | footnotes | headings | text | unread | tables |"),
    "tables": ("Tabellen met iets te melden", "Tables with something to say"),
    "tables_head": ("| tabel | cijfercellen | gepubliceerd | afgewezen | waarnemingen | ontbrekende cijfers | bevindingen |",
                    "| table | figure cells | published | rejected | observations | without a figure | findings |"),
    "tables_all": ("De telling van alle {n} tabellen staat in `{csv}`.", "The count of all {n} tables is in `{csv}`."),
    "edition_of": ("editie", "edition"),
}


@dataclass(frozen=True)
class Item:
    """One line of the report: a finding, a reject or an indicator change."""

    kind: str
    edition: str
    place: Place
    nl: str
    en: str
    table: str = ""


def nl_int(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _previous(registry: Registry, edition: str) -> str | None:
    order = sorted(registry.editions.values(), key=lambda e: e.reference_date)
    ids = [e.id for e in order]
    index = ids.index(edition)
    return ids[index - 1] if index > 0 else None


def indicator_changes(extraction: Extraction, registry: Registry, edition: str) -> list[Item]:
    """New, dropped and renamed indicators of `edition` against the edition before it."""
    previous = _previous(registry, edition)
    if previous is None:
        return []
    first: dict[tuple[str, str], tuple[Place, str]] = {}
    earlier: set[str] = set()
    order = {e.id: e.reference_date for e in registry.editions.values()}
    for o in extraction.observations:
        first.setdefault((o.edition, o.indicator), (o.place, o.label))
        if order.get(o.edition, "") < order[edition]:
            earlier.add(o.indicator)
    now = {i: v for (e, i), v in first.items() if e == edition}
    before = {i: v for (e, i), v in first.items() if e == previous}
    items = []
    for indicator, (place, label) in sorted(now.items(), key=lambda kv: kv[1][0].line):
        if indicator not in earlier:
            items.append(Item(NEW, edition, place, f"{indicator}: {label!r}", f"{indicator}: {label!r}"))
        elif indicator in before and normalize(before[indicator][1]) != normalize(label):
            old_place, old = before[indicator]
            items.append(Item(RENAMED, edition, place, f"{indicator}: {label!r}, in editie {previous} {old!r} ({old_place})",
                              f"{indicator}: {label!r}, in edition {previous} {old!r} ({old_place})"))
    for indicator, (place, label) in sorted(before.items(), key=lambda kv: kv[1][0].line):
        if indicator not in now:
            items.append(Item(DROPPED, edition, place, f"{indicator}: {label!r} (laatst gedrukt in editie {previous})",
                              f"{indicator}: {label!r} (last printed in edition {previous})"))
    return items


def items(extraction: Extraction, registry: Registry | None = None, edition: str | None = None) -> list[Item]:
    """Everything the report lists, for one edition or all."""
    found = [Item(f.kind, f.edition, f.place, f.message_nl or f.message, f.message) for f in extraction.findings]
    found += [Item(REJECT, r.edition, r.place,
                   f"{r.label!r} {r.year or ''}: {r.raw!r}: {r.reason_nl or r.reason}",
                   f"{r.label!r} {r.year or ''}: {r.raw!r}: {r.reason}", r.table) for r in extraction.rejects]
    if registry is not None:
        for e in registry.editions:
            if e in extraction.tables and edition in (None, e):
                found += indicator_changes(extraction, registry, e)
    return [i for i in found if edition in (None, i.edition)]


def counts(extraction: Extraction, registry: Registry | None = None, edition: str | None = None) -> dict[str, int]:
    """How many items of each kind (for `--fail-on`)."""
    counted: dict[str, int] = defaultdict(int)
    for item in items(extraction, registry, edition):
        counted[item.kind] += 1
    return dict(counted)


def quality_report(extraction: Extraction, registry: Registry | None = None, edition: str | None = None,
                   lang: str = "nl", tables_csv: str = "quality-tables.csv") -> str:
    """The report as Markdown, in Dutch (`lang="nl"`) or English."""
    en = lang == "en"
    t = {key: pair[1 if en else 0] for key, pair in _TEXT.items()}
    number = (lambda n: str(n)) if en else nl_int
    accounts = [a for a in extraction.accounts.values() if edition in (None, a.edition)]
    listed = items(extraction, registry, edition)
    findings = [f for f in extraction.findings if edition in (None, f.edition)]
    published = [o for o in extraction.observations if edition in (None, o.edition)]
    missing = sum(o.value is None for o in published)
    heading = f"{t['edition']} {edition}" if edition else t["all"]
    if edition and registry is not None and edition in registry.editions:
        heading += f" ({registry.edition(edition).title})"
    lines = [f"# {t['title']}", "", heading, ""]
    lines.append(t["summary"].format(
        obs=number(len(published) - missing), missing=number(missing), seen=number(sum(a.cells_seen for a in accounts)),
        pub=number(sum(a.cells_published for a in accounts)), rej=number(sum(a.cells_rejected for a in accounts)),
        find=number(len(findings))))
    by_kind: dict[str, list[Item]] = defaultdict(list)
    for item in listed:
        by_kind[item.kind].append(item)
    for kind, titles in SECTIONS.items():
        if kind in (NEW, DROPPED, RENAMED) and registry is None:
            continue
        found = by_kind.pop(kind, [])
        lines += ["", f"## {titles[1 if en else 0]} ({number(len(found))})", ""]
        lines += [f"- `{i.place}` ({t['edition_of']} {i.edition}): {i.en if en else i.nl}" for i in found] or [t["none"]]
    for kind, found in by_kind.items():
        lines += ["", f"## {kind} ({number(len(found))})", ""] + [f"- `{i.place}`: {i.en if en else i.nl}" for i in found]
    lines += ["", f"## {t['lines']}", "", t["lines_intro"], "", t["lines_head"], "|---|---|---|---|---|---|---|---|---|"]
    for e, account in extraction.line_accounts.items():
        if edition not in (None, e):
            continue
        cells = [account.lines, len(account.kinds)] + [account.count(k) for k in (TABLE_LINE, NOTE_LINE, HEADING_LINE, TEXT_LINE, UNREAD_LINE)]
        lines.append(f"| `{account.file}` | " + " | ".join(number(c) for c in cells) + f" | {number(account.tables)} |")
    per_table: dict[str, int] = defaultdict(int)
    for item in listed:
        if item.kind in (NEW, DROPPED, RENAMED):
            continue
        table = item.table or _table_of(extraction, item.place)
        if table:
            per_table[table] += 1
    noteworthy = [a for a in accounts if a.cells_rejected or not a.balanced or per_table.get(a.table)]
    lines += ["", f"## {t['tables']} ({number(len(noteworthy))})", "", t["tables_head"], "|---|---|---|---|---|---|---|"]
    for a in noteworthy:
        lines.append(f"| `{a.table}` | {number(a.cells_seen)} | {number(a.cells_published)} | {number(a.cells_rejected)} | "
                     f"{number(a.observations)} | {number(a.missing)} | {number(per_table.get(a.table, 0))} |")
    lines += ["", t["tables_all"].format(n=number(len(accounts)), csv=tables_csv)]
    return "\n".join(lines) + "\n"


def _table_of(extraction: Extraction, place: Place) -> str:
    """The table a place lies in: the last table of its file that starts at or before it."""
    best = ""
    for tables in extraction.tables.values():
        for table in tables:
            if table.place.file == place.file and table.place.line <= place.line:
                last = table.rows[-1].place.line if table.rows else table.place.line
                if place.line <= last:
                    best = table.id
    return best


def write_table_accounts(extraction: Extraction, path: Path, edition: str | None = None) -> None:
    """Every table's count of figure cells, as CSV."""
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["edition", "table", "cells_seen", "cells_published", "cells_rejected", "observations", "missing",
                         "balanced"])
        for a in extraction.accounts.values():
            if edition in (None, a.edition):
                writer.writerow([a.edition, a.table, a.cells_seen, a.cells_published, a.cells_rejected, a.observations,
                                 a.missing, "yes" if a.balanced else "no"])
