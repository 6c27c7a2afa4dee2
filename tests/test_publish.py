"""`mdo publish` against a real OpenLink Virtuoso, started for this session on loopback.

The Virtuoso tests are skipped only when `virtuoso-t` is not installed (`.ci/install-virtuoso.sh`
installs it). The instance has its own database folder under tmp and free ports, and is stopped
at the end; the system service is never used.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from mdo_runner import run

from mdo.settings import load_settings
from endpoint.examples import load_examples
from converter.publish import PublishError, _ChallengeAuth, default_query_url, publish
from mdo.settings import Settings

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
EXAMPLES = load_examples(load_settings().queries_dir)
needs_virtuoso = pytest.mark.skipif(VIRTUOSO is None, reason="virtuoso-t not installed (.ci/install-virtuoso.sh)")

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
MaxQueryMem        = 256M
DirsAllowed        = .
CheckpointInterval = 60

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
ServerThreads        = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows      = 10000
MaxQueryExecutionTime = 60
"""


@dataclass(frozen=True)
class Virtuoso:
    base: str  # http://127.0.0.1:{port}
    user: str
    password: str

    @property
    def store_url(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"

    def count(self, graph: str) -> int:
        response = httpx.get(
            self.query_url,
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", "format": "text/csv"},
            timeout=60,
        )
        response.raise_for_status()
        return int(response.text.split()[1])

    def has(self, pattern: str) -> bool:
        """Whether a graph pattern matches. (Virtuoso 7.2 answers ASK as a one-row table, so COUNT it.)"""
        response = httpx.get(
            self.query_url,
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", "format": "text/csv"},
            timeout=60,
        )
        response.raise_for_status()
        return int(response.text.split()[1]) > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _isql(port: int, password: str, sql: str) -> None:
    assert ISQL, "isql-vt is missing although virtuoso-t is installed"
    result = subprocess.run([ISQL, f"127.0.0.1:{port}", "dba", password, f"exec={sql}"], capture_output=True, text=True, timeout=60)
    if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
        raise RuntimeError(f"isql {sql!r}: {result.stdout}{result.stderr}")


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A throw-away Virtuoso: own ini and database under tmp, loopback, free ports, a writer user."""
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t not installed (.ci/install-virtuoso.sh)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = _free_port(), _free_port()
    (folder / "virtuoso.ini").write_text(INI.format(dir=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = (folder / "stdout.log").open("wb")
    process = subprocess.Popen(
        [VIRTUOSO, "+configfile", str(folder / "virtuoso.ini"), "+foreground"], cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{(folder / 'stdout.log').read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Virtuoso did not answer on {base} within 90 s")
            time.sleep(0.1)
        user, password, dba = "mdo", secrets.token_hex(8), secrets.token_hex(8)
        # A writer that may use the authenticated Graph Store; then no default dba password.
        _isql(sql_port, "dba", f"DB.DBA.USER_CREATE('{user}', '{password}'); GRANT SPARQL_UPDATE TO \"{user}\";")
        _isql(sql_port, "dba", f"USER_PASSWORD_SET('dba', '{dba}');")
        yield Virtuoso(base, user, password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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


def _comparable(value: str) -> object:
    """A result value as both stores mean it: numbers by value (Virtuoso writes `22.0` for `22`)."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return value


@needs_virtuoso
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_each_example_query_gives_the_same_rows_on_virtuoso(published, virtuoso, built_dataset, example):
    """Users of `mdo publish` run the example queries on their Virtuoso: the same rows as here."""
    solutions = built_dataset.query(example.text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    here = [tuple(_comparable(row[n].value) if row[n] is not None else None for n in names) for row in solutions]
    response = httpx.post(virtuoso.query_url, data={"query": example.text},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    there = [tuple(_comparable(b[n]["value"]) if n in b else None for n in names)
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
    url = f"http://127.0.0.1:{_free_port()}/sparql-graph-crud-auth"
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
