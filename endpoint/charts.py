"""Server-side SVG line charts: one indicator over the years, one line per edition.

Why SVG on the server: the page must show the figures without JavaScript or a CDN, and a
chart drawn from the same rows as the table beside it cannot disagree with it. One line per
edition makes revisions visible (a figure an edition later restated sits off the older line).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

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


def line_chart(title: str, series: list[Series], unit: str = "") -> Markup:
    """An accessible SVG (role=img, <title>) with axes, gridlines, a line and dots per series."""
    years = sorted({year for s in series for year, _ in s.points})
    values = [v for s in series for _, v in s.points if v is not None]
    label = escape(title)
    if not years or not values:
        return Markup(f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} 40" width="{WIDTH}" height="40">'
                      f'<title>{label}</title><text x="8" y="24">Geen cijfers</text></svg>')
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

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{label}"><title>{label}</title>']
    tick = low
    while tick <= top + step / 2:
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#ddd"/><text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{escape(dutch_number(tick, unit))}</text>')
        tick += step
    for year in years:
        parts.append(f'<text class="year" x="{x(year):.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                     f'font-size="11">{year}</text>')
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        segment: list[str] = []
        segments: list[list[str]] = [segment]
        for year, value in one.points:
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x(year):.1f},{y(value):.1f}")
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
        for year, value in one.points:
            if value is not None:
                parts.append(f'<circle class="point" cx="{x(year):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}" '
                             f'data-year="{year}" data-value="{value:g}"><title>{escape(one.name)}, {year}: '
                             f'{escape(dutch_number(value, unit))}</title></circle>')
        legend_y = TOP + 14 + 18 * index
        parts.append(f'<rect x="{LEFT + plot_w + 12}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text class="legend" x="{LEFT + plot_w + 26}" y="{legend_y}" font-size="11">'
                     f'{escape(one.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
