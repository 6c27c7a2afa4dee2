"""Server-side SVG line charts: one indicator over the years, one line per edition.

Why SVG on the server: the page must show the figures without JavaScript or a CDN, and a
chart drawn from the same rows as the table beside it cannot disagree with it. One line per
edition makes revisions visible (a figure an edition later restated sits off the older line).
The numbers are computed here; the markup is `templates/_chart.html`, autoescaped like every
page, so a label from the data cannot break out of an attribute or element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 84, 120, 16, 32
COLOURS = ("#01689b", "#e17000", "#39870c", "#a90061", "#8fcae7", "#773f00")


def dutch_number(value: float | int | Decimal | None, unit: str = "") -> str:
    """A figure as the Monitor prints it: `15.023.119`, `99,5%`; '–' when there is none."""
    if value is None:
        return "–"
    number = float(value)
    if number == int(number) and abs(number) < 1e15:
        text = f"{int(number):,}".replace(",", ".")
    else:
        text = f"{number:,.2f}".rstrip("0").rstrip(".").replace(",", "_").replace(".", ",").replace("_", ".")
    return text + ("%" if unit in ("procent", "%") else "")


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `ticks` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


@dataclass(frozen=True)
class Series:
    name: str  # e.g. "editie 2024"
    points: tuple[tuple[int, float | None], ...]  # (year, value); None is a gap


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    year: int
    value: str  # as data-value, `%g`
    shown: str  # as the Monitor prints it


@dataclass
class Line:
    name: str
    colour: str
    legend_y: int
    polylines: list[str] = field(default_factory=list)  # "x,y x,y ..." per unbroken stretch
    points: list[Point] = field(default_factory=list)


@dataclass
class Chart:
    """The geometry of one chart; `_chart.html` draws it (autoescaped, attributes included)."""

    title: str
    width: int
    height: int
    left: int = LEFT
    plot_right: int = 0
    ticks: list[tuple[str, str]] = field(default_factory=list)  # (y, label)
    years: list[tuple[str, int]] = field(default_factory=list)  # (x, year)
    lines: list[Line] = field(default_factory=list)


def chart_geometry(title: str, series: list[Series], unit: str = "") -> Chart:
    """Axes, gridlines, a line and dots per series; an empty chart when there are no figures."""
    years = sorted({year for s in series for year, _ in s.points})
    values = [v for s in series for _, v in s.points if v is not None]
    if not years or not values:
        return Chart(title, WIDTH, 40)
    top_value = max(max(values), 0.0)
    low_value = min(min(values), 0.0)
    step = nice_step(top_value - low_value)
    top = math.ceil(top_value / step) * step or step
    low = math.floor(low_value / step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(year: int) -> float:
        return LEFT + (plot_w / 2 if len(years) == 1 else plot_w * years.index(year) / (len(years) - 1))

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (top - low))

    chart = Chart(title, WIDTH, HEIGHT, plot_right=LEFT + plot_w)
    tick = low
    while tick <= top + step / 2:
        chart.ticks.append((f"{y(tick):.1f}", dutch_number(tick, unit)))
        tick += step
    chart.years = [(f"{x(year):.1f}", year) for year in years]
    for index, one in enumerate(series):
        line = Line(one.name, COLOURS[index % len(COLOURS)], TOP + 14 + 18 * index)
        segment: list[str] = []
        for year, value in one.points:
            if value is None:
                if len(segment) > 1:
                    line.polylines.append(" ".join(segment))
                segment = []
                continue
            segment.append(f"{x(year):.1f},{y(value):.1f}")
            line.points.append(Point(f"{x(year):.1f}", f"{y(value):.1f}", year, f"{value:g}",
                                     dutch_number(value, unit)))
        if len(segment) > 1:
            line.polylines.append(" ".join(segment))
        chart.lines.append(line)
    return chart


_TEMPLATES = Environment(loader=PackageLoader("endpoint", "templates"), autoescape=True)


def line_chart(title: str, series: list[Series], unit: str = "") -> Markup:
    """An accessible SVG (role=img, <title>), drawn by a template that escapes every label."""
    return Markup(_TEMPLATES.get_template("_chart.html").render(c=chart_geometry(title, series, unit)))


# -- bars: one value per category ---------------------------------------------------------------
BAR_LABEL, BAR_ROW, BAR_VALUE = 210, 22, 90


@dataclass(frozen=True)
class Bar:
    y: str
    width: str
    label: str  # as drawn, cut to fit
    full: str  # in the tooltip
    shown: str


@dataclass
class Bars:
    """The geometry of a horizontal bar chart; `_bars.html` draws it (autoescaped)."""

    title: str
    width: int
    height: int
    left: int
    bars: list[Bar] = field(default_factory=list)


def bar_chart(title: str, items: list[tuple[str, float]], unit: str = "") -> Markup:
    """Horizontal bars from zero, one per (label, value), each with its Dutch value beside it."""
    top = max([v for _, v in items if v > 0], default=1.0)
    plot = WIDTH - BAR_LABEL - BAR_VALUE
    chart = Bars(title, WIDTH, BAR_ROW * len(items) + 8, BAR_LABEL)
    for index, (label, value) in enumerate(items):
        short = label if len(label) <= 32 else label[:31] + "…"
        chart.bars.append(Bar(f"{4 + BAR_ROW * index}", f"{max(value, 0) / top * plot:.1f}", short, label,
                              dutch_number(value, unit)))
    return Markup(_TEMPLATES.get_template("_bars.html").render(c=chart))
