"""The targets of the benchmark (issue 19), checked on a run's figures, and why a query misses one.

Latency targets read the median of one client on `mdo serve`'s default store (the store
`--store auto` picks for the file): what one person waits for.
"""

from __future__ import annotations

import re
from typing import Any

from paths import ROOT
from clients import GROUP_BY, PAGE_HOME, ROW_CAP, Served, _ms

REAL_RATIO = 1.5  # real cube: every query within this of Oxigraph server
LIMIT = {"100000": 1.0, "1000000": 5.0}  # seconds, every example query
VIRTUOSO_RATIO = 3.0  # 1M: the GROUP BY over a year within this of Virtuoso
HOME = {"real": 0.05, "100000": 0.2, "1000000": 0.2}  # seconds, the home page
BUILD_S, VALIDATE_S, MEMORY_MB = 60.0, 120.0, 4096.0  # at 1M


def served(r: dict[str, Any], key: str) -> Served | None:
    data = r.get("engines", {}).get(key)
    return Served.from_json(data) if data and "timings" in data else None


def median(r: dict[str, Any], key: str, query: str, clients: int = 1) -> float | None:
    s = served(r, key)
    t = s.timing(query, clients) if s else None
    return t.median if t else None


def is_example(name: str) -> bool:
    return name[:2].isdigit()  # queries/NN-name.rq


def names(r: dict[str, Any]) -> list[str]:
    """The queries sent at this size, in the order sent (pages first)."""
    seen: dict[str, None] = {}
    for key in r.get("engines", {}):
        s = served(r, key)
        seen.update(dict.fromkeys(s.timings if s else []))
    return list(seen)


def misses(r: dict[str, Any]) -> list[tuple[str, str]]:
    """(query, the target it misses) at this size."""
    size, found = str(r.get("size")), []
    for name in names(r):
        if name.startswith("page:"):
            continue
        m, o = median(r, "mdo", name), median(r, "oxigraph", name)
        if size == "real" and o and (m is None or m > REAL_RATIO * o):
            found.append((name, f"within {REAL_RATIO:g}x of Oxigraph server: " + (f"{m / o:.2f}x" if m else "no answer")))
        if size in LIMIT and is_example(name) and (m is None or m >= LIMIT[size]):
            found.append((name, f"under {LIMIT[size]:g} s: " + (_ms(m) if m else "no answer")))
        v = median(r, "virtuoso", name)
        if size == "1000000" and name == GROUP_BY and v and (m is None or m > VIRTUOSO_RATIO * v):
            found.append((name, f"within {VIRTUOSO_RATIO:g}x of Virtuoso: " + (f"{m / v:.0f}x" if m else "no answer")))
    return found


def why(r: dict[str, Any], name: str) -> str:
    """What the figures say about a miss: the engine's plan, or what `mdo serve` adds to it."""
    m, o, v = (median(r, key, name) for key in ("mdo", "oxigraph", "virtuoso"))
    s = served(r, "mdo")
    t = s.timing(name, 1) if s else None
    parts = []
    if m is None:
        parts.append(f"`mdo serve` gave no answer ({t.error if t else 'not run'})")
    if o and m:
        if m <= REAL_RATIO * o:
            parts.append(f"Oxigraph server takes {_ms(o)} as well ({m / o:.1f}x): the engine's plan is the limit, "
                         "not mdo's HTTP layer (its lookups times the cost of one, \"What a step of a plan costs\" "
                         "below, make the floor)")
        else:
            parts.append(f"Oxigraph server takes {_ms(o)}: mdo adds {_ms(m - o)} ({m / o:.1f}x) for {t.rows if t else '?'} rows "
                         "(the worker pipe, writing the rows)")
    elif m:
        parts.append("Oxigraph server was not measured here")
    if v:
        parts.append(f"Virtuoso takes {_ms(v)}")
    return "; ".join(parts) + "."


def portability(r: dict[str, Any]) -> list[str]:
    """The example queries whose rows differ between Oxigraph server and Virtuoso (or mdo)."""
    differ = []
    for name in filter(is_example, names(r)):
        got = {key: t for key in ("mdo", "oxigraph", "virtuoso")
               if (s := served(r, key)) and (t := s.timing(name, 1)) and t.rows is not None}
        if len(got) < 2 or max(t.rows or 0 for t in got.values()) >= ROW_CAP:
            continue  # one engine only, or cut at the cap: a different 10,000 rows each
        if len({t.digest for t in got.values()}) > 1:
            differ.append(f"{name} ({', '.join(f'{key} {t.rows}' for key, t in got.items())})")
    return differ


