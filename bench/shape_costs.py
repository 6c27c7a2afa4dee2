"""What each shape costs on one store: where validation time goes.

    .venv/bin/python bench/shape_costs.py -n 100000          # a synthetic cube of that size
    .venv/bin/python bench/shape_costs.py --real dist/mdo.trig

Validation is the load of the data into Oxigraph plus pySHACL running the shapes, nearly all of
them SPARQL constraints (`shapes/check.py`). This runs `check_store` once per shape with the
targets of every other shape removed, on a store holding the whole cube, and prints the CPU
seconds each adds to a run without targets (the best of `--repeat` runs, so that other work on
the machine counts less) beside the load, and how many results each found. Use it before and after changing a shape: the sum is about the CPU a validation in chunks
spends on the queries, spread over its worker processes (`docs/BENCHMARKS.md`).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import paths  # first: puts this checkout first on sys.path
import pyoxigraph as ox
from rdflib.namespace import RDFS
from rdflib.term import Node
from synthetic import Plan, write_cube

from shapes import check, prepared


def shapes_with_targets() -> list[tuple[str, Node]]:
    """(rule, shape) for every shape that has a target, as the shape files give them."""
    shapes = prepared.shapes(check.SHAPES_DIR, check.SHAPE_FILES).graph
    targeted = {shape for target in prepared.TARGETS for shape in shapes.subjects(target, None)}
    return sorted((str(shapes.value(shape, RDFS.label) or shape), shape) for shape in targeted)


def cpu_seconds(store: ox.Store, keep: Node | None, repeat: int) -> tuple[float, int]:
    """The best CPU time of validating `store` with only `keep`'s targets (None: no shape's), and
    the results found."""
    best, found = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        _, violations = check.check_store(store, check.SHAPES_DIR, check.SHAPE_FILES, keep=() if keep is None else (keep,))
        best = min(best, time.process_time() - start)
        found = len(violations)
    return best, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="observations of a synthetic cube")
    parser.add_argument("--real", type=Path, help="a built cube instead, e.g. dist/mdo.trig")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query; the best counts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.real
        if path is None:
            path = Path(tmp) / "cube.trig"
            write_cube(Plan.for_size(args.n), path, Path(tmp) / "editions")
        store = ox.Store()
        start = time.process_time()
        store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
        load = time.process_time() - start
    baseline, _ = cpu_seconds(store, None, args.repeat)
    costs = sorted(((max(0.0, seconds - baseline), found, rule)
                    for rule, shape in shapes_with_targets()
                    for seconds, found in [cpu_seconds(store, shape, args.repeat)]), reverse=True)
    print(f"shapes of {paths.ROOT / 'shapes'} on {len(store):,} quads")
    print(f"{'CPU s':>7}  {'found':>6}  shape (beyond pySHACL's own {baseline:.2f} s a run)")
    print(f"{load:7.2f}  {'':>6}  loading the file")
    for seconds, rows, rule in costs:
        print(f"{seconds:7.2f}  {rows:>6}  {rule}")
    print(f"{sum(c[0] for c in costs):7.2f}  {'':>6}  all shapes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
