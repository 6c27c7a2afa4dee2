"""The endpoint as an attacker meets it, live on loopback: a bounded corpus, each case a few seconds at most.

No way out (SERVICE in every disguise, and the workers' own seal), bounded cost (a memory cap
and a byte cap that end in a clear answer), fair scheduling (a cheap query answered while
runaways run), the dataset of SPARQL 1.1, client errors that stay 4xx, and connection hygiene.
Hostile labels in a browser are in test_endpoint_browser.py.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import httpx
import pyoxigraph as ox
import pytest

from endpoint import pool as pool_module
from endpoint import worker as worker_module
from endpoint.results import Failure, QueryJob
from endpoint.safety import Analysis
from endpoint_fixtures.listener import Listener
from endpoint_fixtures.live import FIXTURE_TRIG, TLS, LiveServer, serve, write_dumps

B = "https://data.monitordigitaleoverheid.nl"
JSON = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MEMORY_MB = 200
RUNAWAY_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The fixture data with small caps: 200 MB a query, 100 kB of result, 1 s idle connections.

    Its query timeout is long, so that a memory blow-up meets its cap, not the timeout, even on a
    busy machine (the general lane's workers run at a lower priority); the timeout's own test has
    `runaways`.
    """
    data = write_dumps(FIXTURE_TRIG, tmp_path_factory.mktemp("attacks"))
    yield from serve(data, query_timeout=30.0, max_result_bytes=100_000, query_memory_mb=MEMORY_MB, keep_alive=1.0)


@pytest.fixture(scope="module")
def runaways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The fixture data with a short query timeout: each runaway keeps a core busy until it ends,
    twice as long for one that waited for a worker, so the shorter the better."""
    data = write_dumps(FIXTURE_TRIG, tmp_path_factory.mktemp("runaways"))
    yield from serve(data, query_timeout=RUNAWAY_TIMEOUT, in_memory=True)


def ask(server: LiveServer, query: str, **params: str) -> httpx.Response:
    return httpx.post(server.url + "/sparql", data={"query": query, **params}, headers={"Accept": JSON}, timeout=30,
                      verify=TLS)


def number(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def listener() -> Iterator[Listener]:
    one = Listener()
    yield one
    one.close()


# -- no way out ------------------------------------------------------------------------------
SERVICE_VARIANTS = {
    "comment-cr": "SELECT ?x WHERE {{ # c\rSERVICE <{url}> {{ ?x ?p ?o }} }}",
    "comment-lf": "SELECT ?x WHERE {{ # c\nSERVICE <{url}> {{ ?x ?p ?o }} }}",
    "comment-end-of-text": "SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }} # SERVICE",
    "codepoint-escape": "SELECT ?x WHERE {{ \\u0053ERVICE <{url}> {{ ?x ?p ?o }} }}",
    "escaped-name": "PREFIX ex: <http://e/> SELECT ?x WHERE {{ ex:a\\' ex:b ex:c . SERVICE <{url}> {{ ?x ?p ?o }} }}",
    "optional": "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}",
    "minus": "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}",
    "exists": "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}",
    "not-exists": "ASK {{ FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}",
    "subquery": "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }} }}",
    "variable-endpoint": "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "lower-case": "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("template", SERVICE_VARIANTS.values(), ids=SERVICE_VARIANTS.keys())
def test_service_is_refused_and_nothing_connects(server: LiveServer, listener: Listener, template: str) -> None:
    query = template.format(url=f"http://127.0.0.1:{listener.port}/sparql")
    for response in (ask(server, query), httpx.get(server.url + "/query", params={"query": query}, verify=TLS)):
        assert response.status_code == 400
        assert "SERVICE (federated query) is not allowed" in response.text
    listener.close()
    assert listener.connections == 0


def test_a_worker_cannot_connect_even_past_the_parse(listener: Listener, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the parse check switched off, a SERVICE query still reaches nothing: the worker is sealed.

    The same query run in this (unsealed) process does connect, so the listener would see it.
    """
    store = ox.Store()
    store.load(FIXTURE_TRIG.read_bytes(), format=ox.RdfFormat.TRIG)
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    monkeypatch.setattr(worker_module, "analyse", lambda query: Analysis(has_dataset=False))
    pool = pool_module.QueryPool(store, 1, 5.0, short_size=0)  # forked workers inherit the patched check
    pool.start()
    try:
        outcome = pool_module.asyncio.run(pool.run(QueryJob(query)))
        pids = pool.pids()
        assert all("Seccomp:\t2" in Path(f"/proc/{pid}/status").read_text() for pid in pids)
    finally:
        pool.close()
    assert isinstance(outcome, Failure) and "Operation not permitted" in outcome.message, outcome
    assert listener.connections == 0
    with pytest.raises(OSError):
        list(ox.Store().query(query))  # unsealed: it connects (the listener answers no HTTP)
    listener.close()
    assert listener.connections >= 1


