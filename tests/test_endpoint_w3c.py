"""The W3C SPARQL 1.1 Protocol test manifest, case by case, against a live server on loopback.

The manifest (../shared/w3c/sparql11-protocol beside the checkout) is read as RDF; update
cases must be refused (403) and leave the store unchanged, as the endpoint is read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import rdflib
from rdflib import Namespace
from rdflib.collection import Collection

from endpoint_fixtures.live import TLS, LiveServer, serve, w3c_trig
from endpoint_fixtures.live import count_quads as count

W3C_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "w3c" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")

RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not (W3C_DIR / "manifest.ttl").is_file():
        pytest.skip(f"no W3C protocol manifest at {W3C_DIR}")
    yield from serve(w3c_trig(W3C_DIR, tmp_path_factory.mktemp("w3c")))


def _manifest() -> list[tuple[str, list[dict[str, Any]]]]:
    if not (W3C_DIR / "manifest.ttl").is_file():
        return []
    graph = rdflib.Graph().parse(W3C_DIR / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(MF.entries, None))
    cases = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = []
        for request in Collection(graph, graph.value(action, HT.requests)):
            body = graph.value(request, HT.body)
            headers = {}
            header_list = graph.value(request, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            response = graph.value(request, HT.resp)
            requests.append({
                "method": str(graph.value(request, HT.methodName)),
                "path": str(graph.value(request, HT.absolutePath)),
                "headers": headers,
                "body": None if body is None else str(graph.value(body, CNT.chars)),
                "encoding": None if body is None else str(graph.value(body, CNT.characterEncoding) or "UTF-8"),
                "statuses": {str(s).rsplit("#", 1)[-1] for s in graph.objects(response, MF.expectedStatus)},
                "format": str(graph.value(response, MF.expectedFormat) or ""),
                "boolean": graph.value(response, MF.expectedBoolean),
            })
        cases.append((str(entry).rsplit("#", 1)[-1], requests))
    return cases


MANIFEST = _manifest()


def _boolean(response: httpx.Response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return bool(response.json()["boolean"])
    assert media == "application/sparql-results+xml", media
    return "<boolean>true</boolean>" in response.text


@pytest.mark.parametrize("name,requests", MANIFEST, ids=[name for name, _ in MANIFEST])
def test_w3c_protocol(w3c_server: LiveServer, name: str, requests: list[dict[str, Any]]) -> None:
    before = count(w3c_server)
    is_update = name.startswith("update_")
    for index, request in enumerate(requests):
        path = request["path"].replace("/sparql/", "/sparql", 1)
        body = None if request["body"] is None else request["body"].encode(request["encoding"].lower())
        response = httpx.request(request["method"], w3c_server.url + path, content=body,
                                 headers=request["headers"], timeout=30, verify=TLS)
        if is_update and index == 0:
            # A read-only endpoint refuses every update the manifest expects to succeed.
            assert response.status_code == 403, response.text
            assert "read-only" in response.text
            continue
        classes = {f"StatusCode{response.status_code // 100}xx"}
        assert classes & request["statuses"], (response.status_code, response.text)
        if request["format"] == "boolean":
            value = _boolean(response)
            if is_update:
                assert value is False  # the refused update left no trace
            elif request["boolean"] is not None:
                assert value is bool(request["boolean"].toPython())
        elif request["format"] == "tabular":
            assert response.headers["content-type"].split(";")[0] in RESULT_TYPES
        elif request["format"] == "RDF":
            assert response.headers["content-type"].split(";")[0] in RDF_TYPES
    assert count(w3c_server) == before == 3


def test_manifest_is_complete() -> None:
    """All 34 cases of the manifest are run (none silently dropped by the reader)."""
    if not MANIFEST:
        pytest.skip("no manifest")
    assert len(MANIFEST) == 34
