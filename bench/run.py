"""The scale benchmark: build, validate, load and serve the real cube and synthetic cubes, side by side with Oxigraph server and Virtuoso.

For each size (`real`: the bundled editions; a number: synthetic editions of about that many
observations, `bench/synthetic.py`) it measures, each step in its own process (so peak RSS is
the step's own):
- build: the real converter (`converter.build.build`) into one TriG file, which every later step reads;
- validate: `shapes.validate.validate` on it (pySHACL over Oxigraph, all shapes);
- load and serve, per engine (`bench/engines.py`): `mdo serve` on its default store and on the
  other one, Oxigraph server 0.5 (`oxigraph load` + `optimize`, `serve-read-only`), Virtuoso 7.2
  (bulk loader), optionally rdflib-endpoint; each engine's load is timed. Every query of
  `queries/`, the bench's two (one indicator's series; a GROUP BY over one year) and, on
  `mdo serve`, two pages are sent by 1 and by 4 concurrent clients over loopback (`--clients`),
  at most `--requests` requests per query, engine and client count within `--budget` seconds.

The report (`--out`, default docs/BENCHMARKS.md) has a table per size with a column per engine,
the rows each engine returned (a difference is flagged), the targets of issue 19 and, for each
query that misses one, Oxigraph's plan. Sizes run one at a time; with `--workdir` the figures
are kept in WORKDIR/results.json, so separate runs add up to one report:

    .venv/bin/python bench/run.py --quick                                  # smoke test, a minute or two
    .venv/bin/python bench/run.py --sizes real 10000 --workdir /tmp/mdo-bench
    .venv/bin/python bench/run.py --sizes 100000 --engines mdo,oxigraph,virtuoso --workdir /tmp/mdo-bench
    .venv/bin/python bench/run.py --sizes 1000000 --engines mdo,oxigraph,virtuoso --workdir /tmp/mdo-bench
"""

from __future__ import annotations

import argparse
import datetime
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
from engines import DEFAULT_ENGINES, ENGINES, explain, label, missing, oxigraph_folder, server_for, versions, virtuoso_folder
from report import _commit, kept_section, report
from servers import resident_mb
from targets import misses


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


def step(name: str, size: str, path: Path, work: Path) -> dict[str, Any]:
    """One measured step in this (child) process; returns its figures."""
    if name == "build":
        from converter.build import build
        from mdo.settings import Settings, load_settings

        if size == "real":
            settings = load_settings()
        else:
            from synthetic import Plan, write_data_dir

            write_data_dir(Plan.for_size(int(size)), work)  # the editions, not timed: they stand for the printed report
            settings = Settings(root=work)
        built = build(settings.data_dir, work / "dist", base_iri=settings.base_iri, ontology_dir=settings.ontology_dir,
                      out=path)
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
        size_mb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
        return {"seconds": seconds, "store_mb": size_mb, "peak_mb": _peak_mb(), "how": "ensure_store (bulk load + optimize)"}
    raise SystemExit(f"unknown step {name}")


def run_step(name: str, size: str, path: Path, work: Path) -> dict[str, Any]:
    print(f"  {name} {size} ...", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, __file__, "--step", name, "--size", size, "--path", str(path),
                           "--work", str(work)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"    {figures}", file=sys.stderr, flush=True)
    return figures


# --- one size -------------------------------------------------------------------------------------


