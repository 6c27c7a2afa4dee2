"""What each shape costs on one store: where validation time goes.

    .venv/bin/python bench/shape_costs.py -n 100000          # a synthetic cube of that size
    .venv/bin/python bench/shape_costs.py --real dist/mdo.trig
    .venv/bin/python bench/shape_costs.py -n 20000 --against HEAD~3 --write

Validation is the load of the data into Oxigraph plus pySHACL running the shapes, nearly all of
them SPARQL constraints (`shapes/check.py`). This runs `check_store` once per shape with the
targets of every other shape removed, on a store holding the whole cube, and prints the CPU
seconds each adds to a run without targets (the best of `--repeat` runs, so that other work on
the machine counts less) beside the load, and how many results each found. Use it before and after changing a shape: the sum is about the CPU a validation in chunks
spends on the queries, spread over its worker processes (`docs/BENCHMARKS.md`). `--against` times
the shape files of another commit too, each shape of both in turn on the same store, so that a
busy machine slows both alike (a shape is matched by its label); `--write` puts the table into
docs/BENCHMARKS.md, where `bench/report.py` keeps it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import paths  # first: puts this checkout first on sys.path
import pyoxigraph as ox
from rdflib.namespace import RDFS
from rdflib.term import Node
from synthetic import Plan, write_cube

from shapes import check, prepared

START, END = "<!-- shape-costs:start -->", "<!-- shape-costs:end -->"


def shapes_with_targets(shapes_dir: Path = check.SHAPES_DIR) -> list[tuple[str, Node]]:
    """(rule, shape) for every shape that has a target, as the shape files give them."""
    shapes = prepared.shapes(shapes_dir, check.SHAPE_FILES).graph
    targeted = {shape for target in prepared.TARGETS for shape in shapes.subjects(target, None)}
    return sorted((str(shapes.value(shape, RDFS.label) or shape), shape) for shape in targeted)


def cpu_seconds(store: ox.Store, keep: Node | None, repeat: int, shapes_dir: Path = check.SHAPES_DIR) -> tuple[float, int]:
    """The best CPU time of validating `store` with only `keep`'s targets (None: no shape's), and
    the results found."""
    best, found = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        _, violations = check.check_store(store, shapes_dir, check.SHAPE_FILES, keep=() if keep is None else (keep,))
        best = min(best, time.process_time() - start)
        found = len(violations)
    return best, found


def costs(store: ox.Store, folders: list[Path], repeat: int) -> dict[str, list[tuple[float, int] | None]]:
    """Per rule, (CPU seconds, results) in each shapes folder (None: no such shape there), beyond
    a run without targets: the best run of each, where each run of a shape in one folder is
    followed by its run in the next."""
    shapes = [dict(shapes_with_targets(folder)) for folder in folders]
    rules = list(dict.fromkeys(rule for by in shapes for rule in by))
    best: dict[tuple[str | None, int], float] = {}
    rows: dict[tuple[str, int], int] = {}
    for _ in range(repeat):
        for rule in [None, *rules]:
            for i, folder in enumerate(folders):
                if rule is None or rule in shapes[i]:
                    seconds, found = cpu_seconds(store, shapes[i][rule] if rule else None, 1, folder)
                    best[rule, i] = min(best.get((rule, i), float("inf")), seconds)
                    rows[rule or "", i] = found
    return {
        rule: [(max(0.0, best[rule, i] - best[None, i]), rows[rule, i]) if rule in shapes[i] else None for i in range(len(folders))]
        for rule in rules
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="observations of a synthetic cube")
    parser.add_argument("--real", type=Path, help="a built cube instead, e.g. dist/mdo.trig")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query; the best counts")
    parser.add_argument("--against", metavar="COMMIT", help="the shape files of another commit, timed beside these")
    parser.add_argument("--write", action="store_true", help="put the table into docs/BENCHMARKS.md")
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
        folders = [*([_shapes_of(args.against, Path(tmp) / "against")] if args.against else []), check.SHAPES_DIR]
        found = costs(store, folders, args.repeat)
    rows = sorted(found.items(), key=lambda item: -max(c[0] if c else 0.0 for c in item[1]))
    totals = [sum(c[i][0] for c in found.values() if c[i]) for i in range(len(folders))]
    print(f"shapes of {f'{args.against} and ' if args.against else ''}{check.SHAPES_DIR} on {len(store):,} quads")
    print(f"{'  CPU s' * len(folders)}   found  shape (beyond pySHACL's own run without targets)")
    print(f"{f'{load:7.2f}' * len(folders)}          loading the file")
    for rule, by_folder in rows:
        cells = "".join(f"{c[0]:7.2f}" if c else f"{'-':>7}" for c in by_folder)
        print(f"{cells}  {by_folder[-1][1] if by_folder[-1] else '-':>6}  {rule}")
    print(f"{''.join(f'{t:7.2f}' for t in totals)}          all shapes")
    if args.write:
        command = " ".join(sys.argv[1:] if argv is None else argv)
        paths.write_section(paths.REPORT, START, END, _section(command, args, len(store), load, rows, totals))
    return 0


def _git(*command: str) -> str:
    return subprocess.run(["git", *command], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout


def _shapes_of(commit: str, folder: Path) -> Path:
    """The shape files of `commit`, written into `folder`."""
    folder.mkdir()
    for name in check.SHAPE_FILES:
        (folder / f"{name}.ttl").write_text(_git("show", f"{commit}:shapes/{name}.ttl"), encoding="utf-8")
    return folder


def _section(
    command: str, args: argparse.Namespace, quads: int, load: float,
    rows: list[tuple[str, list[tuple[float, int] | None]]], totals: list[float],
) -> str:
    """The table for docs/BENCHMARKS.md, between START and END."""
    commit = _git("rev-parse", "--short", "HEAD").strip()
    commit += " with uncommitted changes" if _git("status", "--porcelain", "--untracked-files=no").strip() else ""
    against = _git("rev-parse", "--short", args.against).strip() if args.against else ""
    heads = [*([f"before: {args.against}" + (f" ({against})" if against != args.against else "")] if against else []), "now"]
    lines = [
        START, "## Validation: what each shape costs", "",
        f"Made by `.venv/bin/python bench/shape_costs.py {command}` on commit {commit}: CPU seconds "
        f"of each shape on one store of {quads:,} quads ({'the real cube' if args.real else f'a synthetic cube of {args.n:,} observations'}), "
        f"the best of {args.repeat} runs beyond pySHACL's own run without targets; loading the file took {load:.2f} s. "
        "A validation in chunks spends about the sum on the queries, spread over its worker processes.", "",
        "| shape | " + " | ".join(heads) + " | found |", "|---|" + "---:|" * (len(heads) + 1),
    ]
    for rule, by_folder in rows:
        cells = " | ".join(f"{c[0]:.2f}" if c else "-" for c in by_folder)
        lines.append(f"| {rule} | {cells} | {by_folder[-1][1] if by_folder[-1] else '-'} |")
    lines += ["| all shapes | " + " | ".join(f"**{t:.2f}**" for t in totals) + " | |", END]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
