"""The SPARQL 1.1 Protocol and the endpoint's safety rules, against a live server on loopback.

Negotiation, formats and clients, then the safety rules: updates refused, no SERVICE, caps on
rows, request size and query time. The W3C protocol manifest runs in test_endpoint_w3c.py.
"""

from __future__ import annotations

import csv
import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import Namespace
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from endpoint.store import store_dir_for
from endpoint_fixtures.listener import Listener
from endpoint_fixtures.live import FIXTURE_TRIG, TLS, LiveServer, serve, write_dumps
from endpoint_fixtures.live import count_quads as count
from endpoint_fixtures.live import sparql_get as get


# -- servers ---------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["disk", "memory"])
def small_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The fixture data with tight limits: 1 s per query, 5 rows, 2 KB requests; served from the
    on-disk store (`mdo serve`) and from memory (`mdo serve --store memory`), every test for both."""
    data = write_dumps(FIXTURE_TRIG, tmp_path_factory.mktemp("small"))
    yield from serve(data, query_timeout=1.0, max_rows=5, max_request_bytes=2000, in_memory=request.param == "memory")


# -- negotiation and formats -----------------------------------------------------------------
SELECT_BSN = """PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
SELECT ?editie ?waarde WHERE {
  ?o mdo:indicator <https://data.monitordigitaleoverheid.nl/id/indicator/beheervoorziening-bsn-aangesloten-overheidsorganisaties> ;
     mdo:jaar <https://data.monitordigitaleoverheid.nl/id/jaar/2019> ; mdo:editie ?e ; mdo:waarde ?waarde .
  BIND(STRAFTER(STR(?e), "/editie/") AS ?editie) } ORDER BY ?editie"""


@pytest.mark.parametrize("accept,media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
])
def test_select_negotiated_by_accept(small_server: LiveServer, accept: str, media: str) -> None:
    response = get(small_server, SELECT_BSN, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert "500" in response.text and "2910" in response.text


def test_select_csv_and_tsv_bodies(small_server: LiveServer) -> None:
    csv_text = get(small_server, SELECT_BSN, format="csv").text
    assert list(csv.reader(io.StringIO(csv_text))) == [["editie", "waarde"], ["2020", "500"], ["2024", "2910"]]
    tsv_text = get(small_server, SELECT_BSN, format="tsv").text
    assert tsv_text.splitlines() == [
        "?editie\t?waarde",
        '"2020"\t"500"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '"2024"\t"2910"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ]


@pytest.mark.parametrize("fmt,media", [("ttl", "text/turtle"), ("nt", "application/n-triples"),
                                       ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml")])
def test_construct_formats_parse_to_the_same_graph(small_server: LiveServer, fmt: str, media: str) -> None:
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> CONSTRUCT { ?v skos:prefLabel ?l } "
             "WHERE { ?v skos:notation \"digid\" ; skos:prefLabel ?l }")
    by_param = get(small_server, query, accept="*/*", format=fmt)
    by_accept = get(small_server, query, accept=media)
    for response in (by_param, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media
        graph = ox.parse(response.content, format=ox.RdfFormat.from_media_type(media))
        assert {(t.subject.value, t.object.value) for t in graph} == {
            ("https://data.monitordigitaleoverheid.nl/id/voorziening/digid", "DigiD")}


def test_unknown_format_is_406(small_server: LiveServer) -> None:
    response = get(small_server, "ASK {}", format="pdf")
    assert response.status_code == 406
    assert "format='pdf'" in response.text


def test_service_description(small_server: LiveServer) -> None:
    response = httpx.get(small_server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(small_server.url + "/sparql")
    assert (service, rdflib.RDF.type, sd.Service) in graph
    assert (service, sd.endpoint, service) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    names = {str(n) for n in graph.objects(None, sd.name)}
    assert names == {f"https://data.monitordigitaleoverheid.nl/graph/{g}"
                     for g in ("codes", "catalogus", "editie/2020", "editie/2024")}


def test_browser_without_query_is_sent_to_the_query_page(small_server: LiveServer) -> None:
    response = httpx.get(small_server.url + "/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 303
    assert response.headers["location"] == "/query"


def test_cors(small_server: LiveServer) -> None:
    preflight = httpx.options(small_server.url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = httpx.get(small_server.url + "/sparql", params={"query": "ASK {}"},
                         headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "MDO-Result-Truncated" in response.headers["access-control-expose-headers"]


# -- SPARQLWrapper as a client ---------------------------------------------------------------
def test_sparqlwrapper_select_ask_construct(small_server: LiveServer) -> None:
    client = SPARQLWrapper(small_server.url + "/sparql")
    client.setQuery(SELECT_BSN)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [(r["editie"]["value"], int(r["waarde"]["value"])) for r in rows] == [("2020", 500), ("2024", 2910)]
    client.setReturnFormat(XML)
    xml_rows = client.query().convert().getElementsByTagName("result")
    assert len(xml_rows) == 2
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines() == ["editie,waarde", "2020,500", "2024,2910"]
    client.setMethod("POST")
    client.setQuery("ASK { ?s <https://data.monitordigitaleoverheid.nl/def/mdo#waarde> 15023119 }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                    "CONSTRUCT { ?v skos:prefLabel ?l } WHERE { ?v skos:notation \"digilevering\" ; skos:prefLabel ?l }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert [str(o) for o in graph.objects()] == ["Digilevering"]


# -- safety ----------------------------------------------------------------------------------
@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "params": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": {"update": "DROP ALL"}},
    {"method": "POST", "content": b"DELETE WHERE { ?s ?p ?o }", "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR DEFAULT"}},
], ids=["get-update", "form-update", "direct-update", "query-and-update"])
def test_updates_are_refused_and_change_nothing(small_server: LiveServer, request_kwargs: dict[str, Any]) -> None:
    before = count(small_server)
    response = httpx.request(url=small_server.url + "/sparql", timeout=30, **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert count(small_server) == before == 900


def test_update_syntax_sent_as_query_is_a_syntax_error(small_server: LiveServer) -> None:
    response = get(small_server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert response.status_code == 400
    assert count(small_server) == 900


def test_malformed_query_gets_400_with_the_parser_message(small_server: LiveServer) -> None:
    response = get(small_server, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    assert response.text.startswith("Syntax error: error at 1:")
    assert "expected" in response.text


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?a ?b ?c .SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/x> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    "# a comment\nSELECT * WHERE {{ SeRvIcE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
])
def test_service_never_makes_an_outbound_request(small_server: LiveServer, template: str) -> None:
    listener = Listener()
    try:
        response = httpx.post(small_server.url + "/sparql", data={"query": template.format(port=listener.port)}, verify=TLS)
        assert response.status_code == 400
        assert "SERVICE (federated query) is not allowed" in response.text
    finally:
        listener.close()
    assert listener.connections == 0


def test_the_word_service_in_strings_and_iris_is_fine(small_server: LiveServer) -> None:
    query = ('SELECT ?x WHERE { BIND("SERVICE <x> {}" AS ?x) FILTER(?x != <http://example.org/SERVICE>) } '
             "# SERVICE in a comment")
    response = get(small_server, query)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "SERVICE <x> {}"}}]


def test_row_cap_is_reported_never_silent(small_server: LiveServer) -> None:
    capped = get(small_server, "SELECT ?s WHERE { ?s a <http://purl.org/linked-data/cube#Observation> }")
    assert capped.status_code == 200
    assert len(capped.json()["results"]["bindings"]) == 5
    assert capped.headers["MDO-Result-Limit"] == "5"
    assert capped.headers["MDO-Result-Truncated"] == "true"
    assert "result cut at 5 rows" in capped.headers["Warning"]
    whole = get(small_server, "SELECT ?s WHERE { ?s a <http://purl.org/linked-data/cube#Observation> } LIMIT 5")
    assert len(whole.json()["results"]["bindings"]) == 5
    assert "MDO-Result-Truncated" not in whole.headers
    graph = get(small_server, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert len(graph.text.strip().splitlines()) == 5
    assert graph.headers["MDO-Result-Truncated"] == "true"


def test_request_size_cap(small_server: LiveServer) -> None:
    big = "ASK {} #" + "x" * 3000
    direct = httpx.post(small_server.url + "/sparql", content=big.encode(),
                        headers={"Content-Type": "application/sparql-query"})
    assert direct.status_code == 413
    assert "2000 bytes" in direct.text

    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"x" * 1000

    streamed = httpx.post(small_server.url + "/sparql", content=chunks(),
                          headers={"Content-Type": "application/sparql-query"})
    assert streamed.status_code == 413
    assert get(small_server, "ASK {}").status_code == 200


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_runaway_query_is_stopped_while_others_are_answered(small_server: LiveServer) -> None:
    with ThreadPoolExecutor(2) as executor:
        runaway = executor.submit(get, small_server, RUNAWAY)
        time.sleep(0.2)
        started = time.monotonic()
        simple = get(small_server, SELECT_BSN)
        simple_seconds = time.monotonic() - started
        stopped = runaway.result(timeout=30)
    assert simple.status_code == 200
    assert [b["waarde"]["value"] for b in simple.json()["results"]["bindings"]] == ["500", "2910"]
    assert simple_seconds < 5
    assert stopped.status_code == 503
    assert stopped.text.startswith("Query timeout: the query ran longer than 1 s and was stopped")
    # the killed worker was replaced: the endpoint still answers, repeatedly
    for _ in range(4):
        assert get(small_server, "ASK {}").json() == {"head": {}, "boolean": True}


def test_store_in_memory_is_shared_with_forked_workers_and_writes_nothing(tmp_path: Path) -> None:
    """`--store memory`: no store folder beside the data; the query workers are forked children
    of the serving process, which answer from the store they inherited."""
    data = write_dumps(FIXTURE_TRIG, tmp_path)
    for live in serve(data, in_memory=True):
        answer = get(live, SELECT_BSN)
        workers = [Path(f"/proc/{pid}") for pid in live.server.config.app.state.served.pool.pids()]  # type: ignore[attr-defined]
        parents = {int((w / "stat").read_text().rsplit(")", 1)[1].split()[1]) for w in workers}
        assert len(workers) == 2 + 1 + 1 and parents == {os.getpid()}  # two for long queries, one short, a spare
        assert [b["waarde"]["value"] for b in answer.json()["results"]["bindings"]] == ["500", "2910"]
    assert not store_dir_for(data).exists()


def test_a_worker_that_cannot_be_started_is_tried_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused fork (EAGAIN under a process limit) costs at most one failed request, not the worker slot.

    The first killed worker is replaced by the spare (its own replacement is refused); the
    second finds no spare and a refused fork, so the next request fails and retries the start.
    """
    from endpoint import worker as worker_module

    data = write_dumps(FIXTURE_TRIG, tmp_path)
    for live in serve(data, in_memory=True, query_workers=1, query_timeout=1.0):
        real, refused = worker_module._fork_worker, []

        def refuse_twice(*args: Any) -> int:
            if len(refused) < 2:
                refused.append(True)
                raise BlockingIOError(11, "Resource temporarily unavailable")
            return real(*args)

        monkeypatch.setattr(worker_module, "_fork_worker", refuse_twice)
        assert get(live, RUNAWAY).status_code == 503  # killed; the spare takes its place, a new spare is refused
        assert get(live, "ASK {}").status_code == 200
        assert get(live, RUNAWAY).status_code == 503  # killed; no spare, and the new one is refused
        assert [get(live, "ASK {}").status_code for _ in range(3)] == [500, 200, 200]


