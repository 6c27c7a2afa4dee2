"""A real uvicorn server on 127.0.0.1 (random free port) for the endpoint tests.

The tests talk HTTP to it like any client would, so protocol details (status codes, headers,
chunking, CORS) are exercised as deployed; nothing is mocked.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pyoxigraph as ox
import uvicorn

from endpoint.app import create_app
from endpoint.server import server_config
from mdo.settings import load_settings

HERE = Path(__file__).parent
FIXTURE_TRIG = HERE / "mdo-fixture.trig"

TLS = httpx.create_ssl_context()
"""One TLS context for the tests' requests (`verify=TLS`). httpx builds one for every request
made without a client, reading the CA bundle: about 40 ms, more than most answers of the test
server take, and the tests send hundreds. (Plain HTTP on loopback never uses it.)"""


@dataclass
class LiveServer:
    url: str
    data: Path
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def start_server(data: Path, *, keep_alive: float = 5.0, max_connections: int = 1000, **options: object) -> LiveServer:
    """The app as `mdo serve` runs it (the same uvicorn settings), on a free loopback port."""
    settings = load_settings()
    app = create_app(data, base_iri=settings.base_iri, queries_dir=settings.queries_dir, **options)  # type: ignore[arg-type]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server_config(app, keep_alive=keep_alive, max_connections=max_connections, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", data, server, thread)


def serve(data: Path, **options: object) -> Iterator[LiveServer]:
    live = start_server(data, **options)  # type: ignore[arg-type]
    try:
        yield live
    finally:
        live.stop()


def write_dumps(trig: Path, folder: Path) -> Path:
    """`folder/mdo.trig` plus the other dumps and `catalogus.ttl`, as the converter writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "mdo.trig"
    target.write_bytes(trig.read_bytes())
    dataset = list(ox.parse(path=str(trig), format=ox.RdfFormat.TRIG))
    triples = list(dict.fromkeys(q.triple for q in dataset))
    ox.serialize(dataset, str(folder / "mdo.nq"), format=ox.RdfFormat.N_QUADS)
    ox.serialize(triples, str(folder / "mdo.nt"), format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(folder / "mdo.ttl"), format=ox.RdfFormat.TURTLE)
    ox.serialize(dataset, str(folder / "mdo.jsonld"), format=ox.RdfFormat.JSON_LD)
    catalogue = [q.triple for q in dataset if isinstance(q.graph_name, ox.NamedNode)
                 and q.graph_name.value.endswith("/graph/catalogus")]
    ox.serialize(catalogue, str(folder / "catalogus.ttl"), format=ox.RdfFormat.TURTLE)
    return target


def w3c_trig(manifest_dir: Path, folder: Path) -> Path:
    """The W3C protocol test data (data1..3.nt) as named graphs, named as the manifest labels them."""
    folder.mkdir(parents=True, exist_ok=True)
    quads = []
    for n in (1, 2, 3):
        graph = ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{n}.rdf")
        for triple in ox.parse(path=str(manifest_dir / f"data{n}.nt"), format=ox.RdfFormat.N_TRIPLES):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    target = folder / "w3c.trig"
    ox.serialize(quads, str(target), format=ox.RdfFormat.TRIG)
    return target


def sparql_get(server: LiveServer, query: str, accept: str = "application/sparql-results+json", **params: str) -> httpx.Response:
    """A query by GET, as most clients send one."""
    return httpx.get(server.url + "/sparql", params={"query": query, **params}, headers={"Accept": accept}, timeout=30,
                     verify=TLS)


def count_quads(server: LiveServer) -> int:
    """The quads in the named graphs the server serves (to see that a refused update changed nothing)."""
    response = sparql_get(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(response.json()["results"]["bindings"][0]["n"]["value"])