def test_a_worker_that_cannot_be_sealed_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise worker_module.SandboxError("seccomp: Function not implemented")

    monkeypatch.setattr(worker_module, "seal_network", refuse)
    pool = pool_module.QueryPool(ox.Store(), 1, 5.0, short_size=0)
    try:
        with pytest.raises(RuntimeError, match="a query worker could not start: seccomp: Function not implemented"):
            pool.start()
    finally:
        pool.close()


def test_every_query_worker_of_the_server_is_sealed(server: LiveServer) -> None:
    pids = server.server.config.app.state.served.pool.pids()  # type: ignore[attr-defined]
    assert len(pids) == 2 + 1 + 1  # two for long queries, one short lane, one spare
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        assert "Seccomp:\t2" in status and "NoNewPrivs:\t1" in status


# -- bounded cost ----------------------------------------------------------------------------
def doubling(times: int) -> str:
    """A short query whose one answer is a string of 16 * 2**times characters."""
    binds = ['BIND("0123456789abcdef" AS ?v0)']
    binds += [f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(times)]
    return f"SELECT ?v{times} WHERE {{ {' '.join(binds)} }}"


def peak_rss(pids: list[int], stop: threading.Event, peaks: dict[int, int]) -> None:
    while not stop.is_set():
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]) * 1024)
            except OSError:
                pass
        time.sleep(0.01)


@pytest.mark.parametrize("query", [
    doubling(25),  # 16 * 2**25 bytes = 512 MB in one string
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i",  # 896**3 rows to sort
], ids=["string-doubling", "order-by"])
def test_a_memory_blow_up_ends_in_a_clear_error_under_the_cap(server: LiveServer, query: str) -> None:
    pool = server.server.config.app.state.served.pool  # type: ignore[attr-defined]
    before = pool.pids()
    starts = {pid: int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) * 1024
              for pid in before}
    stop, peaks = threading.Event(), {}
    watcher = threading.Thread(target=peak_rss, args=(before, stop, peaks))
    watcher.start()
    try:
        response = ask(server, query)
    finally:
        stop.set()
        watcher.join()
    assert response.status_code == 503, response.text
    assert response.text.startswith(f"Query stopped: it needed more than the {MEMORY_MB} MB of memory a query may use")
    assert response.headers["connection"] == "close"
    for pid, peak in peaks.items():
        assert peak < starts[pid] + (MEMORY_MB + 20) * 2**20, (pid, peak, starts[pid])
    assert len(set(before) - set(pool.pids())) == 1  # the worker that hit its cap was replaced (by the spare)
    assert len(pool.pids()) == len(before)
    assert ask(server, "ASK {}").json()["boolean"] is True


