"""Match the labels of an edition to the registry, and propose entries for those it does not know.

A label printed as before in its section needs nothing (the registry finds it, see
`Registry.indicator_for`). For every other label the indicators of the same section are ranked
by evidence: equal figures in the years two editions share, the same unit, how alike the labels
are. One clear candidate means the indicator goes on under a reworded label; none means a new
indicator; two equally good ones are a question for a person (`--choose LINE=ID`), never a guess.
An indicator that another row of the edition already prints is no candidate: one indicator has
one row per edition. Nothing is matched silently: `apply` shows the diff it writes.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from converter.atomic import atomic_open
from converter.model import Place, SourceRow, SourceTable
from converter.numbers import FigureError, parse_cell
from converter.registry import Indicator, Registry, RegistryError, UnknownIndicator, normalize

_STOP = {"aantal", "totaal", "totale", "het", "de", "van", "op", "via", "een", "dat", "en", "aan", "is", "der"}
# Words an id must not end in: an id cut after one reads as a phrase cut off.
_CONNECTORS = _STOP | {"met", "naar", "voor", "in", "door", "per", "bij", "uit", "over", "om", "als", "of", "die", "te"}
_ID_WORDS = 6

CONTINUE, NEW, QUESTION = "continue", "new", "question"


@dataclass(frozen=True)
class Candidate:
    """An indicator a new label may continue, with the evidence for it."""

    indicator: str
    equal_years: tuple[int, ...]
    differing_years: tuple[int, ...]
    similarity: float
    same_unit: bool

    @property
    def strong(self) -> bool:
        """Equal figures in more shared years than not, in the same unit."""
        return self.same_unit and len(self.equal_years) > len(self.differing_years)

    def reason(self) -> str:
        parts = []
        if self.equal_years:
            parts.append("equal figures for " + ", ".join(map(str, self.equal_years)))
        if self.differing_years:
            parts.append("different figures for " + ", ".join(map(str, self.differing_years)))
        parts.append(f"label {self.similarity:.0%} alike")
        parts.append("same unit" if self.same_unit else "other unit")
        return "; ".join(parts)


@dataclass(frozen=True)
class Proposal:
    edition: str
    voorziening: str | None
    label: str
    place: Place
    suggested_id: str
    unit: str
    candidates: tuple[Candidate, ...] = ()
    decision: str = NEW  # continue | new | question
    indicator: str | None = None  # the indicator continued, for a `continue` decision
    question: str = ""

    @property
    def matches(self) -> tuple[tuple[str, str], ...]:
        return tuple((c.indicator, c.reason()) for c in self.candidates)


@dataclass
class Matching:
    """How an edition's printed labels meet the registry."""

    edition: str
    known: int = 0  # rows whose label the registry finds as printed
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def questions(self) -> list[Proposal]:
        return [p for p in self.proposals if p.decision == QUESTION]


