"""The benchmark's report: docs/BENCHMARKS.md, written from the figures of one or more runs
(`bench/run.py` keeps them per size in WORKDIR/results.json)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from paths import ROOT

from clients import ROW_CAP, _ms
from targets import names, section, served


def fmt_s(figures: dict[str, Any], key: str = "seconds") -> str:
    if not figures:
        return "not run"
    if "error" in figures:
        return f"failed: {figures['error'][:60]}"
    return f"{figures[key]:.1f} s"


def fmt_mb(figures: dict[str, Any], key: str = "peak_mb") -> str:
    if not figures or not figures.get(key):
        return "-"
    return f"{figures[key]:,.0f} MB"


def _order(size: str) -> tuple[int, int]:
    return (0, 0) if size == "real" else (1, int(size))


def _size(r: dict[str, Any]) -> str:
    n = r.get("observations")
    if r["size"] == "real":
        return f"real ({n:,} observations)" if n else "real"
    return f"{n or int(r['size']):,}"


def report(results: dict[str, dict[str, Any]]) -> str:
    results = {size: results[size] for size in sorted(results, key=_order)}
    lines = ["# Benchmarks", "",
             "Scale and speed of the converter, the validation and the SPARQL endpoint, side by side with",
             "Oxigraph server (the same engine behind its own HTTP server) and Virtuoso, on the real cube and on",
             "synthetic data (`bench/synthetic.py`: editions in the real `markdown-tsv` form over the real",
             "voorzieningen, four editions of five years each). Every step and engine reads the one TriG file",
             "the converter wrote for that size. How to run it, a size or an engine at a time:",
             "`.venv/bin/python bench/run.py --help`; Virtuoso comes from `.ci/install-virtuoso.sh`, the",
             "Oxigraph CLI from the `bench` extra (`.venv/bin/pip install -e '.[bench]'`).", "",
             f"Machine: {os.cpu_count()} cores, {_mem_total_gb():.0f} GB RAM, {platform.platform()}, Python "
             f"{platform.python_version()}.", "", "| size | made by | commit | date | load average at start |",
             "|---|---|---|---|---:|"]
    for size, r in results.items():
        load = " / ".join(f"{x:.1f}" for x in r.get("loadavg", []))
        lines.append(f"| {size} | `{r.get('command', '')}` | {r.get('commit', '')} | {r.get('date', '')} | {load} |")
    versions = {k: v for r in results.values() for k, v in r.get("versions", {}).items()}
    lines += ["", "Engines: " + "; ".join(f"`{k}`: {v}" for k, v in versions.items()) + ".", "",
              "Latency: the median of the requests after one warm-up request, sent by 1 and by 4 concurrent "
              "clients over loopback (at most `--requests` requests and `--budget` seconds per query, engine "
              "and client count; a query slower than half the budget is timed once). `mdo serve` and Virtuoso "
              f"cut a result at {ROW_CAP:,} rows, Oxigraph server does not.", ""]
    lines += _steps(results) + _loads(results)
    for size, r in results.items():
        lines += _latency(size, r)
    return "\n".join(lines + section(results)) + "\n"


def _steps(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Build and validate", "", "| size | quads | TriG size | build (converter) | validate |", "|---|---:|---:|---:|---:|"]
    for r in results.values():
        built, valid = r.get("build", {}), r.get("validate", {})
        vtext = fmt_s(valid) + (f" ({fmt_mb(valid)}, {valid.get('mode', '')})" if valid and "error" not in valid else "")
        if valid.get("conforms") is False:
            vtext += f", {valid['violations']} violations"
        size = f"{built['bytes'] / 2**20:,.1f} MB" if built.get("bytes") else "-"
        lines.append(f"| {_size(r)} | {built.get('quads') or valid.get('quads') or 0:,} | {size} | "
                     f"{fmt_s(built)} ({fmt_mb(built)}) | {vtext} |")
    return lines + ["", "Seconds and, in brackets, the step's peak RSS (each step runs in its own process; for validate",
                    "summed over the process and its workers, sampled every 0.1 s).", ""]


def _loads(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Loading and serving, per engine", "",
             "| size | engine | load | how | store on disk | peak RSS loading | ready after | peak RSS serving | peak PSS serving |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    for r in results.values():
        for key, data in r.get("engines", {}).items():
            name = r.get("labels", {}).get(key, key)
            s = served(r, key)
            if s is None or s.error:
                lines.append(f"| {_size(r)} | {name} | failed: {(s.error if s else data.get('error', ''))[:80]} | | | | | | |")
                continue
            lines.append(f"| {_size(r)} | {name} | {fmt_s(s.load)} | {s.load.get('how', '')} | {fmt_mb(s.load, 'store_mb')} | "
                         f"{fmt_mb(s.load)} | {s.start_seconds:.1f} s | {s.peak_rss_mb:,.0f} MB | {s.peak_pss_mb:,.0f} MB |")
    return lines + ["", "Load: from the TriG file to a store the server answers from (`mdo serve` on disk: "
                    "`ensure_store`, the bulk loader and a compaction; in memory: the parse at start). Ready after: "
                    "from process start until it answers. PSS counts a page shared between processes once: "
                    "`mdo serve`'s honest total.", ""]


def _rows(size_record: dict[str, Any], name: str, keys: list[str]) -> str:
    """The rows every engine returned, or each engine's count flagged where they differ."""
    got = {}
    for key in keys:
        s = served(size_record, key)
        t = next(iter(s.timings.get(name, {}).values()), None) if s else None
        if t is not None and t.rows is not None:
            got[key] = t
    if not got:
        return "-"
    counts = {t.rows for t in got.values()}
    if max(counts) >= ROW_CAP:  # type: ignore[type-var]
        return " / ".join(f"{t.rows:,}" for t in got.values()) + " (cap)"
    if len({t.digest for t in got.values()}) == 1:
        return f"{next(iter(counts)):,}"
    label = {k: size_record.get("labels", {}).get(k, k).split(" (")[0] for k in got}
    return "**differ**: " + ", ".join(f"{label[k]} {t.rows:,}" for k, t in got.items())


