"""Where the report's summary text states a figure differently from its own table.

The summary ("Hoofdlijnen") says things like "Het gebruik van de Stelselcatalogus stijgt met 14%
en betrof bijna 14.000 bezoeken". When a sentence names a voorziening, gives one change and a
figure that matches exactly one observation of that voorziening for the edition's reference
year, the stated change is compared with the change the table's figures give. Only such
unambiguous claims are checked; the rest of the prose is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from converter.model import Finding, Observation, Place
from converter.readers.lines import read_lines
from converter.registry import Registry, normalize

_QUALIFIER = r"(?:(bijna|ruim|circa|zo'n|een kleine|meer dan|iets meer dan|afgerond|nog ruim)\s+)?"
_PERCENT = re.compile(_QUALIFIER + r"(\d+(?:,\d+)?)\s?%")
_NUMBER = re.compile(_QUALIFIER + r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)(?!\s?%)(?:\s+(miljoen|miljard))?(?![\d.,]*\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_BELOW = {"bijna", "een kleine"}
_ABOVE = {"ruim", "meer dan", "iets meer dan", "nog ruim"}


@dataclass(frozen=True)
class _Claim:
    qualifier: str
    value: Decimal


def _number(qualifier: str | None, digits: str, scale: str | None) -> _Claim:
    value = Decimal(digits.replace(".", "").replace(",", ".")) if "," in digits or scale else Decimal(digits.replace(".", ""))
    if scale:
        value *= 10**6 if scale == "miljoen" else 10**9
    return _Claim(qualifier or "", value)


def _matches(claim: _Claim, actual: Decimal) -> bool:
    if claim.qualifier in _BELOW:
        return claim.value * Decimal("0.9") <= actual <= claim.value
    if claim.qualifier in _ABOVE:
        return claim.value <= actual <= claim.value * Decimal("1.1")
    return abs(actual - claim.value) <= claim.value * Decimal("0.05")


def _step(value: Decimal) -> Decimal:
    """The rounding step a stated figure suggests: 14 -> 1, 60 -> 10, 3000 -> 1000, 1,3 -> 0.1."""
    exponent = value.normalize().as_tuple().exponent
    return Decimal(10) ** exponent if isinstance(exponent, int) else Decimal(1)


def _change_agrees(claim: _Claim, computed: Decimal) -> bool:
    size, step = abs(computed), _step(claim.value)
    if claim.qualifier in _BELOW:
        return claim.value - step <= size <= claim.value + Decimal("0.5")
    if claim.qualifier in _ABOVE:
        return claim.value - Decimal("0.5") <= size <= claim.value + step
    return abs(size - claim.value) <= max(step / 2, Decimal(1))


def _paragraphs(lines: list[str], form: str, stop: int) -> list[tuple[int, str]]:
    """(first line, text) of each paragraph before line index `stop`."""
    paragraphs: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for index, raw in enumerate(lines[:stop]):
        boundary = raw.strip() == "" and (raw != "" if form == "pdf-text" else True)
        if boundary:
            if current:
                paragraphs.append((start + 1, " ".join(current)))
            current = []
            continue
        if not raw.strip():
            continue
        if not current:
            start = index
        current.append(raw.strip().replace("**", ""))
    if current:
        paragraphs.append((start + 1, " ".join(current)))
    return paragraphs


def check_summary_text(registry: Registry, edition: str, observations: list[Observation]) -> list[Finding]:
    info = registry.edition(edition)
    path = registry.data_dir / info.file
    lines = read_lines(path, info.file)
    stop = next((i for i, line in enumerate(lines)
                 if "\t" not in line and normalize(line.strip("# ")).startswith("bijlage a")), len(lines))
    year = info.reference_year
    own = [o for o in observations if o.edition == edition and o.value is not None and o.breakdown == "totaal"]
    latest = {(o.voorziening, o.indicator): o for o in own if o.year == year and o.unit == "count"}
    previous = {(o.voorziening, o.indicator): o for o in own if o.year == year - 1}
    names = {v.id: {normalize(n) for n in (v.label, *v.headings, v.basisregistratie or "") if n} for v in registry.voorzieningen.values()}
    # one pattern per voorziening, any of its names as a whole word: compiled once, not per sentence
    patterns = {v: re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, sorted(forms)))})(?!\w)") for v, forms in names.items() if forms}
    findings: list[Finding] = []
    def mentioned(text: str) -> list[str]:
        text = normalize(text)
        return [v for v, pattern in patterns.items() if pattern.search(text)]

    for line_no, paragraph in _paragraphs(lines, info.form, stop):
        in_paragraph = mentioned(paragraph)
        for sentence in _SENTENCE_END.split(paragraph):
            named = mentioned(sentence) or in_paragraph
            percents = _PERCENT.findall(sentence)
            numbers = [n for n in _NUMBER.findall(sentence) if not re.fullmatch(r"20\d\d", n[1])]
            if not named or len(percents) != 1 or len(numbers) != 1:
                continue
            change = _number(percents[0][0], percents[0][1], None)
            claim = _number(*numbers[0])
            scope = {d for v in named for d in registry.descendants(v)}
            hits = [o for (v, _), o in latest.items() if v in scope and _matches(claim, o.value)]  # type: ignore[arg-type]
            if len(hits) != 1:
                continue
            hit = hits[0]
            before = previous.get((hit.voorziening, hit.indicator))
            if before is None or not before.value:
                continue
            computed = (hit.value / before.value - 1) * 100  # type: ignore[operator]
            if not _change_agrees(change, computed):
                findings.append(Finding(
                    "text-mismatch", edition, Place(info.file, line_no),
                    f"the summary says {sentence.strip()!r}; the table ({hit.place}) gives {before.raw} -> {hit.raw} "
                    f"for {hit.indicator}, a change of {computed:.1f}%",
                    hit.indicator, year,
                    f"de samenvatting zegt {sentence.strip()!r}; de tabel ({hit.place}) geeft {before.raw} -> {hit.raw} "
                    f"voor {hit.indicator}, een verandering van {f'{computed:.1f}'.replace('.', ',')}%",
                ))
    return findings
