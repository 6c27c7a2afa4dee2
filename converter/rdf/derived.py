"""Values derived from the figures, computed once by the converter instead of in every query.

The questions people ask of the cube ("which figures grew by more than 20%", "the latest
figure of each indicator") join each current figure to the one of the year before, or to the
newest year of its series. A query that computes that from the codes (the year as text, plus
one, looked up again) is planned as an index lookup per figure: fine for the real cube, seconds
to minutes at a million figures. These facts change only with the data, so the converter
writes them with the figures (docs/MODEL.md, "Derived values"; `mdo:AfgeleideEigenschap` in
ontology/mdo.ttl), and shapes/domain.ttl checks that they agree with the figures (MDO-15 to
MDO-17).

A series is the current figures (`mdo:actueel true`) of one indicator and breakdown, across
years. All values of a series are about figures of one indicator, so they stay in the chunk of
that indicator when a validation is cut (`converter/blocks.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from converter.model import Observation

BREAK = "break"  # a figure after a change of method: not comparable with the year before


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
