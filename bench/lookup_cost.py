"""What one step of a query plan costs on `mdo serve`'s on-disk store: the unit behind a slow query.

    .venv/bin/python bench/lookup_cost.py /tmp/mdo-bench/cube-1000000.trig   # prints the section
    .venv/bin/python bench/lookup_cost.py A.trig STORE-FOLDER --write         # into docs/BENCHMARKS.md

Oxigraph runs a join of a few rows against a large set as a loop of index lookups (`Lateral`
and `QuadPattern` in `oxigraph query --explain`), and a join of two large sets as a hash join
over two index scans. So a plan's time is about its rows times what a row of a scan, an index
lookup and a read of a string (a label longer than 15 bytes, kept apart from the indexes) cost.
This measures those three on the store `mdo serve` builds for each data file (`ensure_store`,
beside the file; or a store folder given as is), opened read-only as its workers open it, with
COUNT queries so that no row is decoded into Python:
- a scanned row: `?obs mdo:laatsteJaar true`, one row per series;
- a lookup: three more facts of each of those figures (indicator, voorziening, waarde), in the
  union of the graphs (as every query without GRAPH asks) and within one graph (`GRAPH ?g`);
- a string read: the length of every skos:prefLabel, against the scan of them alone.
Each figure is the best of `--repeat` runs, on a warm page cache (a first run reads the store).
Multiplying a plan's lookups by the lookup cost gives the floor under its time: the figures
behind the "why" of a missed target in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from paths import command_line, put_section
from report import _commit

import pyoxigraph as ox

from endpoint.store import ensure_store

START, END = "<!-- lookup-cost:start -->", "<!-- lookup-cost:end -->"
PREFIXES = """PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
"""
SERIES = "?obs mdo:laatsteJaar true ."
THREE_FACTS = "?obs mdo:laatsteJaar true ; mdo:indicator ?i ; mdo:voorziening ?v ; mdo:waarde ?w ."
LOOKUPS_PER_ROW = 3


def _count(store: ox.Store, where: str, repeat: int) -> tuple[int, float]:
    """(rows, best seconds) of COUNT(*) over `where`, in the union of the graphs as `mdo serve` asks."""
    query = f"{PREFIXES}SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)
        best = min(best, time.perf_counter() - start)
    return rows, best


def measure(path: Path, repeat: int) -> dict[str, float | int]:
    """The unit costs, in microseconds, on the store of `path` (a data file, or a store folder)."""
    store = ox.Store.read_only(str(path if path.is_dir() else ensure_store(path)))
    observations, _ = _count(store, "?obs a qb:Observation", 1)
    series, scan = _count(store, SERIES, repeat)
    _, union = _count(store, THREE_FACTS, repeat)
    _, scan_graph = _count(store, f"GRAPH ?g {{ {SERIES} }}", repeat)
    _, one_graph = _count(store, f"GRAPH ?g {{ {THREE_FACTS} }}", repeat)
    labels, label_scan = _count(store, "?c skos:prefLabel ?label", repeat)
    _, label_read = _count(store, "?c skos:prefLabel ?label FILTER(STRLEN(?label) > 0)", repeat)
    per_lookup = series * LOOKUPS_PER_ROW
    return {
        "observations": observations, "quads": len(store), "series": series, "labels": labels,
        "scan_us": scan / series * 1e6,
        "lookup_union_us": (union - scan) / per_lookup * 1e6,
        "lookup_graph_us": (one_graph - scan_graph) / per_lookup * 1e6,
        "string_us": (label_read - label_scan) / labels * 1e6,
    }


def section(rows: list[dict[str, float | int]], command: str, load: tuple[float, float], repeat: int) -> str:
    lines = [
        START, "## What a step of a plan costs", "",
        f"Made by `{command}` at {_commit()}, load average {load[0]:.1f} before and {load[1]:.1f} after (over the last "
        f"minute); microseconds, the best of {repeat} runs on `mdo serve`'s on-disk store, warm "
        "(`bench/lookup_cost.py` says how each is measured).", "",
        "| observations | quads | series (rows scanned) | a scanned row | an index lookup, union of the graphs "
        "| an index lookup, one graph | a string read |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['observations']:,} | {r['quads']:,} | {r['series']:,} | {r['scan_us']:.2f} | {r['lookup_union_us']:.1f} "
                     f"| {r['lookup_graph_us']:.1f} | {r['string_us']:.1f} |")
    lines += [
        "",
        "How to read a plan with these: each `QuadPattern` under a `Lateral` is one index lookup per row that "
        "reaches it, and each label or sort key computed from a stored string is one string read. An index "
        "lookup costs tens of times a scanned row: Oxigraph opens a RocksDB iterator for each index it asks "
        "and seeks it through the levels of the store (the index column families have no Bloom filter, a "
        "32 MB block cache each and LZ4 blocks from the third level down, as the store's LOG file shows; "
        "pyoxigraph sets none of it). Within one graph a lookup asks one index; in the union of the graphs "
        "it asks two, the default graph's and the named graphs'.",
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", type=Path, nargs="+", help="TriG files (a store is built beside each) or store folders")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="replace the section in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    before = os.getloadavg()[0]
    rows = sorted((measure(path, args.repeat) for path in args.paths), key=lambda r: r["observations"])
    text = section(rows, command_line("lookup_cost.py", argv), (before, os.getloadavg()[0]), args.repeat)
    put_section(START, END, text, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
