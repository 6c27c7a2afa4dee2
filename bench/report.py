"""The benchmark's report: docs/BENCHMARKS.md, written from the figures of a run."""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

from paths import ROOT


from servers import SERVERS
from clients import PAGE_HOME, Timing, _ms

# --- the report ---------------------------------------------------------------------------------


def derived_growth_check() -> str:
    """queries/02 must read the growth the converter derived (mdo:groei), not join every year to the one before."""
    text = (ROOT / "queries" / "02-groei-boven-20-procent.rq").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    reads = re.search(r"mdo:groei\s+\?\w+", body) is not None and "mdo:vorigCijfer" in body
    arithmetic = re.search(r"\?\w*jaar\w*\s*[-+]\s*1\b", body, re.I) is not None
    if reads and not arithmetic:
        return "yes: reads mdo:groei and mdo:vorigCijfer; no year arithmetic"
    return "NO: the previous year is computed in the query"


def fmt_s(figures: dict[str, Any], key: str = "seconds") -> str:
    if not figures:
        return "not run"
    if "error" in figures:
        return f"failed: {figures['error'][:60]}"
    return f"{figures[key]:.1f} s"


def fmt_mb(figures: dict[str, Any], key: str = "peak_mb") -> str:
    if not figures or key not in figures:
        return "-"
    return f"{figures[key]:,.0f} MB"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "**not met**")


def _ratio(peer: "Timing | None", mdo: "Timing | None", timeout: float) -> str:
    if mdo is None or not mdo.median:
        return "-"
    if peer is not None and peer.median:
        return f"{peer.median / mdo.median:,.1f}x"
    if peer is not None and peer.error.startswith("timeout"):
        return f"> {timeout / mdo.median:,.0f}x"
    return "-"