def _latency(size: str, r: dict[str, Any]) -> list[str]:
    keys = [k for k in r.get("engines", {}) if served(r, k)]
    if not keys:
        return []
    clients = r.get("clients", [1, 4])
    labels = [r.get("labels", {}).get(k, k) for k in keys]
    ratios = [k for k in ("oxigraph", "virtuoso") if k in keys and "mdo" in keys]
    lines = [f"## Query latency, {_size(r)}", "",
             f"Median with {' / '.join(map(str, clients))} concurrent clients; rows: the same on every engine unless flagged.", "",
             "| query | rows | " + " | ".join(labels) + "".join(f" | mdo / {r['labels'][k]}, 1 client" for k in ratios) + " |",
             "|---|---:|" + "---:|" * (len(keys) + len(ratios))]
    for name in names(r):
        cells = []
        for key in keys:
            s = served(r, key)
            timings = [s.timing(name, c) if s else None for c in clients]
            if all(t is None for t in timings):
                cells.append("-")
            else:
                cells.append(" / ".join((_ms(t.median) if t.median else t.error or "-") if t else "-" for t in timings))
        for key in ratios:
            m, other = (served(r, k).timing(name, 1) for k in ("mdo", key))  # type: ignore[union-attr]
            cells.append(f"{m.median / other.median:.1f}x" if m and other and m.median and other.median else "-")
        lines.append(f"| {name} | {_rows(r, name, keys)} | " + " | ".join(cells) + " |")
    return lines + [""]


def kept_section(path: Path) -> str:
    """The sections `bench/runaways.py`, `bench/build_stages.py`, `bench/shape_costs.py` and
    `bench/lookup_cost.py` write into the same file, kept when this report replaces it."""
    import build_stages
    import lookup_cost
    import runaways
    import shape_costs

    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    return "".join(
        "\n" + old[old.index(start):old.index(end) + len(end)] + "\n"
        for start, end in ((runaways.START, runaways.END), (build_stages.START, build_stages.END),
                           (shape_costs.START, shape_costs.END), (lookup_cost.START, lookup_cost.END))
        if start in old and end in old
    )


def _commit() -> str:
    """The code measured: the checked-out commit, marked when the work tree has changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _mem_total_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0
