"""Values derived from the figures, computed once by the converter instead of in every query.

The questions people ask of the cube ("which figures grew by more than 20%", "the latest
figure of each indicator") join each current figure to the one of the year before, or to the
newest year of its series. A query that computes that from the codes (the year as text, plus
one, looked up again) is planned as an index lookup per figure: fine for the real cube, seconds
to minutes at a million figures. These facts change only with the data, so the converter
writes them with the figures (docs/MODEL.md, "Derived values"; `mdo:AfgeleideEigenschap` in
ontology/mdo.ttl), and shapes/domain.ttl checks that they agree with the figures (MDO-15 to
MDO-17).

Which figure is current (`mdo:actueel`) and which older figure it revises (`mdo:herziet`) is
related here too (`revisions`): the derived values build on it. A series is the current figures
of one indicator and breakdown, across years. All values of a series are about figures of one indicator, so they stay in the chunk of
that indicator when a validation is cut (`converter/blocks.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from converter.extraction.rules import same_when_rounded
from converter.model import Observation
from converter.registry import Registry

BREAK = "break"  # a figure after a change of method: not comparable with the year before

Key = tuple[str, str, str, int]  # edition, indicator, breakdown, year: one observation


def observation_key(o: Observation) -> Key:
    return (o.edition, o.indicator, o.breakdown, o.year)


@dataclass(frozen=True)
class Derived:
    """What the converter derives for one figure (all empty for a figure that is not current)."""

    previous: Observation | None = None  # the current figure of the year before (mdo:vorigCijfer)
    change: Decimal | None = None  # value minus the previous one (mdo:verschil)
    growth: Decimal | None = None  # the change in percent of the previous value, one decimal (mdo:groei)
    newest: bool = False  # the newest year of its series (mdo:laatsteJaar)


NOTHING = Derived()


def growth_percent(value: Decimal, previous: Decimal) -> Decimal:
    """`ROUND(1000 * (value - previous) / previous) / 10` as SPARQL computes it (halves upward).

    SPARQL's ROUND is XPath's fn:round, which rounds a half towards positive infinity; Python's
    `round` would round it to even.
    """
    tenths = (1000 * (value - previous) / previous + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)
    return tenths / 10


def derive(observations: list[Observation], current: dict[tuple[str, str, str, int], bool]) -> dict[
        tuple[str, str, str, int], Derived]:
    """The derived values of each current figure, by observation key (edition, indicator, breakdown, year).

    `current` says of each key whether its figure is the current one. The previous figure is
    the current one of exactly the year before; there is none across a break in the series
    (status `break`) or when the year before has no figure. The growth needs a previous value
    other than zero.
    """
    series: dict[tuple[str, str], dict[int, Observation]] = defaultdict(dict)
    for o in observations:
        if o.value is not None and current[(o.edition, o.indicator, o.breakdown, o.year)]:
            series[(o.indicator, o.breakdown)][o.year] = o
    found: dict[tuple[str, str, str, int], Derived] = {}
    for years in series.values():
        newest = max(years)
        for year, o in years.items():
            previous = years.get(year - 1) if o.status != BREAK else None
            assert o.value is not None
            change = growth = None
            if previous is not None:
                assert previous.value is not None
                change = o.value - previous.value
                growth = growth_percent(o.value, previous.value) if previous.value != 0 else None
            found[(o.edition, o.indicator, o.breakdown, o.year)] = Derived(previous, change, growth, year == newest)
    return found


def revisions(registry: Registry, observations: list[Observation]) -> dict[Key, tuple[bool, Observation | None]]:
    """For each figure: is it current (no later edition gives it), and which older figure it revises.

    Among the figures (cells without one are no observations) of an indicator, breakdown and
    year, the newest edition's is current (`mdo:actueel`); one whose value differs from the
    latest earlier one (beyond rounding) revises it (`mdo:herziet`). shapes/domain.ttl checks
    both (MDO-11, MDO-12).
    """
    order = sorted(registry.editions.values(), key=lambda e: e.reference_date)
    rank = {e.id: i for i, e in enumerate(order)}
    series: dict[tuple[str, str, int], list[Observation]] = defaultdict(list)
    for o in observations:
        if o.value is not None:
            series[(o.indicator, o.breakdown, o.year)].append(o)
    links: dict[Key, tuple[bool, Observation | None]] = dict.fromkeys(map(observation_key, observations), (False, None))
    for found in series.values():
        if len(found) > 1:
            found.sort(key=lambda o: rank[o.edition])
        last = len(found) - 1
        for index, o in enumerate(found):
            revised = None
            if index:
                older = found[index - 1]
                if older.value != o.value and not same_when_rounded([older, o]):
                    revised = older
            links[observation_key(o)] = (index == last, revised)
    return links


def relate(registry: Registry, observations: list[Observation]) -> tuple[dict[Key, tuple[bool, Observation | None]], dict[Key, Derived]]:
    """The revisions of every figure (`revisions`) and the derived values of the current ones (`derive`)."""
    found = revisions(registry, observations)
    return found, derive(observations, {key: current for key, (current, _) in found.items()})
