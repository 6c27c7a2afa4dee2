"""converter/derived.py on its edge cases: a break in a series, a previous value of 0, halves."""

from __future__ import annotations

from decimal import Decimal

from converter.rdf.derived import derive, growth_percent
from converter.model import Observation, Place


def figure(year: int, value: str | None, status: str = "normal", edition: str = "2024") -> Observation:
    return Observation(edition=edition, voorziening="v", indicator="i", breakdown="totaal", year=year,
                       value=None if value is None else Decimal(value), unit="count", status=status, status_note="",
                       footnote_marks=(), footnote_text="", label="", section="", place=Place("f", year), raw="",
                       table="t")


def test_growth_rounds_halves_upward_as_sparql_does() -> None:
    assert growth_percent(Decimal("1000.5"), Decimal("1000")) == Decimal("0.1")  # 0.05 -> 0.1
    assert growth_percent(Decimal("999.5"), Decimal("1000")) == Decimal("0")  # -0.05 -> -0.0
    assert growth_percent(Decimal("99.7"), Decimal("99.7")) == 0


def test_a_series_with_a_gap_a_zero_and_a_break() -> None:
    series = [figure(2018, "0"), figure(2019, "5"), figure(2021, "6"), figure(2022, "9", status="break"),
              figure(2023, None), figure(2020, "4", edition="2020")]
    current = {(o.edition, o.indicator, o.breakdown, o.year): o.edition == "2024" for o in series}
    found = {key[3]: d for key, d in derive(series, current).items()}
    assert sorted(found) == [2018, 2019, 2021, 2022]  # 2020 is not current, 2023 has no figure
    assert found[2019].previous == series[0] and found[2019].change == 5 and found[2019].growth is None  # from 0
    assert found[2021].previous is None  # the year before has no current figure
    assert found[2022].previous is None and found[2022].change is None  # a break: not comparable
    assert [year for year, d in found.items() if d.newest] == [2022]