def slug(label: str, voorziening: str, taken: set[str] | None = None) -> str:
    """A readable id: voorziening plus the label's telling words, whole, never ending in `met`,
    and unique among `taken` (a number is added where it would not be)."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    own = set(voorziening.split("-"))
    tokens = [t for t in re.split(r"[^a-z0-9]+", text.replace("'", "")) if t and t not in _STOP and t not in own]
    tokens = tokens[:_ID_WORDS]
    while tokens and tokens[-1] in _CONNECTORS:
        tokens.pop()
    base = "-".join([voorziening, *tokens])
    candidate, number = base, 2
    while taken is not None and candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


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
        except FigureError:
            continue
        if len(figures) == 1 and figures[0].value is not None:
            values[column.year] = figures[0].value
    return values


def _similarity(label: str, indicator: Indicator) -> float:
    key = normalize(label)
    printed = {normalize(x) for labels in indicator.labels.values() for x in labels} | {normalize(indicator.label)}
    return max(difflib.SequenceMatcher(None, key, known).ratio() for known in printed)


def propose(registry: Registry, tables: dict[str, list[SourceTable]], edition: str | None = None,
            choices: dict[int, str] | None = None) -> list[Proposal]:
    """A proposal for every row whose label the registry does not know (of `edition`, or of all)."""
    return [p for e in tables if edition in (None, e) for p in match_edition(registry, tables, e, choices).proposals]


def match_edition(registry: Registry, tables: dict[str, list[SourceTable]], edition: str,
                  choices: dict[int, str] | None = None) -> Matching:
    """Match one edition's rows: known labels, and a ranked proposal for each other row.

    `choices` maps a row's line to an indicator id (or `new`): a person's answer to a question.
    """
    choices = choices or {}
    values: dict[str, dict[int, Decimal]] = {}  # indicator -> year -> figure, from the other editions
    taken: set[str] = set()  # indicators this edition prints under a known label
    unknown: list[tuple[SourceTable, SourceRow]] = []
    matching = Matching(edition)
    for other, other_tables in tables.items():
        for table in other_tables:
            if registry.breakdown_table(other, (table.caption or "").split(" / ")):
                continue
            for row in table.rows:
                try:
                    indicator, _ = registry.indicator_for(other, table.voorziening, row.label, row.place)
                except UnknownIndicator:
                    if other == edition:
                        unknown.append((table, row))
                    continue
                if other == edition:
                    matching.known += 1
                    taken.add(indicator.id)
                else:
                    values.setdefault(indicator.id, {}).update(_values(row, table))
    ids = set(registry.indicators)
    for table, row in unknown:
        proposal = _proposal(registry, edition, table, row, values, taken, ids, choices.get(row.place.line))
        if proposal.decision == NEW:
            ids.add(proposal.suggested_id)
        matching.proposals.append(proposal)
    _no_indicator_twice(matching)
    return matching


def _proposal(registry: Registry, edition: str, table: SourceTable, row: SourceRow,
              values: dict[str, dict[int, Decimal]], taken: set[str], ids: set[str], choice: str | None) -> Proposal:
    voorziening = table.voorziening
    unit = _unit(row, table)
    place = row.place
    if voorziening is None:
        return Proposal(edition, None, row.label, place, "", unit, decision=QUESTION,
                        question=f"{place}: {row.label!r} stands under a heading the registry does not know; add the "
                                 "heading to its voorziening's headings in data/voorzieningen.toml")
    printed = _values(row, table)
    candidates = []
    for v in registry.descendants(voorziening):
        for indicator in registry.indicators.values():
            if indicator.voorziening != v or indicator.id in taken or indicator.row_only:
                continue
            known = values.get(indicator.id, {})
            shared = sorted(set(printed) & set(known))
            candidates.append(Candidate(
                indicator.id,
                tuple(y for y in shared if printed[y] == known[y]),
                tuple(y for y in shared if printed[y] != known[y]),
                _similarity(row.label, indicator),
                indicator.unit == unit,
            ))
    candidates.sort(key=lambda c: (not c.strong, -len(c.equal_years), -c.similarity))
    suggested = slug(row.label, voorziening, ids)
    base = Proposal(edition, voorziening, row.label, place, suggested, unit, tuple(candidates[:3]))
    if choice is not None:
        if choice == NEW:
            return base
        if choice not in registry.indicators:
            return _replace(base, decision=QUESTION, question=f"{place}: --choose {place.line}={choice}: no indicator "
                                                             f"{choice!r} in data/indicators.toml")
        return _replace(base, decision=CONTINUE, indicator=choice)
    strong = [c for c in candidates if c.strong]
    if not strong:
        return base
    if len(strong) > 1 and len(strong[1].equal_years) == len(strong[0].equal_years):
        options = " or ".join(f"{c.indicator} ({c.reason()})" for c in strong[:3])
        return _replace(base, decision=QUESTION, question=(
            f"{place}: {row.label!r} may continue {options}; answer with --choose {place.line}=ID "
            f"(or --choose {place.line}=new)"))
    return _replace(base, decision=CONTINUE, indicator=strong[0].indicator)


def _replace(proposal: Proposal, **changes: object) -> Proposal:
    from dataclasses import replace

    return replace(proposal, **changes)  # type: ignore[arg-type]


def _no_indicator_twice(matching: Matching) -> None:
    """Two rows proposed to continue one indicator: neither is decided without a person."""
    by_indicator: dict[str, list[int]] = {}
    for index, p in enumerate(matching.proposals):
        if p.decision == CONTINUE and p.indicator:
            by_indicator.setdefault(p.indicator, []).append(index)
    for indicator, indexes in by_indicator.items():
        if len(indexes) < 2:
            continue
        lines = ", ".join(str(matching.proposals[i].place) for i in indexes)
        for i in indexes:
            p = matching.proposals[i]
            matching.proposals[i] = _replace(p, decision=QUESTION, question=(
                f"{p.place}: rows {lines} would all continue {indicator}; answer for each with "
                f"--choose {p.place.line}=ID (or =new)"))


# -- output ------------------------------------------------------------------------------------
def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def as_toml(proposal: Proposal) -> str:
    """A proposal as the TOML it would write, with its evidence as comments."""
    lines = [f"# {proposal.place}: {proposal.label!r} is not in the registry"]
    for c in proposal.candidates:
        lines.append(f"#   candidate {c.indicator}: {c.reason()}")
    if proposal.decision == QUESTION:
        lines.append(f"# QUESTION: {proposal.question}")
    elif proposal.decision == CONTINUE:
        lines.append(f"# continues {proposal.indicator}: add to its entry")
        lines.append(f"labels.{proposal.edition} = [{_quote(proposal.label)}]")
    else:
        lines += _new_entry(proposal)
    return "\n".join(lines)


def _new_entry(proposal: Proposal) -> list[str]:
    return [
        "[[indicator]]",
        f"id = {_quote(proposal.suggested_id)}",
        f"voorziening = {_quote(proposal.voorziening or '')}",
        f"unit = {_quote(proposal.unit)}",
        f"label = {_quote(proposal.label)}",
        f"labels.{proposal.edition} = [{_quote(proposal.label)}]",
    ]


# -- writing -------------------------------------------------------------------------------------
def apply(data_dir: Path, proposals: list[Proposal]) -> str:
    """Write the decided proposals into data/indicators.toml (atomically); return the unified diff.

    Raises `RegistryError` if a proposal is still a question, or if the result would not load.
    """
    questions = [p for p in proposals if p.decision == QUESTION]
    if questions:
        raise RegistryError("\n".join(p.question for p in questions) + "\nNothing was written.")
    path = data_dir / "indicators.toml"
    old = path.read_text(encoding="utf-8")
    lines = old.split("\n")
    for proposal in proposals:
        if proposal.decision == CONTINUE and proposal.indicator:
            lines = _add_label(lines, proposal.indicator, proposal.edition, proposal.label)
        else:
            lines = _add_entry(lines, proposal)
    new = "\n".join(lines)
    try:
        tomllib.loads(new)
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"data/indicators.toml: the proposals would not be valid TOML ({error}); nothing was written") from None
    diff = "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        "data/indicators.toml", "data/indicators.toml"))
    with atomic_open(path) as handle:
        handle.write(new)
    return diff


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, end) line indexes of each `[[...]]` block, without the blank and comment lines after
    it (a comment before a block belongs to the next one)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("[[")] + [len(lines)]
    blocks = []
    for start, following in zip(starts, starts[1:]):
        end = following
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        blocks.append((start, end))
    return blocks


def _block_of(lines: list[str], indicator: str) -> tuple[int, int]:
    for start, end in _blocks(lines):
        if lines[start].strip() == "[[indicator]]" and any(
                re.fullmatch(rf'id\s*=\s*"{re.escape(indicator)}"\s*', line) for line in lines[start:end]):
            return start, end
    raise RegistryError(f"data/indicators.toml: no [[indicator]] with id {indicator!r}")


def _add_label(lines: list[str], indicator: str, edition: str, label: str) -> list[str]:
    start, end = _block_of(lines, indicator)
    key = f"labels.{edition}"
    for i in range(start, end):
        if lines[i].startswith(key + " ") or lines[i].startswith(key + "="):
            current = tomllib.loads(lines[i])["labels"][edition]
            labels = (current if isinstance(current, list) else [current]) + [label]
            return lines[:i] + [f"{key} = [{', '.join(_quote(x) for x in labels)}]"] + lines[i + 1:]
    after = max((i for i in range(start, end) if lines[i].startswith("labels.")), default=end - 1)
    return lines[: after + 1] + [f"{key} = [{_quote(label)}]"] + lines[after + 1:]


def _add_entry(lines: list[str], proposal: Proposal) -> list[str]:
    """The new entry after the last indicator of its voorziening (or the last indicator)."""
    indicator_blocks = [(s, e) for s, e in _blocks(lines) if lines[s].strip() == "[[indicator]]"]
    own = [(s, e) for s, e in indicator_blocks
           if any(re.fullmatch(rf'voorziening\s*=\s*"{re.escape(proposal.voorziening or "")}"\s*', x) for x in lines[s:e])]
    blocks = own or indicator_blocks
    at = blocks[-1][1] if blocks else len(lines)
    return lines[:at] + [""] + _new_entry(proposal) + lines[at:]
