"""Cheap-query latency while runaway queries run, and the endpoint's memory against its ceiling.

    .venv/bin/python bench/runaways.py            # prints the section
    .venv/bin/python bench/runaways.py --write    # and puts it into docs/BENCHMARKS.md

The real bundled editions are built by the converter into a temporary folder and served as
`mdo serve` serves them (a subprocess calling `endpoint.server.serve`, default limits), from the
on-disk store and from memory. For 0, 1, 2 and 4 runaway clients (each sends a query that
never ends, and sends it again when it is stopped), one client sends `ASK {}` on a kept-alive
connection, `--requests` times, 50 ms apart, after the runaways have had 2 s to settle; a fresh
server for each count. Then, with 4 runaways running, a string-doubling and an ORDER BY query
blow up to the memory cap, while the PSS of the whole server (every process, shared pages
counted once) is sampled against the ceiling `web process + workers x (start size + cap)`.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import _commit  # noqa: E402
from paths import B, put_section  # noqa: E402
from servers import Server, memory, tree  # noqa: E402

JSON = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
BLOW_UPS = {
    "string doubling": "SELECT ?v26 WHERE { BIND(\"0123456789abcdef\" AS ?v0) "
                       + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(26)) + " }",
    "ORDER BY": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i",
}
MEMORY_CAP_MB = 1024  # create_app's default query_memory_mb
START, END = "<!-- runaways:start -->", "<!-- runaways:end -->"


def build_real(folder: Path) -> Path:
    """The bundled editions as `mdo build` writes them."""
    from converter.rdf.cube import build_cube
    from converter.rdf.dumps import write_all
    from converter.extraction.extract import extract
    from converter.registry import Registry
    from mdo.settings import load_settings
    from converter.rdf.vocab import PREFIXES

    settings = load_settings()
    registry = Registry(settings.data_dir)
    cube = build_cube(registry, extract(registry), settings.base_iri, settings.ontology_dir)
    write_all(cube, folder, {k: str(v) for k, v in PREFIXES.items()})
    return folder / "mdo.trig"


def server(data: Path, in_memory: bool) -> Server:
    code = (f"from pathlib import Path; from endpoint.server import serve; serve(Path({str(data)!r}), base_iri={B!r}, "
            f"queries_dir=Path({str(ROOT / 'queries')!r}), port={{port}}, in_memory={in_memory})")
    return Server("memory" if in_memory else "disk", [sys.executable, "-c", code])


def runaway_client(url: str, stop: threading.Event) -> None:
    with httpx.Client(timeout=120) as client:
        while not stop.is_set():
            try:
                client.post(url, data={"query": RUNAWAY}, headers={"Accept": JSON})
            except httpx.HTTPError:
                time.sleep(0.1)


def cheap_latencies(url: str, requests: int) -> tuple[list[float], int]:
    """Milliseconds per answered `ASK {}`, and how many were not answered with 200."""
    latencies, failed = [], 0
    with httpx.Client(timeout=60) as client:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON})
            if response.status_code == 200:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
            time.sleep(0.05)
    return latencies, failed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def memory_single(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^Pss:\s+(\d+)", text, re.M)
    return int(found.group(1)) / 1024 if found else 0.0


def measure(data: Path, in_memory: bool, runaways: int, requests: int) -> dict[str, float]:
    one = server(data, in_memory)
    one.start(300)
    stop = threading.Event()
    clients = [threading.Thread(target=runaway_client, args=(one.url, stop), daemon=True) for _ in range(runaways)]
    try:
        for client in clients:
            client.start()
        time.sleep(2.0 if runaways else 0.5)
        latencies, failed = cheap_latencies(one.url, requests)
    finally:
        stop.set()
        one.stop()
    return {"p50": statistics.median(latencies) if latencies else 0.0, "p95": p95(latencies),
            "max": max(latencies, default=0.0), "failed": failed, "n": len(latencies)}


def blow_up(data: Path, in_memory: bool) -> dict[str, object]:
    """Peak PSS of the whole server while three blow-ups at once grow to the cap (two ORDER BY, one string)."""
    one = server(data, in_memory)
    one.start(300)
    assert one.process is not None
    processes = tree(one.process.pid)
    at_rest = sum(memory_single(p) for p in processes)
    workers = len(processes) - 1  # every process below the web server is a query worker
    stop = threading.Event()
    peak = [at_rest]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], memory(one.process.pid)[1])  # type: ignore[union-attr]
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    answers: dict[str, tuple[int, str, float]] = {}

    def send(name: str, query: str) -> None:
        started = time.perf_counter()
        response = httpx.post(one.url, data={"query": query}, headers={"Accept": JSON}, timeout=120)
        answers[name] = (response.status_code, response.text.strip()[:100], time.perf_counter() - started)

    senders = [threading.Thread(target=send, args=(name, query)) for name, query in
               (("ORDER BY 1", BLOW_UPS["ORDER BY"]), ("ORDER BY 2", BLOW_UPS["ORDER BY"] + " # 2"),
                ("string doubling", BLOW_UPS["string doubling"]))]
    try:
        sampler.start()
        for sender in senders:
            sender.start()
            time.sleep(0.1)
        for sender in senders:
            sender.join()
    finally:
        stop.set()
        one.stop()
    ceiling = at_rest + workers * MEMORY_CAP_MB
    return {"at_rest": at_rest, "workers": workers, "peak": peak[0], "ceiling": ceiling, "answers": answers}


def parse_costs() -> dict[str, float]:
    """Milliseconds (median of 5) the query check takes, uncached, per example query and for `ASK {}`."""
    from endpoint.safety import analyse

    texts = {"ASK {}": "ASK {}"} | {path.stem: path.read_text(encoding="utf-8")
                                    for path in sorted((ROOT / "queries").glob("*.rq"))}
    analyse.__wrapped__("ASK {}")  # rdflib's first parse builds its grammar
    costs = {}
    for name, text in texts.items():
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            analyse.__wrapped__(text)
            runs.append((time.perf_counter() - started) * 1000)
        costs[name] = statistics.median(runs)
    return costs


def section(rows: dict[tuple[str, int], dict[str, float]], blow_ups: dict[str, dict[str, object]], requests: int,
            commit: str, costs: dict[str, float]) -> str:
    lines = [START, "## Cheap queries while runaways run", "",
             f"Made by `.venv/bin/python bench/runaways.py --write` on commit {commit}, on the real bundled "
             f"editions, default limits (2 workers for long queries, 1 short lane with a 0.25 s budget, a spare, "
             f"30 s timeout, {MEMORY_CAP_MB} MB a query). `ASK {{}}` {requests} times, 50 ms apart, on one kept-alive "
             "connection, while N clients each keep a never-ending query running; latency in ms. Target: p95 < 100 ms "
             "with 4 runaways.", "",
             "| store | runaways | p50 | p95 | max | not 200 |", "|---|---:|---:|---:|---:|---:|"]
    for (store, count), figures in rows.items():
        lines.append(f"| {store} | {count} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['max']:.1f} | "
                     f"{figures['failed']:.0f} |")
    worst = max((f["p95"] for (_, count), f in rows.items() if count == max(c for _, c in rows)), default=0.0)
    lines += ["", f"With {max(c for _, c in rows)} runaways the worst p95 is {worst:.1f} ms: the target is "
              f"{'met' if worst < 100 else '**not met**'}."]
    lines += ["", "Memory: the whole server's PSS (every process, shared pages once), sampled every 20 ms while "
              "three queries sent at once grow without bound (two ORDER BY over a three-way cross product, "
              "one string doubled 26 times). Ceiling: the server at rest plus "
              f"{MEMORY_CAP_MB} MB for each query worker (the spare included).", "",
              "| store | at rest | workers | ceiling | peak | answers |", "|---|---:|---:|---:|---:|---|"]
    for store, figures in blow_ups.items():
        answers = "; ".join(f"{name}: {status} in {seconds:.1f} s" for name, (status, _, seconds)
                            in figures["answers"].items())  # type: ignore[union-attr]
        lines.append(f"| {store} | {figures['at_rest']:,.0f} MB | {figures['workers']} | {figures['ceiling']:,.0f} MB | "
                     f"{figures['peak']:,.0f} MB | {answers} |")
    under = all(f["peak"] < f["ceiling"] for f in blow_ups.values())  # type: ignore[operator]
    lines += ["", f"The peak stays {'under' if under else '**over**'} the ceiling. Two workers of the long lane reach "
              "their cap together; the third query is stopped in the short lane after its budget and waits for the "
              "long lane, so the short lane and the spare stay near their size at rest."]
    lines += ["", "The price of the check before the store (`endpoint/safety.py`: token limits and a parse with "
              "rdflib's SPARQL grammar, in the query worker), per query text the first time a worker sees it "
              "(it keeps the analysis of the last 256 texts); ms, median of 5, measured after the servers stopped:", "",
              "| query | check |", "|---|---:|"]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in costs.items()]
    lines.append(END)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--runaways", type=int, nargs="+", default=[0, 1, 2, 4])
    parser.add_argument("--write", action="store_true", help="replace the section in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    commit = _commit()
    with tempfile.TemporaryDirectory(prefix="mdo-runaways-") as tmp:
        data = build_real(Path(tmp))
        rows: dict[tuple[str, int], dict[str, float]] = {}
        blow_ups: dict[str, dict[str, object]] = {}
        for in_memory in (False, True):
            store = "memory" if in_memory else "disk"
            for count in args.runaways:
                rows[(store, count)] = measure(data, in_memory, count, args.requests)
                print(store, count, rows[(store, count)], file=sys.stderr, flush=True)
            blow_ups[store] = blow_up(data, in_memory)
            print(store, blow_ups[store], file=sys.stderr, flush=True)
    put_section(START, END, section(rows, blow_ups, args.requests, commit, parse_costs()), args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