def test_result_bytes_are_capped_and_the_cut_announced(server: LiveServer) -> None:
    big = ask(server, doubling(13))  # one value of 131,072 characters: over the 100 kB cap
    assert big.status_code == 200
    assert big.json()["results"]["bindings"] == []
    assert big.headers["MDO-Result-Truncated"] == "true"
    assert big.headers["MDO-Result-Cut"] == "bytes"
    assert big.headers["MDO-Result-Byte-Limit"] == "100000"
    assert "result cut at 100000 bytes" in big.headers["Warning"]
    page = httpx.get(server.url + "/query", params={"query": doubling(13)})
    assert "afgekapt op 100.000 bytes" in page.text
    small = ask(server, doubling(12))  # 65,536 characters: under the cap
    assert len(small.json()["results"]["bindings"][0]["v12"]["value"]) == 65536
    assert "MDO-Result-Truncated" not in small.headers


# -- fair scheduling -------------------------------------------------------------------------
def test_a_cheap_query_is_answered_while_four_runaways_run(runaways: LiveServer) -> None:
    with ThreadPoolExecutor(4) as executor:
        started = [executor.submit(ask, runaways, RUNAWAY) for _ in range(4)]
        time.sleep(1.0)
        answers = [ask(runaways, "ASK {}") for _ in range(3)]
        in_flight = sum(not r.done() for r in started)
        stopped = [r.result(timeout=60) for r in started]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.json()["boolean"] is True for a in answers)
    assert in_flight == 4
    assert {r.status_code for r in stopped} == {503}
    ended = (f"Query timeout: the query ran longer than {RUNAWAY_TIMEOUT:g} s", "Busy: ")  # run to the timeout, or waited that long
    assert all(r.text.startswith(ended) for r in stopped), [r.text for r in stopped]


# -- the dataset -----------------------------------------------------------------------------
def triples_in(*graphs: str) -> int:
    """The distinct triples of `graphs` merged, counted from the fixture file itself."""
    names = {f"{B}/graph/{g}" for g in graphs}
    quads = ox.parse(path=str(FIXTURE_TRIG), format=ox.RdfFormat.TRIG)
    return len({q.triple for q in quads if not names or q.graph_name.value in names})


COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ {pattern} }}"


@pytest.mark.parametrize("dataset,pattern,params,graphs", [
    ("", "?s ?p ?o", {}, ()),  # no dataset: the union of all graphs
    (f"FROM <{B}/graph/editie/2024>", "?s ?p ?o", {}, ("editie/2024",)),
    (f"FROM <{B}/graph/editie/2020>", "?s ?p ?o", {}, ("editie/2020",)),
    (f"FROM <{B}/graph/editie/2020> FROM <{B}/graph/editie/2024>", "?s ?p ?o", {}, ("editie/2020", "editie/2024")),
    (f"FROM NAMED <{B}/graph/editie/2024>", "GRAPH ?g { ?s ?p ?o }", {}, ("editie/2024",)),
    (f"FROM NAMED <{B}/graph/editie/2024>", "?s ?p ?o", {}, None),  # the default graph is empty
    (f"FROM <{B}/graph/editie/2024>", "?s ?p ?o", {"default-graph-uri": f"{B}/graph/editie/2020"}, ("editie/2020",)),
    (f"FROM NAMED <{B}/graph/editie/2024>", "GRAPH ?g { ?s ?p ?o }", {"named-graph-uri": f"{B}/graph/editie/2020"},
     ("editie/2020",)),
    ("", "?s ?p ?o", {"default-graph-uri": f"{B}/graph/codes"}, ("codes",)),
], ids=["union", "from-2024", "from-2020", "from-both", "from-named", "from-named-default-empty",
        "protocol-default-wins", "protocol-named-wins", "protocol-default"])
def test_the_dataset_of_the_query_and_the_protocol(server: LiveServer, dataset: str, pattern: str,
                                                   params: dict[str, str], graphs: tuple[str, ...] | None) -> None:
    expected = 0 if graphs is None else triples_in(*graphs)
    assert number(ask(server, COUNT.format(dataset=dataset, pattern=pattern), **params)) == expected