def test_a_dropped_request_whose_replacement_fails_keeps_the_lane_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background replacement of a dropped request's worker fails unexpectedly: the lane
    gets the killed worker back, so the next query fails once and the one after is answered,
    instead of every later query waiting for a worker that never comes."""
    import asyncio

    from endpoint import pool as pool_module
    from endpoint.results import Failure, QueryJob, Solutions

    store = ox.Store()
    store.load(FIXTURE_TRIG.read_bytes(), format=ox.RdfFormat.TRIG)
    slow = 'SELECT ("traag" AS ?x) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 1 OFFSET 3000000'
    quick = 'SELECT ?x WHERE { VALUES ?x { "snel" } }'

    real, failed = pool_module._lower_priority, []

    def unexpected_once(worker: object) -> None:
        if not failed:
            failed.append(True)
            raise ValueError("onverwacht")
        real(worker)

    async def drop_one_then_ask_twice() -> list[object]:
        dropped = asyncio.ensure_future(pool.run(QueryJob(slow)))
        await asyncio.sleep(0.3)
        dropped.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dropped
        return [await pool.run(QueryJob(quick)), await pool.run(QueryJob(quick))]

    pool = pool_module.QueryPool(store, 1, 10.0, short_size=0)
    pool.start()
    monkeypatch.setattr(pool_module, "_lower_priority", unexpected_once)  # after start: only a replacement meets it
    try:
        first, second = asyncio.run(drop_one_then_ask_twice())
    finally:
        pool.close()
    assert isinstance(first, Failure)
    assert isinstance(second, Solutions) and [[str(t.value) for t in row] for row in second.rows] == [["snel"]]


def test_multiple_query_parameters_are_refused(small_server: LiveServer) -> None:
    response = httpx.get(small_server.url + "/sparql?query=" + quote("ASK {}") + "&query=" + quote("ASK {}"))
    assert response.status_code == 400
    assert "More than one query parameter" in response.text


def test_a_dropped_request_leaves_no_answer_for_the_next_query() -> None:
    """A request cancelled while its query runs (the server shutting down, a timeout around it):
    the next query on that lane gets its own answer, never the one the dropped request left."""
    import asyncio

    from endpoint.pool import QueryPool
    from endpoint.results import QueryJob, Solutions

    store = ox.Store()
    store.load(FIXTURE_TRIG.read_bytes(), format=ox.RdfFormat.TRIG)
    slow = 'SELECT ("traag" AS ?x) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 1 OFFSET 3000000'
    quick = 'SELECT ?x WHERE { VALUES ?x { "snel" } }'

    async def drop_one_then_ask() -> object:
        dropped = asyncio.ensure_future(pool.run(QueryJob(slow)))
        await asyncio.sleep(0.3)  # the slow query is running in the lane's one worker
        dropped.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dropped
        return await pool.run(QueryJob(quick))

    pool = QueryPool(store, 1, 10.0, short_size=0)
    pool.start()
    try:
        outcome = asyncio.run(drop_one_then_ask())
    finally:
        pool.close()
    assert isinstance(outcome, Solutions) and [[str(term.value) for term in row] for row in outcome.rows] == [["snel"]]