def report(results: dict[int, dict[str, Any]], args: argparse.Namespace, peer: str, command: str, commit: str) -> str:
    sizes = sorted(results)
    lines = ["# Benchmarks", "",
             "Scale and speed of the converter, the validation and the SPARQL endpoint on synthetic data",
             "(`bench/synthetic.py`: editions in the real `markdown-tsv` form over the real voorzieningen, four",
             "editions of five years each, converted by the real converter into the TriG dump every later step",
             f"reads). Made by, on commit {commit}:", "",
             "```sh", command, "```", "",
             f"Machine: {os.cpu_count()} cores, {_mem_total_gb():.0f} GB RAM, {platform.platform()}, Python "
             f"{platform.python_version()}. Peer: {peer}, serving the same TriG file. Clients: {args.clients} "
             f"concurrent over loopback, at most {args.requests} requests per query and server and {args.budget:g} s "
             f"(a query slower than half of that is timed once), request timeout {args.timeout:g} s. "
             "Latency is median / p95 of requests after one warm-up request.", "",
             "## Build, validate, load", "",
             "| observations | quads | TriG size | build (converter) | validate | load into on-disk store | store on disk |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        r = results[n]
        built, valid, load = r.get("build", {}), r.get("validate", {}), r.get("load", {})
        vtext = fmt_s(valid) + (f" ({fmt_mb(valid)})" if valid and "error" not in valid else "")
        if valid.get("conforms") is False:
            vtext += f", {valid['violations']} violations"
        size = f"{built['bytes'] / 2**20:,.0f} MB" if built.get("bytes") else "-"
        lines.append(f"| {r['observations']:,} | {built.get('quads') or valid.get('quads') or 0:,} | {size} | "
                     f"{fmt_s(built)} ({fmt_mb(built)}) | {vtext} | {fmt_s(load)} ({fmt_mb(load)}) | "
                     f"{fmt_mb(load, 'store_mb')} |")
    lines += ["", "Seconds and, in brackets, the step's peak RSS (each step runs in its own process; for validate",
              "summed over the process and its workers, sampled every 0.1 s). How validate checked each cube:", ""]
    lines += [f"- {results[n]['observations']:,}: {results[n].get('validate', {}).get('mode', '-')}" for n in sizes]
    lines += [""]

    lines += ["## Endpoint memory and throughput", "",
              "| observations | server | ready after | peak RSS (summed) | peak PSS | throughput, all queries |",
              "|---:|---|---:|---:|---:|---:|"]
    for n in sizes:
        for key, name in SERVERS.items():
            s = results[n].get(key)
            if not s:
                continue
            if "error" in s:
                lines.append(f"| {results[n]['observations']:,} | {name} | failed: {s['error'][:60]} | | | |")
                continue
            lines.append(f"| {results[n]['observations']:,} | {name} | {s['start_seconds']:.1f} s | "
                         f"{s['peak_rss_mb']:,.0f} MB | {s['peak_pss_mb']:,.0f} MB | {s['throughput']:.1f} req/s |")
    lines += ["", "`mdo serve` runs one uvicorn process per worker, each with two query-worker processes. Over the",
              "on-disk store (the default) all of them open the one store read-only; with `--store memory` the",
              "uvicorn process loads the data and forks its query workers, which share its pages until they",
              "write to them. PSS (shared pages counted once) is the honest total. Ready after: from process",
              "start until it answers (on disk: the store was built by the load step; in memory and",
              "rdflib-endpoint: the file is parsed into memory). Throughput: completed requests / seconds",
              "spent, over all queries.", ""]

    for n in sizes:
        r = results[n]
        lines += [f"## Query latency at {r['observations']:,} observations", "",
                  "| query | rows | on disk, 2 query workers | on disk, 4 query workers | in memory | rdflib-endpoint "
                  "| rdflib / on disk | rdflib / in memory |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        timings = {key: r.get(key, {}).get("timings", {}) for key in SERVERS}
        for name in timings["mdo1"]:
            a, b, m, c = (timings[key].get(name) for key in ("mdo1", "mdo2", "mem1", "peer"))
            rows = a.rows if a and a.rows is not None else "-"
            lines.append(f"| {name} | {rows} | {a.cell() if a else '-'} | {b.cell() if b else '-'} | "
                         f"{m.cell() if m else 'not run'} | {c.cell() if c else 'not run'} | "
                         f"{_ratio(c, a, args.timeout)} | {_ratio(c, m, args.timeout)} |")
        lines.append("")

    lines += ["## Targets", "", "| target | result | verdict |", "|---|---|---|"]
    n = 100_000
    for name in ("series: one indicator", "GROUP BY: one year"):
        c = results.get(n, {}).get("peer", {}).get("timings", {}).get(name)
        for key, where in (("mdo1", "on disk"), ("mem1", "in memory")):
            a = results.get(n, {}).get(key, {}).get("timings", {}).get(name)
            ok, text = None, "not measured"
            if a and a.median and c and c.median:
                ok = c.median / a.median >= 20
                text = f"{c.median / a.median:,.0f}x ({_ms(c.median)} vs {_ms(a.median)})"
            lines.append(f"| endpoint ({where}) >= 20x faster than rdflib-endpoint, {name}, 100k observations "
                         f"| {text} | {verdict(ok)} |")
    big = results.get(1_000_000, {})
    built, valid = big.get("build", {}), big.get("validate", {})
    lines.append(f"| 1M observations: build < 60 s in < 4 GB | {fmt_s(built)}, {fmt_mb(built)} | "
                 f"{verdict(built['seconds'] < 60 and built['peak_mb'] < 4096) if built.get('seconds') else '-'} |")
    lines.append(f"| 1M observations: validate < 120 s in < 4 GB | {fmt_s(valid)}, {fmt_mb(valid)} | "
                 f"{verdict(valid['seconds'] < 120 and valid['peak_mb'] < 4096) if valid.get('seconds') else '-'} |")
    lines.append(f"| year-over-year from the derived values (queries/02) | {derived_growth_check()} | "
                 f"{verdict(derived_growth_check().startswith('yes'))} |")
    for key, where in (("mdo1", "on disk"), ("mem1", "in memory")):
        home = results.get(n, {}).get(key, {}).get("timings", {}).get(PAGE_HOME)
        ok = home.median < 0.2 if home and home.median else None
        lines.append(f"| home page < 200 ms, 100k observations ({where}) | {_ms(home.median) if home and home.median else '-'} "
                     f"| {verdict(ok)} |")
        slow = [(name, t) for name, t in results.get(n, {}).get(key, {}).get("timings", {}).items()
                if not name.startswith("page:") and t.median and t.median >= 1.0]
        measured = bool(results.get(n, {}).get(key, {}).get("timings"))
        lines.append(f"| every query < 1 s, 100k observations ({where}) | "
                     f"{', '.join(f'{name}: {_ms(t.median)}' for name, t in slow) or ('all' if measured else '-')} | "
                     f"{verdict(not slow if measured else None)} |")
    return "\n".join(lines) + "\n"


def kept_section(path: Path) -> str:
    """The section `bench/runaways.py` writes into the same file, kept when this report replaces it."""
    from runaways import END, START

    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if START not in old or END not in old:
        return ""
    return "\n" + old[old.index(START):old.index(END) + len(END)] + "\n"


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

