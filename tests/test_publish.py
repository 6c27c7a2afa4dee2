"""`mdo publish` against a real OpenLink Virtuoso, started for this session on loopback.

The Virtuoso tests are skipped only when `virtuoso-t` is not installed (`.ci/install-virtuoso.sh`
installs it). The instance has its own database folder under tmp and free ports, and is stopped
at the end; the system service is never used.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from mdo_runner import run

from endpoint.examples import load_examples
from converter.publish import PublishError, _ChallengeAuth, default_query_url, publish
from mdo.settings import Settings, load_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from virtuoso import MISSING, VIRTUOSO, Instance, Virtuoso, comparable, free_port  # noqa: E402

EXAMPLES = load_examples(load_settings().queries_dir)
needs_virtuoso = pytest.mark.skipif(VIRTUOSO is None, reason=MISSING)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A throw-away Virtuoso (`bench/virtuoso.py`): own ini and database under tmp, loopback, free ports, a writer user."""
    if VIRTUOSO is None:
        pytest.skip(MISSING)
    instance = Instance(tmp_path_factory.mktemp("virtuoso"))
    instance.start()
    try:
        yield instance.writer()
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def local_counts(built_dataset: ox.Store) -> dict[str, int]:
    """Triples per named graph of the built dataset, counted in the built store (not the publish code's path)."""
    return {g.value: sum(1 for _ in built_dataset.quads_for_pattern(None, None, None, g)) for g in built_dataset.named_graphs()}


@pytest.fixture(scope="session")
def published(virtuoso: Virtuoso, built_trig: Path):
    return publish(built_trig, virtuoso.store_url, virtuoso.query_url, auth=(virtuoso.user, virtuoso.password))


# --- against Virtuoso ---------------------------------------------------------------------------


@needs_virtuoso
def test_publish_puts_every_graph_and_the_checks_pass(published, local_counts, virtuoso, settings: Settings):
    base = settings.base_iri
    assert published.ok, published.problems
    assert sorted(g.iri for g in published.graphs) == sorted(
        [f"{base}/graph/catalogus", f"{base}/graph/codes", f"{base}/graph/editie/2020", f"{base}/graph/editie/2024"]
    )
    assert {g.iri: g.remote_triples for g in published.graphs} == local_counts
    assert {g.iri: virtuoso.count(g.iri) for g in published.graphs} == local_counts
    assert all(200 <= g.status < 300 for g in published.graphs)
    # DigiD, "Aantal actieve DigiD's", 2019: the same figure printed in both editions.
    assert published.figure_remote == {f"{base}/id/editie/2020": "15023119", f"{base}/id/editie/2024": "15023119"}
    # Text arrives as UTF-8: the 2020 edition printed the label with a typographic apostrophe.
    assert virtuoso.has(f'<{base}/id/indicator/digid-actieve-digids> ?p "Aantal actieve DigiD\u2019s"@nl')