def derived_growth_check() -> str:
    """queries/02 must read the growth the converter derived (mdo:groei), not join every year to the one before."""
    text = (ROOT / "queries" / "02-groei-boven-20-procent.rq").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    reads = re.search(r"mdo:groei\s+\?\w+", body) is not None and "mdo:vorigCijfer" in body
    arithmetic = re.search(r"\?\w*jaar\w*\s*[-+]\s*1\b", body, re.I) is not None
    if reads and not arithmetic:
        return "yes: reads mdo:groei and mdo:vorigCijfer; no year arithmetic"
    return "NO: the previous year is computed in the query"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "**not met**")


def _step(figures: dict[str, Any], seconds: float) -> tuple[str, bool | None]:
    if not figures.get("seconds"):
        return (figures.get("error", "not run")[:60], None)
    ok = figures["seconds"] < seconds and figures["peak_mb"] < MEMORY_MB
    return f"{figures['seconds']:.1f} s, {figures['peak_mb']:,.0f} MB", ok


def section(results: dict[str, dict[str, Any]]) -> list[str]:
    """The targets table, then each miss with why and Oxigraph's plan."""
    lines = ["## Targets", "", "Latency: median of one client on `mdo serve`'s default store.", "",
             "| size | target | result | verdict |", "|---|---|---|---|"]
    for size, r in results.items():
        missed = misses(r)
        measured = served(r, "mdo") is not None
        if size == "real" or size in LIMIT:
            what = (f"every query within {REAL_RATIO:g}x of Oxigraph server" if size == "real"
                    else f"every example query under {LIMIT[size]:g} s")
            mine = [f"{n}: {w.split(': ')[-1]}" for n, w in missed if "Virtuoso" not in w]
            lines.append(f"| {size} | {what} | {', '.join(mine) or ('all' if measured else '-')} | "
                         f"{verdict(not mine if measured else None)} |")
        if size == "1000000":
            m, v = median(r, "mdo", GROUP_BY), median(r, "virtuoso", GROUP_BY)
            ok = m / v <= VIRTUOSO_RATIO if m and v else None
            lines.append(f"| {size} | {GROUP_BY} within {VIRTUOSO_RATIO:g}x of Virtuoso | "
                         f"{f'{m / v:.1f}x ({_ms(m)} vs {_ms(v)})' if m and v else '-'} | {verdict(ok)} |")
            for name, figures, limit in (("build", r.get("build", {}), BUILD_S), ("validate", r.get("validate", {}), VALIDATE_S)):
                text, ok = _step(figures, limit)
                lines.append(f"| {size} | {name} under {limit:g} s in under 4 GB | {text} | {verdict(ok)} |")
        if size in HOME:
            home = median(r, "mdo", PAGE_HOME)
            lines.append(f"| {size} | home page under {HOME[size] * 1000:g} ms | {_ms(home) if home else '-'} | "
                         f"{verdict(home < HOME[size] if home else None)} |")
        both = served(r, "oxigraph") and served(r, "virtuoso")
        differ = portability(r)
        lines.append(f"| {size} | every example query: the same rows on Oxigraph server and Virtuoso | "
                     f"{'differ: ' + '; '.join(differ) if differ else ('same' if both else '-')} | "
                     f"{verdict(not differ if both else None)} |")
    lines.append(f"| - | year-over-year from the derived values (queries/02) | {derived_growth_check()} | "
                 f"{verdict(derived_growth_check().startswith('yes'))} |")
    lines.append("")
    for size, r in results.items():
        for name, target in misses(r):
            lines += [f"### {name} at {size}: not {target}", "", why(r, name), ""]
            if name in r.get("plans", {}):
                lines += ["Oxigraph's plan on its own store (`oxigraph query --explain-file --stats`; rows and time "
                          "per step, the statistics slow each step):", "",
                          "```", r["plans"][name], "```", ""]
    return lines
