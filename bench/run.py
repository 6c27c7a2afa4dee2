"""The scale benchmark: build, validate, load and serve synthetic cubes of 10k, 100k and 1M observations.

    .venv/bin/python bench/run.py                                  # all sizes, writes docs/BENCHMARKS.md
    .venv/bin/python bench/run.py --sizes 10000 --out /tmp/b.md    # a quick run

For each size it measures, each step in its own process (so peak RSS is the step's own):
- build: the real converter (`converter.build.build`: registry, extract, cube, TriG dump) on
  synthetic editions (`bench/synthetic.py`, written before the clock starts);
- validate: `converter.validate.validate` on the cube (pySHACL over Oxigraph, all shapes);
- load: `endpoint.store.ensure_store`, the on-disk store every endpoint worker opens read-only;
- serve: `endpoint.server.serve` with 1 and 2 uvicorn workers over that one store, with the data
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
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

B = "https://data.monitordigitaleoverheid.nl"
PEER_VENV = BENCH / ".venv"
PEER_PACKAGE = "rdflib-endpoint[cli]==0.6.3"
JSON_RESULTS = "application/sparql-results+json"


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
        from converter.settings import Settings

        write_data_dir(plan, work)  # the editions, not timed: they stand for the printed report
        built = build(Settings(root=work), path)
        return {"seconds": built.seconds, "observations": built.observations, "quads": built.quads,
                "bytes": path.stat().st_size, "peak_mb": _peak_mb()}
    if name == "validate":
        from converter.validate import validate

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


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree(pid: int) -> list[int]:
    found, todo = [pid], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def resident_mb(pid: int) -> float:
    """Summed RSS in MB of a process and everything below it, from /proc/PID/statm.

    Cheap enough to sample every 0.1 s beside a measured step: reading smaps_rollup (for PSS,
    `memory`) walks the page tables of each process under its memory lock, and sampled that
    often it slowed the validation it measured by about a tenth.
    """
    pages = 0
    for p in tree(pid):
        try:
            pages += int(Path(f"/proc/{p}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(pid: int) -> tuple[float, float]:
    """(summed RSS, summed PSS) in MB of a process and everything below it."""
    rss = pss = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


@dataclass
class Server:
    name: str
    command: list[str]
    path: str = "/sparql"
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    started_seconds: float = 0.0
    peak: list[float] = field(default_factory=lambda: [0.0, 0.0])
    _sampling: bool = False

    def start(self, timeout: float) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}{self.path}"
        command = [part.replace("{port}", str(port)) for part in self.command]
        begin = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()
        import httpx

        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                if httpx.get(self.url, params={"query": "ASK {}"}, headers={"Accept": JSON_RESULTS}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - begin > timeout:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer within {timeout:g} s")
            time.sleep(0.25)
        self.started_seconds = time.perf_counter() - begin

    def _sample(self) -> None:
        while self._sampling and self.process is not None and self.process.poll() is None:
            rss, pss = memory(self.process.pid)
            self.peak = [max(self.peak[0], rss), max(self.peak[1], pss)]
            time.sleep(0.25)

    def stop(self) -> None:
        self._sampling = False
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


SERVERS = {"mdo1": "mdo serve --workers 1", "mdo2": "mdo serve --workers 2", "mem1": "mdo serve --store memory",
           "peer": "rdflib-endpoint"}


def mdo_server(path: Path, workers: int, in_memory: bool = False) -> Server:
    code = (f"from endpoint.server import serve; serve({str(path)!r}, port={{port}}, workers={workers}, "
            f"query_timeout=60, in_memory={in_memory})")
    return Server(f"mdo ({workers} worker{'s' if workers > 1 else ''}{', memory' if in_memory else ''})",
                  [sys.executable, "-c", code])


def peer_server(path: Path) -> Server:
    return Server("rdflib-endpoint", [str(PEER_VENV / "bin" / "rdflib-endpoint"), "serve", str(path),
                                      "--host", "127.0.0.1", "--port", "{port}"], path="/")


def ensure_peer_venv() -> str:
    """bench/.venv with rdflib-endpoint (the benchmark's own venv, not the project's)."""
    if not (PEER_VENV / "bin" / "rdflib-endpoint").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_PACKAGE], check=True)
    done = subprocess.run([str(PEER_VENV / "bin" / "python"), "-c",
                           "import importlib.metadata as m; print(m.version('rdflib-endpoint'), m.version('rdflib'))"],
                          capture_output=True, text=True, check=True)
    endpoint_version, rdflib_version = done.stdout.split()
    return f"rdflib-endpoint {endpoint_version} (rdflib {rdflib_version}, in-memory store)"


# --- queries and clients ----------------------------------------------------------------------------


PAGE_HOME = "page: home"


def bench_queries(n: int) -> list[tuple[str, str]]:
    from synthetic import Plan

    from endpoint.examples import load_examples
    from converter.settings import load_settings

    plan = Plan.for_size(n)
    indicator = next(i for i in plan.indicators if i.style == "plain")
    queries = [
        ("series: one indicator", f"""PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?jaar ?waarde ?editie WHERE {{
  ?obs mdo:indicator <{B}/id/indicator/{indicator.id}> ; mdo:jaar ?j ; mdo:editie ?editie ;
       mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:actueel true ; mdo:waarde ?waarde .
  BIND(xsd:integer(STRAFTER(STR(?j), "/jaar/")) AS ?jaar)
}} ORDER BY ?jaar"""),
        ("GROUP BY: one year", f"""PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
