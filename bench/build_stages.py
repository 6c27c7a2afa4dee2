"""Where a build's time goes: each stage of `converter.build.build(..., out=FILE.trig)`, wall and CPU.

    .venv/bin/python bench/build_stages.py -n 100000                       # prints the section
    .venv/bin/python bench/build_stages.py -n 100000 --split never always --write   # both ways, into docs/BENCHMARKS.md

The synthetic editions of that size (`bench/synthetic.py`) are written once; each of `--repeat`
runs then builds them in a fresh process, stage by stage as `build` does (registry, extraction,
cube, TriG), timing each stage's wall clock and the CPU of the process and of its children.
`--split` says how: `auto` as `mdo build` does (a large build has forked processes extract the
later editions, make the cube's small graphs and half of the TriG text when a core is free,
`converter/forked.py`), `always` or `never`; the runs of the ways alternate, so that each meets
the same load. The machine is shared, so the best of the runs is reported: the least disturbed
one by wall time, and the lowest CPU time apart; and the peak RSS of the build process and of
its largest child (the child's RSS counts the pages it shares with its parent).
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

from paths import ROOT, command_line, put_section
from report import _commit

START, END = "<!-- build-stages:start -->", "<!-- build-stages:end -->"
STAGES = ("registry", "extraction", "cube", "TriG")
SPLIT_FROM = {"auto": None, "always": 0, "never": 10**18}  # the split_from each way passes


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def one_build(work: Path, split: str) -> dict[str, Any]:
    """In a fresh process: the build of `work`'s editions into one TriG file, stage by stage."""
    from converter.build import paused_gc
    from converter.extraction.extract import extract
    from converter.rdf.cube import build_cube
    from converter.rdf.dumps import write_trig
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
        extraction = extract(registry, split_from=SPLIT_FROM[split])
        done("extraction")
        cube = build_cube(registry, extraction, settings.base_iri, settings.ontology_dir, split_from=SPLIT_FROM[split])
        done("cube")
        quads = write_trig(cube, work / "cube.trig", split_from=SPLIT_FROM[split])
        done("TriG")
    return {"stages": stages, "observations": extraction.figures, "quads": quads,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def measure(size: int, repeat: int, ways: list[str]) -> dict[str, list[dict[str, Any]]]:
    from synthetic import Plan, write_data_dir

    with tempfile.TemporaryDirectory(prefix="mdo-build-stages-") as tmp:
        work = Path(tmp)
        write_data_dir(Plan.for_size(size), work)
        runs: dict[str, list[dict[str, Any]]] = {way: [] for way in ways}
        for number in range(repeat):
            for way in ways:
                done = subprocess.run([sys.executable, __file__, "--step", str(work), "--split", way], capture_output=True,
                                      text=True, check=True, cwd=ROOT)
                runs[way].append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"run {number + 1}, split {way}: {_total(runs[way][-1])}", file=sys.stderr, flush=True)
        return runs


def _total(run: dict[str, Any]) -> list[float]:
    """(wall, CPU of the process, CPU of its children) of the whole build."""
    return [sum(stage[k] for stage in run["stages"].values()) for k in range(3)]


def section(size: int, runs: dict[str, list[dict[str, Any]]], command: str, load: tuple[float, float]) -> str:
    some = next(iter(runs.values()))[0]
    lines = [START, f"## Build stages, {some['observations']:,} observations", "",
             f"Made by `{command}` at {_commit()}, load average {load[0]:.1f} before and {load[1]:.1f} after "
             f"the runs (over the last minute). Of each way's {len(next(iter(runs.values())))} builds the least "
             "disturbed (by wall time), seconds; CPU of the build process and of its forked children. "
             f"{some['quads']:,} quads. `always` splits the extraction, the cube's small graphs and the TriG text "
             "with a forked process, `never` keeps one process, `auto` (what `mdo build` does) splits only when the "
             "load average leaves a core free (`converter/forked.py`).", ""]
    for way, done in runs.items():
        best = min(done, key=lambda run: _total(run)[0])
        lines += [f"Split `{way}`:", "", "| stage | wall | CPU, process | CPU, children |", "|---|---:|---:|---:|"]
        for stage in STAGES:
            wall, own, children = best["stages"][stage]
            lines.append(f"| {stage} | {wall:.2f} | {own:.2f} | {children:.2f} |")
        wall, own, children = _total(best)
        lines += [f"| whole build | {wall:.2f} | {own:.2f} | {children:.2f} |", "",
                  f"Lowest CPU time of a build (process and children): {min(sum(_total(r)[1:]) for r in done):.2f} s. "
                  f"Peak RSS: {best['rss_mb']:,.0f} MB (build process), {best['child_rss_mb']:,.0f} MB (its largest child).", ""]
    return "\n".join(lines[:-1] + [END]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="observations (about), as bench/synthetic.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--split", nargs="+", choices=list(SPLIT_FROM), default=["auto"])
    parser.add_argument("--write", action="store_true", help="replace the section in docs/BENCHMARKS.md")
    parser.add_argument("--step", type=Path, help=argparse.SUPPRESS)  # one build, in a fresh process
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(one_build(args.step, args.split[0])))
        return 0
    before = os.getloadavg()[0]
    runs = measure(args.n, args.repeat, args.split)
    text = section(args.n, runs, command_line("build_stages.py", argv), (before, os.getloadavg()[0]))
    put_section(START, END, text, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