def run_size(size: str, engines: list[str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every step and engine at one size; the record the report is written from."""
    from endpoint.store import in_memory_for, store_dir_for

    print(f"size {size}", file=sys.stderr, flush=True)
    r: dict[str, Any] = {"size": size, "loadavg": list(os.getloadavg()), "date": datetime.date.today().isoformat()}
    cube = workdir / f"cube-{size}.trig"
    r["build"] = run_step("build", size, cube, workdir / f"editions-{size}")
    if "error" in r["build"]:
        return r
    r["observations"] = r["build"]["observations"]
    r["validate"] = {} if args.quick else run_step("validate", size, cube, workdir)
    on_disk = [key for key in engines if key.startswith("mdo") and in_memory_for(cube) == (key == "mdo-other")]
    r["load"] = run_step("load", size, cube, workdir) if on_disk else {}
    queries = bench_queries(size)
    r["engines"], r["labels"] = {}, {}
    for key in engines:
        if key.startswith("mdo") and in_memory_for(cube) != (key == "mdo-other") and r["observations"] > args.memory_max:
            continue  # served from memory: one copy per web process; too large here
        if key == "rdflib" and r["observations"] > args.peer_max:
            continue
        try:
            server = server_for(key, cube, workdir, args.load_timeout)
        except RuntimeError as error:
            r["engines"][key] = {"name": key, "error": str(error)}
            continue
        served = serve_and_measure(server, queries, args, args.load_timeout)
        if key in on_disk:
            served.load = r["load"]
        elif key.startswith("mdo") or key == "rdflib":
            served.load = {"seconds": served.start_seconds, "how": "parsed into memory at start"}
        r["engines"][key], r["labels"][key] = served.to_json(), label(key, cube)
    r["plans"] = {}
    texts = dict(queries)
    for name, why in misses(r):
        if name in texts and name not in r["plans"]:
            print(f"  explain {name} ({why}) ...", file=sys.stderr, flush=True)
            r["plans"][name] = explain(oxigraph_folder(cube, workdir), texts[name], args.timeout)
    for store in (oxigraph_folder(cube, workdir), virtuoso_folder(cube, workdir), store_dir_for(cube)):
        shutil.rmtree(store, ignore_errors=True)  # gigabytes at 1M; every run loads afresh
    return r


def _size(text: str) -> str:
    if text != "real" and not text.isdigit():
        raise argparse.ArgumentTypeError(f"a size is `real` or a number of observations, not {text!r}")
    return text


def _engines(text: str) -> list[str]:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    wrong = [k for k in keys if k not in ENGINES]
    if wrong:
        raise argparse.ArgumentTypeError(f"unknown engine {', '.join(wrong)}: choose from {', '.join(ENGINES)}")
    return keys


def main(argv: list[str] | None = None) -> int:
    head, _, rest = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(description=head, epilog=rest, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_size, nargs="+", help="`real` and/or numbers of observations "
                        "(default: real 10000 100000 1000000; with --quick: 1000)")
    parser.add_argument("--engines", type=_engines, default=list(DEFAULT_ENGINES),
                        help=f"comma-separated, from {', '.join(ENGINES)} (default: {','.join(DEFAULT_ENGINES)})")
    parser.add_argument("--clients", type=lambda t: [int(c) for c in t.split(",")], default=[1, 4],
                        help="numbers of concurrent clients, comma-separated (default: 1,4)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1000 observations, no validation, "
                        "3 requests and 2 s per query; writes a temporary report unless --out is given")
    parser.add_argument("--out", type=Path, help="the report (default: docs/BENCHMARKS.md)")
    parser.add_argument("--requests", type=int, default=40, help="at most this many requests per query, engine and client count")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query, engine and client count")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    parser.add_argument("--load-timeout", type=float, default=3600.0, help="seconds to load a store and start a server")
    parser.add_argument("--memory-max", type=int, default=100_000, help="largest size `mdo serve` serves from memory")
    parser.add_argument("--peer-max", type=int, default=100_000, help="largest size rdflib-endpoint serves")
    parser.add_argument("--workdir", type=Path, help="keep the files and results.json here, to add up runs (default: a temp dir)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step(args.step, args.size, args.path, args.work)))
        return 0
    if args.quick:
        args.requests, args.budget = min(args.requests, 3), min(args.budget, 2.0)
    sizes = args.sizes or (["1000"] if args.quick else ["real", "10000", "100000", "1000000"])
    out = args.out or (Path(tempfile.gettempdir()) / "mdo-bench-quick.md" if args.quick else ROOT / "docs" / "BENCHMARKS.md")
    engines = []
    for key in args.engines:
        if missing(key):
            print(f"warning: {key} left out: {missing(key)}", file=sys.stderr)
        else:
            engines.append(key)
    command = ".venv/bin/python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    about = {"command": command.strip(), "commit": _commit(), "versions": versions(engines)}  # before the report changes the tree
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mdo-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    kept = workdir / "results.json"
    results: dict[str, Any] = json.loads(kept.read_text(encoding="utf-8")) if kept.is_file() else {}
    try:
        for size in sizes:
            results[size] = {**run_size(size, engines, args, workdir), **about, "clients": args.clients,
                             "requests": args.requests, "budget": args.budget, "timeout": args.timeout}
            kept.write_text(json.dumps(results, indent=1), encoding="utf-8")
            out.write_text(report(results) + kept_section(out), encoding="utf-8")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"-> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