def test_the_edition_graphs_differ_from_the_union() -> None:
    assert triples_in("editie/2024") != triples_in() != triples_in("editie/2020") > 0


# -- client errors stay 4xx ------------------------------------------------------------------
@pytest.mark.parametrize("path,params,status", [
    ("/graph/a%20b", {}, 400),
    ("/graph/a%FFb", {}, 400),
    ("/id/voorziening/%FF", {}, 400),
    ("/id/a%20b?format=ttl", {}, 400),
    ("/id/%3Cscript%3E", {}, 400),
    ("/id/voorziening/bestaat-niet", {}, 404),
    ("/sparql", {"query": "ASK {}", "default-graph-uri": "not an iri"}, 400),
    ("/sparql", {"query": "ASK {}", "named-graph-uri": "relative/path"}, 400),
    ("/sparql", {"query": "ASK {}", "default-graph-uri": ""}, 400),
    ("/sparql", {"query": "SELECT * WHERE " + "{" * 3000 + "}" * 3000}, 400),
    ("/sparql", {"query": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 10000) + " }"}, 400),
    ("/sparql", {"query": "SELECT * WHERE { FILTER(" + "+".join(["1"] * 100000) + ") }"}, 400),
    ("/sparql", {"query": "SELECT * { ?s ?p ?o } LIMIT -1"}, 400),
    ("/sparql", {"query": "SELECT ?x { BIND(<http://a b> AS ?x) }"}, 400),
    ("/query", {"query": "SELECT * WHERE " + "{" * 3000 + "}" * 3000}, 400),
], ids=["graph-space", "graph-byte", "id-byte", "id-space-ttl", "id-angle", "id-missing", "default-graph-not-iri",
        "named-graph-relative", "default-graph-empty", "nesting", "unions", "plus-chain", "negative-limit",
        "space-in-iri", "query-page-nesting"])
def test_client_errors_are_4xx_and_the_workers_survive(server: LiveServer, path: str, params: dict[str, str],
                                                       status: int) -> None:
    pool = server.server.config.app.state.served.pool  # type: ignore[attr-defined]
    before = pool.pids()
    if path == "/sparql":
        response = httpx.post(server.url + path, data=params, timeout=30)
    else:
        response = httpx.get(server.url + path, params=params, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == status, response.text[:300]
    assert pool.pids() == before  # no worker died of it
    assert ask(server, "ASK {}").status_code == 200


# -- connection hygiene ----------------------------------------------------------------------
def test_idle_connections_are_closed(server: LiveServer) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    deadline = time.monotonic() + 4.0  # the test server's keep-alive timeout is 1 s
    try:
        for sock in idle:
            sock.settimeout(max(0.0, deadline - time.monotonic()))
            assert sock.recv(1) == b""  # closed by the server, never having sent a request
    finally:
        for sock in idle:
            sock.close()


def test_connections_beyond_the_cap_get_503(tmp_path: Path) -> None:
    data = write_dumps(FIXTURE_TRIG, tmp_path)
    # The cap is the web server's, whatever the store: forked workers over memory start in a fraction of the time
    for live in serve(data, max_connections=4, keep_alive=5.0, in_memory=True):
        port = int(live.url.rsplit(":", 1)[1])
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
        try:
            time.sleep(0.2)
            refused = httpx.get(live.url + "/sparql", params={"query": "ASK {}"})
        finally:
            for sock in held:
                sock.close()
        assert refused.status_code == 503
        time.sleep(0.2)
        assert httpx.get(live.url + "/sparql", params={"query": "ASK {}"}).status_code == 200


def test_a_server_error_closes_its_connection() -> None:
    from endpoint.headers import with_security_headers

    assert (b"connection", b"close") in with_security_headers([(b"content-type", b"text/plain")], 502)
    ok = dict(with_security_headers([(b"content-type", b"text/plain")], 200))
    assert b"connection" not in ok and ok[b"x-content-type-options"] == b"nosniff"
