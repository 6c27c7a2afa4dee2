"""Where a build's time goes: each stage of `converter.build.build(..., out=FILE.trig)`, wall and CPU.

    .venv/bin/python bench/build_stages.py -n 100000            # prints the section
    .venv/bin/python bench/build_stages.py -n 100000 --write    # and puts it into docs/BENCHMARKS.md

The synthetic editions of that size (`bench/synthetic.py`) are written once; each of `--repeat`
runs then builds them in a fresh process, stage by stage as `build` does (registry, extraction,
cube, TriG), timing each stage's wall clock and the CPU of the process and of its children (a
large build has a forked process extract the later editions and make half of the TriG text,
`converter/forked.py`). The machine is shared, so the best of the runs is reported: the least
disturbed one by wall time, and the lowest CPU time apart; and the peak RSS of the build process
and of its largest child (the child's RSS counts the pages it shares with its parent).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from paths import ROOT
from report import _commit

START, END = "<!-- build-stages:start -->", "<!-- build-stages:end -->"
STAGES = ("registry", "extraction", "cube", "TriG")


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def one_build(work: Path) -> dict[str, Any]:
    """In a fresh process: the build of `work`'s editions into one TriG file, stage by stage."""
    from converter.build import paused_gc
    from converter.extraction.extract import extract
    from converter.rdf.cube import build_cube
    from converter.rdf.dumps import write_dump
    from converter.rdf.vocab import PREFIXES
    from converter.registry import Registry
    from mdo.settings import Settings

    settings = Settings(root=work)
    stages: dict[str, list[float]] = {}
    mark = (time.perf_counter(), *_cpu())

    def done(stage: str) -> None:
        nonlocal mark
        now = (time.perf_counter(), *_cpu())
        stages[stage] = [b - a for a, b in zip(mark, now)]
        mark = now

    with paused_gc():
        registry = Registry(settings.data_dir)
        done("registry")
        extraction = extract(registry)
        done("extraction")
        cube = build_cube(registry, extraction, settings.base_iri, settings.ontology_dir)
        done("cube")
        quads = write_dump(cube, work / "cube.trig", {k: str(v) for k, v in PREFIXES.items()})
        done("TriG")
    return {"stages": stages, "observations": extraction.figures, "quads": quads,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def measure(size: int, repeat: int) -> list[dict[str, Any]]:
    from synthetic import Plan, write_data_dir

    with tempfile.TemporaryDirectory(prefix="mdo-build-stages-") as tmp:
        work = Path(tmp)
        write_data_dir(Plan.for_size(size), work)
        runs = []
        for number in range(repeat):
            done = subprocess.run([sys.executable, __file__, "--step", str(work)], capture_output=True, text=True,
                                  check=True, cwd=ROOT)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"run {number + 1}: {_total(runs[-1])}", file=sys.stderr, flush=True)
        return runs


def _total(run: dict[str, Any]) -> list[float]:
    """(wall, CPU of the process, CPU of its children) of the whole build."""
    return [sum(stage[k] for stage in run["stages"].values()) for k in range(3)]


def section(size: int, runs: list[dict[str, Any]]) -> str:
    best = min(runs, key=lambda run: _total(run)[0])
    cpu = min(sum(_total(run)[1:]) for run in runs)
    wall = _total(best)[0]
    lines = [START, f"## Build stages, {best['observations']:,} observations", "",
             f"Made by `.venv/bin/python bench/build_stages.py -n {size} --repeat {len(runs)}` at {_commit()}, "
             f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} after the runs. The least disturbed of "
             f"{len(runs)} builds (by wall time), seconds; CPU of the build process and of its forked children:", "",
             "| stage | wall | CPU, process | CPU, children |", "|---|---:|---:|---:|"]
    for stage in STAGES:
        w, own, children = best["stages"][stage]
        lines.append(f"| {stage} | {w:.2f} | {own:.2f} | {children:.2f} |")
    lines += [f"| whole build | {wall:.2f} | {_total(best)[1]:.2f} | {_total(best)[2]:.2f} |", "",
              f"Lowest CPU time of a build (process and children): {cpu:.2f} s. Peak RSS: {best['rss_mb']:,.0f} MB "
              f"(build process), {best['child_rss_mb']:,.0f} MB (its largest child). {best['quads']:,} quads.", END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8")
    if START in old and END in old:
        new = old[:old.index(START)] + text.rstrip("\n") + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="observations (about), as bench/synthetic.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="replace the section in docs/BENCHMARKS.md")
    parser.add_argument("--step", type=Path, help=argparse.SUPPRESS)  # one build, in a fresh process
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(one_build(args.step)))
        return 0
    text = section(args.n, measure(args.n, args.repeat))
    print(text)
    if args.write:
        write_section(ROOT / "docs" / "BENCHMARKS.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