@needs_virtuoso
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_each_example_query_gives_the_same_rows_on_virtuoso(published, virtuoso, built_dataset, example):
    """Users of `mdo publish` run the example queries on their Virtuoso: the same rows as here."""
    solutions = built_dataset.query(example.text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    here = [tuple(comparable(row[n].value) if row[n] is not None else None for n in names) for row in solutions]
    response = httpx.post(virtuoso.query_url, data={"query": example.text},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    there = [tuple(comparable(b[n]["value"]) if n in b else None for n in names)
             for b in response.json()["results"]["bindings"]]
    assert here, "the example gives rows on the real cube"
    assert sorted(there, key=repr) == sorted(here, key=repr)


@needs_virtuoso
def test_republish_replaces_graphs_not_adds_to_them(published, local_counts, virtuoso, built_trig, tmp_path, settings):
    base = settings.base_iri
    edition = ox.NamedNode(f"{base}/graph/editie/2024")
    # A changed 2024 edition: one figure fewer. A replace drops it from the store; an append would keep it.
    store = ox.Store()
    store.bulk_load(path=str(built_trig), format=ox.RdfFormat.TRIG)
    gone = next(store.quads_for_pattern(None, ox.NamedNode(f"{base}/def/mdo#waarde"), None, edition))
    store.remove(gone)
    changed = tmp_path / "changed.trig"
    with changed.open("wb") as handle:
        ox.serialize(store, handle, ox.RdfFormat.TRIG)

    report = publish(changed, virtuoso.store_url, auth=(virtuoso.user, virtuoso.password))
    assert report.ok, report.problems
    assert virtuoso.count(edition.value) == local_counts[edition.value] - 1
    assert not virtuoso.has(f"GRAPH <{edition.value}> {{ {gone.subject} {gone.predicate} {gone.object} }}")

    again = publish(built_trig, virtuoso.store_url, auth=(virtuoso.user, virtuoso.password))
    assert again.ok, again.problems
    assert {g.iri: virtuoso.count(g.iri) for g in again.graphs} == local_counts
    assert [g.status for g in again.graphs] == [200] * 4  # replaced an existing graph (201 is "created")


@needs_virtuoso
def test_a_refused_write_names_url_and_status_and_changes_nothing(published, local_counts, virtuoso, built_trig):
    with pytest.raises(PublishError) as caught:
        publish(built_trig, virtuoso.store_url, auth=(virtuoso.user, "wrong-" + virtuoso.password))
    message = str(caught.value)
    assert virtuoso.store_url in message and "HTTP 401" in message and "the store was not changed" in message
    # Without credentials Virtuoso's authenticated Graph Store also says 401.
    with pytest.raises(PublishError, match="HTTP 401"):
        publish(built_trig, virtuoso.store_url)
    assert {iri: virtuoso.count(iri) for iri in local_counts} == local_counts


@needs_virtuoso
def test_a_store_that_is_not_there_is_a_clear_error(built_trig):
    url = f"http://127.0.0.1:{free_port()}/sparql-graph-crud-auth"
    with pytest.raises(PublishError, match=rf"PUT {url}\?graph=.*ConnectError"):
        publish(built_trig, url, auth=("mdo", "x"))


@needs_virtuoso
def test_the_publish_command(virtuoso, built_trig):
    result = run("publish", "--store", virtuoso.store_url, "--user", virtuoso.user, "--data", str(built_trig),
                 env={"MDO_STORE_PASSWORD": virtuoso.password})
    assert result.returncode == 0, result.stderr
    assert "2024\tdigid-actieve-digids 2019 = 15023119" in result.stdout
    assert "4 graphs ->" in result.stderr


@pytest.mark.parametrize(
    ("store", "query"),
    [
        ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql"),
        ("http://h:8890/sparql-graph-crud", "http://h:8890/sparql"),
        ("http://h:3030/mdo/data", "http://h:3030/mdo/query"),
        ("http://h:7878/store", "http://h:7878/query"),
        ("http://h:7200/repositories/mdo/rdf-graphs/service", "http://h:7200/repositories/mdo"),
    ],
)
def test_the_query_url_is_derived_from_the_store_url(store, query):
    assert default_query_url(store) == query


def test_an_unknown_store_url_asks_for_the_query_endpoint():
    with pytest.raises(PublishError, match="give --query-endpoint"):
        default_query_url("http://h/somewhere")


def test_a_file_without_named_graphs_is_refused_before_any_request(built_dist):
    with pytest.raises(PublishError, match=r"mdo\.ttl: publish needs named graphs"):
        publish(built_dist / "mdo.ttl", "http://127.0.0.1:9/store")


def test_basic_auth_is_used_when_the_store_asks_for_it():
    """Fuseki and GraphDB challenge with Basic, Virtuoso with Digest: answer what is asked."""
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if request.headers.get("authorization") != "Basic dTpw":  # u:p
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="store"'})
        return httpx.Response(204)

    auth = _ChallengeAuth("u", "p")
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        assert client.put("http://store/data", content=b"").status_code == 204
        assert client.put("http://store/data", content=b"").status_code == 204
    assert seen == [None, "Basic dTpw", "Basic dTpw"] and auth.scheme == "basic"
