"""The queries the benchmark sends and the concurrent clients that time them."""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from paths import B, JSON_RESULTS


from servers import Server

# --- queries and clients ----------------------------------------------------------------------------


PAGE_HOME = "page: home"


def bench_queries(n: int) -> list[tuple[str, str]]:
    from synthetic import Plan

    from endpoint.examples import load_examples
    from mdo.settings import load_settings

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

