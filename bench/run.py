"""The scale benchmark: build, validate, load and serve synthetic cubes of 10k, 100k and 1M observations.

    .venv/bin/python bench/run.py                                  # all sizes, writes docs/BENCHMARKS.md
    .venv/bin/python bench/run.py --sizes 10000 --out /tmp/b.md    # a quick run

For each size it measures, each step in its own process (so peak RSS is the step's own):
- build: the real converter (`converter.build.build`: registry, extract, cube, TriG dump) on
  synthetic editions (`bench/synthetic.py`, written before the clock starts);
- validate: `shapes.validate.validate` on the cube (pySHACL over Oxigraph, all shapes);
- load: `endpoint.store.ensure_store`, the on-disk store every endpoint worker opens read-only;
- serve: `endpoint.server.serve` with 2 and 4 query workers over that one store, with the data
  in memory (`--store memory`, up to `--memory-max` observations), and
  rdflib-endpoint (PyPI `rdflib-endpoint`, installed in `bench/.venv`, created here, never the
  project's venv) over the same file, up to `--peer-max` observations. Every query of `queries/`
  plus two bench queries (one indicator's series; a GROUP BY over one year) and two pages of
  `mdo serve` (the home page; a voorziening's page) is sent by `--clients`
  concurrent clients over loopback, at most `--requests` requests per query and server and at
  most `--budget` seconds; the table gives median and p95 latency, throughput and the peak memory
  of the server's process tree (RSS summed, and PSS, which counts a shared page once).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from paths import ROOT


from clients import bench_queries, serve_and_measure
from report import kept_section, report, _commit
from servers import ensure_peer_venv, mdo_server, peer_server, resident_mb


# --- steps, each run in a child process ----------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreePeak:
    """The peak of the summed RSS of this process and its children, sampled every 0.1 s
    (validation runs its chunks in worker processes, which ru_maxrss of this one misses)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _peak_mb())

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, resident_mb(os.getpid()))


def step(name: str, n: int, path: Path, work: Path) -> dict[str, Any]:
    """One measured step in this (child) process; returns its figures."""
    from synthetic import Plan

    plan = Plan.for_size(n)
    if name == "build":
        from synthetic import write_data_dir

        from converter.build import build
        from mdo.settings import Settings

        write_data_dir(plan, work)  # the editions, not timed: they stand for the printed report
        built = build(work / "data", work / "dist", base_iri=Settings(root=work).base_iri,
                  ontology_dir=work / "ontology", out=path)
        return {"seconds": built.seconds, "observations": built.observations, "quads": built.quads,
                "bytes": path.stat().st_size, "peak_mb": _peak_mb()}
    if name == "validate":
        from shapes.validate import validate

        with TreePeak() as peak:
            start = time.perf_counter()
            result = validate(path)
            seconds = time.perf_counter() - start
        return {"seconds": seconds, "conforms": result.conforms, "quads": result.triples,
                "violations": len(result.violations), "peak_mb": peak.peak, "mode": result.mode}
    if name == "load":
        from endpoint.store import ensure_store, store_dir_for

        shutil.rmtree(store_dir_for(path), ignore_errors=True)
        start = time.perf_counter()
        folder = ensure_store(path)
        seconds = time.perf_counter() - start
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        return {"seconds": seconds, "store_mb": size / 2**20, "peak_mb": _peak_mb()}
    raise SystemExit(f"unknown step {name}")


def run_step(name: str, n: int, path: Path, work: Path) -> dict[str, Any]:
    print(f"  {name} {n:,} ...", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, __file__, "--step", name, "-n", str(n), "--path", str(path),
                           "--work", str(work)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"    {figures}", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query and server")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    parser.add_argument("--memory-max", type=int, default=100_000, help="largest size served from memory too")
    parser.add_argument("--peer-max", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep the generated files here (default: a temp dir)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step(args.step, args.n, args.path, args.work)))
        return 0

    command = ".venv/bin/python bench/run.py" + (
        "" if argv is None and len(sys.argv) == 1 else " " + " ".join(sys.argv[1:] if argv is None else argv))
    peer = ensure_peer_venv()
    commit = _commit()  # before the first table is written: that changes the work tree
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mdo-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, Any]] = {}
    try:
        for n in args.sizes:
            print(f"size {n:,}", file=sys.stderr, flush=True)
            r: dict[str, Any] = {}
            cube = workdir / f"cube-{n}.trig"
            r["build"] = run_step("build", n, cube, workdir / f"editions-{n}")
            r["observations"] = r["build"].get("observations", n)
            r["validate"] = run_step("validate", n, cube, workdir)
            r["load"] = run_step("load", n, cube, workdir)
            queries = bench_queries(n)
            start_timeout = 600.0
            r["mdo1"] = serve_and_measure(mdo_server(cube, 2), queries, args, start_timeout)
            r["mdo2"] = serve_and_measure(mdo_server(cube, 4), queries, args, start_timeout)
            if n <= args.memory_max:
                r["mem1"] = serve_and_measure(mdo_server(cube, 2, in_memory=True), queries, args, start_timeout)
            if n <= args.peer_max:
                r["peer"] = serve_and_measure(peer_server(cube), queries, args, 1800.0)
            results[n] = r
            args.out.write_text(report(results, args, peer, command, commit) + kept_section(args.out), encoding="utf-8")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"-> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
