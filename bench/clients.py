"""The queries the benchmark sends and the concurrent clients that time them."""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from paths import B, JSON_RESULTS, tls
from servers import Server
from virtuoso import comparable

PAGE_HOME = "page: home"
GROUP_BY = "GROUP BY: one year"
SERIES = "series: one indicator"
ROW_CAP = 10000  # `mdo serve` and the bench's Virtuoso both cut a result here (endpoint/app.py, bench/virtuoso.py)


def group_by_year(year: int = 2021) -> str:
    """The bench's aggregate over every current figure of one year, per voorziening.

    Why this shape: the year and `mdo:actueel` are each chosen in a sub-select, so Oxigraph
    hash-joins the two sets instead of looking up `mdo:actueel` for every figure of the year
    (150,000 index lookups at 1M, each a RocksDB seek on disk: 2-3x slower on the on-disk store
    at 100k). In memory the plain pattern is as fast or faster; the on-disk store is the default
    at the sizes where it matters. Same rows as the plain pattern
    `?obs mdo:jaar <year> ; mdo:actueel true ; mdo:voorziening ?v ; mdo:waarde ?w`.
    """
    return f"""PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
SELECT ?voorziening (COUNT(?obs) AS ?cijfers) (SUM(?waarde) AS ?som) WHERE {{
  {{ SELECT ?obs WHERE {{ ?obs mdo:jaar <{B}/id/jaar/{year}> }} }}
  {{ SELECT ?obs WHERE {{ ?obs mdo:actueel true }} }}
  ?obs mdo:voorziening ?voorziening ; mdo:waarde ?waarde .
}} GROUP BY ?voorziening ORDER BY ?voorziening"""


def bench_queries(size: int | str) -> list[tuple[str, str]]:
    """The pages, the bench's two queries and every example query, for a synthetic size or "real"."""
    from endpoint.examples import load_examples
    from mdo.settings import load_settings

    if size == "real":
        indicator, voorziening = "digid-actieve-digids", "digid"
    else:
        from synthetic import Plan

        plain = next(i for i in Plan.for_size(int(size)).indicators if i.style == "plain")
        indicator, voorziening = plain.id, plain.voorziening
    queries = [
        (SERIES, f"""PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?jaar ?waarde ?editie WHERE {{
  ?obs mdo:indicator <{B}/id/indicator/{indicator}> ; mdo:jaar ?j ; mdo:editie ?editie ;
       mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:actueel true ; mdo:waarde ?waarde .
  BIND(xsd:integer(STRAFTER(STR(?j), "/jaar/")) AS ?jaar)
}} ORDER BY ?jaar"""),
        (GROUP_BY, group_by_year()),
    ]
    pages = [(PAGE_HOME, "/"), ("page: a voorziening", f"/id/voorziening/{voorziening}")]
    return pages + queries + [(example.name, example.text) for example in load_examples(load_settings().queries_dir)]


@dataclass
class Timing:
    latencies: list[float]
    wall: float
    rows: int | None
    error: str = ""
    digest: str = ""  # of the rows, sorted and compared by value: the same answer on every engine?

    def cell(self) -> str:
        if not self.latencies:
            return self.error or "-"
        lat = sorted(self.latencies)
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
        return f"{_ms(statistics.median(lat))} / {_ms(p95)}"

    @property
    def median(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"


def digest(result: dict[str, Any]) -> str:
    """A fingerprint of a SPARQL JSON result's rows as a multiset, values compared as
    `comparable` compares them (numbers by value: Virtuoso writes `22.0` for `22`)."""
    names = result["head"]["vars"]
    rows = sorted(repr(tuple(comparable(b[n]["value"]) if n in b else None for n in names))
                  for b in result["results"]["bindings"])
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12]


def measure(url: str, query: str, clients: int, requests: int, budget: float, timeout: float) -> Timing:
    """Warm up once, then `clients` threads share at most `requests` requests for `budget` seconds."""
    import httpx

    headers = {"Accept": JSON_RESULTS}
    params: dict[str, str] | None = {"query": query}
    if query.startswith("/"):  # a page of the endpoint: its HTML, no rows
        url, params, headers = url.rsplit("/", 1)[0] + query, None, {"Accept": "text/html"}
    try:
        first = time.perf_counter()
        response = httpx.get(url, params=params, headers=headers, timeout=timeout, verify=tls())
        warm = time.perf_counter() - first
        if response.status_code != 200:
            return Timing([], 0, None, f"HTTP {response.status_code}")
        if "X-SQL-State" in response.headers:  # Virtuoso's "anytime" answer: what it had at its time limit
            return Timing([], 0, None, f"partial ({response.headers['X-SQL-State']})")
        rows, fingerprint = None, ""
        if params:
            result = response.json()
            rows, fingerprint = len(result["results"]["bindings"]), digest(result)
    except httpx.TimeoutException:
        return Timing([], 0, None, f"timeout > {timeout:g} s")
    if warm > budget / 2:  # too slow to repeat within the budget: report the one request
        return Timing([warm], warm, rows, digest=fingerprint)
    latencies: list[float] = []
    lock = threading.Lock()
    left = [requests]
    deadline = time.perf_counter() + budget
    errors: list[str] = []

    def client() -> None:
        with httpx.Client(timeout=timeout, headers=headers, verify=tls()) as http:
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
    return Timing(latencies, time.perf_counter() - start, rows, errors[0] if errors and not latencies else "",
                  fingerprint)


@dataclass
class Served:
    """One engine at one size: its timings per query and client count, its load and its memory."""

    name: str
    timings: dict[str, dict[int, Timing]] = field(default_factory=dict)
    start_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    load: dict[str, Any] = field(default_factory=dict)  # seconds, store_mb, peak_mb, what was timed
    error: str = ""

    def timing(self, query: str, clients: int) -> Timing | None:
        return self.timings.get(query, {}).get(clients)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["timings"] = {q: {str(c): t.to_json() for c, t in by.items()} for q, by in self.timings.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Served:
        rest = {k: v for k, v in data.items() if k != "timings"}
        timings = {q: {int(c): Timing(**t) for c, t in by.items()} for q, by in data.get("timings", {}).items()}
        return cls(timings=timings, **rest)


def serve_and_measure(server: Server, queries: list[tuple[str, str]], args: argparse.Namespace,
                      start_timeout: float) -> Served:
    """Start the server, send every query with each number of clients of `args.clients`, stop it."""
    print(f"  serve {server.name} ...", file=sys.stderr, flush=True)
    served = Served(server.name)
    try:
        server.start(start_timeout)
    except RuntimeError as error:
        served.error = str(error)
        return served
    served.load, served.start_seconds = server.load, server.started_seconds
    try:
        for name, query in queries:
            if query.startswith("/") and not server.pages:
                continue  # a page of mdo serve; the peers have none
            for clients in args.clients:
                timing = measure(server.url, query, clients, args.requests, args.budget, args.timeout)
                served.timings.setdefault(name, {})[clients] = timing
                print(f"    {name} x{clients}: {timing.cell()} rows={timing.rows} n={len(timing.latencies)}",
                      file=sys.stderr, flush=True)
                if timing.error.startswith("timeout"):  # the server may still be busy with it: start afresh
                    server.stop()
                    server.start(start_timeout)
                    break  # more clients would time out as well
    finally:
        server.stop()
    served.peak_rss_mb, served.peak_pss_mb = server.peak
    return served