SELECT ?voorziening (COUNT(?obs) AS ?cijfers) (SUM(?waarde) AS ?som) WHERE {{
  ?obs mdo:jaar <{B}/id/jaar/2021> ; mdo:actueel true ; mdo:voorziening ?voorziening ; mdo:waarde ?waarde .
}} GROUP BY ?voorziening ORDER BY ?voorziening"""),
    ]
    pages = [(PAGE_HOME, "/"), ("page: a voorziening", f"/id/voorziening/{indicator.voorziening}")]
    return pages + queries + [(example.name, example.text) for example in load_examples(load_settings().queries_dir)]


@dataclass
class Timing:
    latencies: list[float]
    wall: float
    rows: int | None
    error: str = ""

    def cell(self) -> str:
        if not self.latencies:
            return self.error or "-"
        lat = sorted(self.latencies)
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
        return f"{_ms(statistics.median(lat))} / {_ms(p95)}"

    @property
    def median(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"


def measure(url: str, query: str, clients: int, requests: int, budget: float, timeout: float) -> Timing:
    """Warm up once, then `clients` threads share at most `requests` requests for `budget` seconds."""
    import httpx

    headers = {"Accept": JSON_RESULTS}
    params: dict[str, str] | None = {"query": query}
    if query.startswith("/"):  # a page of the endpoint: its HTML, no rows
        url, params, headers = url.rsplit("/", 1)[0] + query, None, {"Accept": "text/html"}
    try:
        first = time.perf_counter()
        response = httpx.get(url, params=params, headers=headers, timeout=timeout)
        warm = time.perf_counter() - first
        if response.status_code != 200:
            return Timing([], 0, None, f"HTTP {response.status_code}")
        rows = len(response.json()["results"]["bindings"]) if params else None
    except httpx.TimeoutException:
        return Timing([], 0, None, f"timeout > {timeout:g} s")
    if warm > budget / 2:  # too slow to repeat within the budget: report the one request
        return Timing([warm], warm, rows)
    latencies: list[float] = []
    lock = threading.Lock()
    left = [requests]
    deadline = time.perf_counter() + budget
    errors: list[str] = []

    def client() -> None:
        with httpx.Client(timeout=timeout, headers=headers) as http:
            while time.perf_counter() < deadline:
                with lock:
                    if left[0] == 0:
                        return
                    left[0] -= 1
                begin = time.perf_counter()
                try:
                    r = http.get(url, params=params)
                except httpx.HTTPError as error:
                    errors.append(repr(error))
                    return
                if r.status_code != 200:
                    errors.append(f"HTTP {r.status_code}")
                    continue
                with lock:
                    latencies.append(time.perf_counter() - begin)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Timing(latencies, time.perf_counter() - start, rows, errors[0] if errors and not latencies else "")


def serve_and_measure(server: Server, queries: list[tuple[str, str]], args: argparse.Namespace,
                      start_timeout: float) -> dict[str, Any]:
    print(f"  serve {server.name} ...", file=sys.stderr, flush=True)
    try:
        server.start(start_timeout)
    except RuntimeError as error:
        return {"error": str(error)}
    timings: dict[str, Timing] = {}
    try:
        for name, query in queries:
            if query.startswith("/") and server.path != "/sparql":
                continue  # a page of mdo serve; the peer has none
            timing = measure(server.url, query, args.clients, args.requests, args.budget, args.timeout)
            timings[name] = timing
            print(f"    {name}: {timing.cell()} rows={timing.rows} n={len(timing.latencies)}", file=sys.stderr, flush=True)
            if timing.error.startswith("timeout"):  # the server may still be busy with it: start afresh
                server.stop()
                server.start(start_timeout)
    finally:
        server.stop()
    done = [t for t in timings.values() if t.latencies]
    return {"timings": timings, "start_seconds": server.started_seconds, "peak_rss_mb": server.peak[0],
            "peak_pss_mb": server.peak[1],
            "throughput": sum(len(t.latencies) for t in done) / sum(t.wall for t in done) if done else 0.0}


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
                  "| query | rows | on disk, 1 worker | on disk, 2 workers | in memory | rdflib-endpoint "
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
            r["mdo1"] = serve_and_measure(mdo_server(cube, 1), queries, args, start_timeout)
            r["mdo2"] = serve_and_measure(mdo_server(cube, 2), queries, args, start_timeout)
            if n <= args.memory_max:
                r["mem1"] = serve_and_measure(mdo_server(cube, 1, in_memory=True), queries, args, start_timeout)
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
