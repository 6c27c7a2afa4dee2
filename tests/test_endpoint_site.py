"""Every page type made for a person, every link on it answering, and the site's other documents:
the vocabulary at /def/mdo, the catalogue page, graph pages, VoID, downloads, gzip, the 404 page.

The server runs over `built_trig` (the real build of both editions), so the figures asserted
are the ones printed in the sources.
"""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup

from mdo.settings import load_settings
from endpoint.examples import load_examples
from endpoint_fixtures.live import FIXTURE_TRIG, LiveServer, serve

B = "https://data.monitordigitaleoverheid.nl"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
OBS = "/id/observatie/2024/digid-actieve-digids/totaal/2023"
EXAMPLES = load_examples(load_settings().queries_dir)
PAGE_TYPES = {
    "home": "/", "voorziening": "/id/voorziening/digid", "indicator": "/id/indicator/digid-actieve-digids",
    "observation": OBS, "missing": "/id/ontbrekend-cijfer/2020/digid-accounts-substantieel/totaal/2017",
    "edition": "/id/editie/2024", "edition-page-2": "/id/editie/2024?pagina=2", "domain": "/id/domein/identificeren-authenticeren",
    "dataset": "/id/dataset/monitor-digitale-overheid", "catalogue": "/catalogus", "vocabulary": "/def/mdo",
    "graph": "/graph/codes", "query": "/query?example=09-herkomst-van-een-cijfer", "not-found": "/bestaat/niet",
}


@pytest.fixture(scope="module")
def server(live_build: LiveServer) -> LiveServer:
    """The session's server over the real build (conftest): these tests only read from it."""
    return live_build


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=HTML, timeout=60) as c:
        yield c


def page(client: httpx.Client, path: str, status: int = 200) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


# -- every link answers -------------------------------------------------------------------------
def test_every_link_on_every_page_type_answers(client: httpx.Client) -> None:
    links: set[str] = set()
    fragments: dict[str, set[tuple[str, str]]] = {}  # page -> (linked from, #fragment)
    for name, path in PAGE_TYPES.items():
        dom = page(client, path, 404 if name == "not-found" else 200)
        for a in dom.find_all("a", href=True):
            target = urljoin(path, a["href"])
            if urlsplit(target).scheme in ("http", "https"):
                continue  # other sites: not followed (no network in tests)
            local, fragment = urldefrag(target)
            links.add(local)
            if fragment and local != "/query" and fragment != "run":
                fragments.setdefault(local or path, set()).add((path, fragment))
    # Each link once, four at a time: the server answers with three query workers, so a crawl
    # one request after the other would leave most of them idle.
    with ThreadPoolExecutor(4) as pool:
        checked = dict(zip(links, pool.map(lambda url: client.get(url).status_code, links)))
        targets = dict(zip(fragments, pool.map(lambda url: page(client, url), fragments)))
    broken = {url: status for url, status in checked.items() if status >= 400}
    assert not broken, broken
    assert len(checked) > 200  # the pages link the dataset's resources, not only each other
    for target, sources in fragments.items():  # every #fragment names an element of its page
        for source, fragment in sources:
            assert targets[target].find(id=fragment) is not None, (source, target, fragment)


def test_header_links_are_pages(client: httpx.Client) -> None:
    dom = page(client, "/")
    for a in dom.select("header.site nav a"):
        assert client.get(a["href"]).status_code == 200, a["href"]
    graphs = [a["href"] for a in dom.select("#graphs a")]
    assert "/graph/codes" in graphs
    response = client.get("/graph/codes")
    assert response.headers["content-type"].startswith("text/html")


# -- pages made for a person -------------------------------------------------------------------
def test_observation_reads_as_a_sentence(client: httpx.Client) -> None:
    dom = page(client, OBS)
    assert dom.h1.text == "Aantal actieve DigiD's in 2023"
    assert " ".join(dom.select_one("p.sentence").get_text().split()) == (
        "Aantal actieve DigiD's in 2023: 17.179.883 (editie 2024, bron mdo-2024.txt:149)")
    assert dom.select_one("dd.status").text == "Normaal"
    values = {tr.th.get_text(strip=True): tr.td.get_text(" ", strip=True) for tr in dom.select("table.properties tr")
              if tr.th and tr.td}
    assert values["waarde"] == "17.179.883"
    assert "^^" not in dom.get_text() and "@nl" not in dom.get_text()


def test_indicator_page_has_its_series_chart_and_a_table_per_edition(client: httpx.Client) -> None:
    dom = page(client, "/id/indicator/digid-actieve-digids")
    assert dom.h1.text == "Aantal actieve DigiD's"
    assert dom.select_one("p.iri code").text == B + "/id/indicator/digid-actieve-digids"
    assert {t.text for t in dom.select("#reeks svg text.legend")} == {"editie 2020", "editie 2024"}
    assert [h.text for h in dom.select("#reeks h3")] == ["Editie 2024", "Editie 2020"]
    tables = dom.select("#reeks table.figures")
    rows = [[tr["data-year"] for tr in t.select("tr.figure")] for t in tables]
    assert rows == [["2019", "2020", "2021", "2022", "2023"], ["2017", "2018", "2019"]]
    first = tables[0].select_one("tr.figure")
    assert first.select_one("td.value").get_text(strip=True) == "15.023.119"
    assert first.select_one("td.source").get_text(strip=True) == "sources/mdo-2024.txt:149"


def test_edition_page_pages_its_long_list(client: httpx.Client) -> None:
    first, second = page(client, "/id/editie/2024"), page(client, "/id/editie/2024?pagina=2")
    assert first.h1.text == "Monitor Digitale Overheid 2024"
    assert first.select_one("nav.pager a[rel=next]")["href"] == "?pagina=2#verwijzingen"
    one = {a["href"] for a in first.select("table.incoming td a")}
    two = {a["href"] for a in second.select("table.incoming td a")}
    assert len(one) >= 100 and two and not one & two


def test_dates_and_counts_are_dutch(client: httpx.Client) -> None:
    dataset = page(client, "/id/dataset/monitor-digitale-overheid")
    text = dataset.get_text(" ")
    assert "^^" not in text and "xsd:" not in text
    home = page(client, "/")
    observations = home.select_one('dd[data-count="observaties"]').text
    assert "." in observations and int(observations.replace(".", "")) > 1000


# -- the vocabulary ----------------------------------------------------------------------------
def test_vocabulary_by_content_negotiation(client: httpx.Client) -> None:
    dom = page(client, "/def/mdo")
    section = dom.find("section", id="Voorziening")
    assert section is not None and section.h2.get_text(" ", strip=True).startswith("Voorziening klasse")
    assert "DigiD" in section.p.text  # the Dutch comment
    assert dom.find("section", id="waarde") is not None
    turtle = client.get("/def/mdo", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    subjects = {t.subject.value for t in triples}
    assert B + "/def/mdo#Voorziening" in subjects and B + "/def/mdo" in subjects
    assert all(s.startswith(B + "/def/mdo") for s in subjects)
    jsonld = client.get("/def/mdo", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert "@context" in jsonld.json()
    assert len(list(ox.parse(jsonld.content, format=ox.RdfFormat.JSON_LD))) == len(triples)


# -- the catalogue ----------------------------------------------------------------------------
def test_catalogue_is_a_page_for_a_browser_and_rdf_for_a_harvester(client: httpx.Client, built_trig: Path) -> None:
    dom = page(client, "/catalogus")
    assert dom.h1.text == "Catalogus Monitor Digitale Overheid"
    files = [a.text for a in dom.select("table.distributions a") if a["href"].startswith("/download/")]
    assert sorted(files) == ["mdo.jsonld", "mdo.nq", "mdo.nt", "mdo.trig", "mdo.ttl", "observations.csv", "quality.md"]
    harvested = client.get("/catalogus", headers={"Accept": "text/turtle"})
    assert harvested.content == (built_trig.parent / "catalogus.ttl").read_bytes()


# -- downloads, gzip, JSON-LD, VoID ------------------------------------------------------------
def test_tidy_csv_and_quality_report_are_served(client: httpx.Client, built_trig: Path) -> None:
    csv = client.get("/download/observations.csv")
    assert csv.status_code == 200 and csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.content == (built_trig.parent / "observations.csv").read_bytes()
    assert csv.text.splitlines()[0].startswith("edition,section,voorziening,indicator,label")
    report = client.get("/download/quality.md")
    assert report.headers["content-type"] == "text/markdown; charset=utf-8"
    assert report.content == (built_trig.parent / "quality.md").read_bytes()


def test_large_answers_are_gzipped(server: LiveServer, built_trig: Path) -> None:
    original = (built_trig.parent / "mdo.nt").read_bytes()
    with httpx.stream("GET", server.url + "/download/mdo.nt", headers={"Accept-Encoding": "gzip"}) as stream:
        assert stream.headers["content-encoding"] == "gzip"
        body = b"".join(stream.iter_raw())
    assert len(body) < len(original) / 5
    assert gzip.decompress(body) == original
    plain = httpx.get(server.url + "/download/mdo.nt", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == original


def test_jsonld_answers_carry_a_context(client: httpx.Client) -> None:
    response = client.get(OBS, headers={"Accept": "application/ld+json"})
    document = response.json()
    assert document["@context"]["mdo"] == B + "/def/mdo#"
    triples = list(ox.parse(response.content, format=ox.RdfFormat.JSON_LD))
    assert ox.Literal("17179883", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")) in {
        t.object for t in triples}


def test_sparql_results_carry_a_filename(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "csv"})
    assert response.headers["content-disposition"] == 'inline; filename="mdo-resultaat.csv"'


def test_void_describes_the_dataset(client: httpx.Client, built_trig: Path) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    void = "http://rdfs.org/ns/void#"
    dataset = ox.NamedNode(B + "/id/dataset/monitor-digitale-overheid")
    about = {(t.predicate.value, t.object) for t in triples if t.subject == dataset}
    assert (void + "sparqlEndpoint", ox.NamedNode(B + "/sparql")) in about
    assert (void + "dataDump", ox.NamedNode(B + "/download/mdo.nt")) in about
    size = next(int(o.value) for p, o in about if p == void + "triples")
    assert size == len(list(ox.parse(path=str(built_trig), format=ox.RdfFormat.TRIG)))
    subsets = {o for p, o in about if p == void + "subset"}
    assert ox.NamedNode(B + "/graph/editie/2024") in subsets


# -- errors -----------------------------------------------------------------------------------
def test_unknown_paths_get_the_dutch_404_page(client: httpx.Client) -> None:
    dom = page(client, "/bestaat/niet", 404)
    assert dom.title.text.startswith("Niet gevonden") and dom.h1.text == "Niet gevonden"
    assert dom.select_one("p.error").text == "Er is geen pagina op /bestaat/niet."
    api = client.get("/bestaat/niet", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json() == {"detail": "Er is geen pagina op /bestaat/niet."}


# -- what the server serves, and a rebuilt data file ----------------------------------------------
def test_home_page_says_what_it_serves(client: httpx.Client) -> None:
    served = " ".join(page(client, "/").select_one("p.served").get_text().split())
    assert served.startswith("Deze server bedient mdo.trig, gebouwd op ")
    assert served.endswith("(UTC), met 2 edities.")


def test_a_rebuilt_data_file_is_not_served_from_the_old_store(tmp_path: Path) -> None:
    data = tmp_path / "mdo.trig"
    data.write_bytes(FIXTURE_TRIG.read_bytes())
    for live in serve(data, in_memory=True):
        assert httpx.get(live.url + "/", headers=HTML).status_code == 200
        with data.open("a", encoding="utf-8") as handle:  # `mdo build` wrote a new file
            handle.write("\n# rebuilt\n")
        stale = httpx.get(live.url + "/", headers=HTML)
        assert stale.status_code == 503 and stale.headers["retry-after"] == "60"
        message = BeautifulSoup(stale.text, "html.parser").select_one("p.error").text
        assert message.startswith("De data (mdo.trig) zijn opnieuw gebouwd nadat deze server startte.")
        query = httpx.get(live.url + "/sparql", params={"query": "ASK {}"})
        assert query.status_code == 503 and "herstart hem" in query.text
        assert httpx.get(live.url + "/download/mdo.trig").status_code == 503
        assert httpx.get(live.url + "/static/style.css").status_code == 200


# -- a query result as a chart -----------------------------------------------------------------
def test_query_results_are_charted(client: httpx.Client) -> None:
    series = ("PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#> SELECT ?jaar ?waarde WHERE { "
              f"?o mdo:indicator <{B}/id/indicator/digid-actieve-digids> ; mdo:editie <{B}/id/editie/2024> ; "
              f"mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:jaar ?j ; mdo:waarde ?waarde . "
              "BIND(STRAFTER(STR(?j), '/jaar/') AS ?jaar) } ORDER BY ?jaar")
    line = page(client, "/query?" + urlencode({"query": series})).select_one("#results svg.chart")
    assert line["aria-label"] == "waarde per jaar"
    assert [(c["data-year"], c["data-value"]) for c in line.select("circle.point")][-1] == ("2023", "1.71799e+07")
    per_domain = next(e for e in EXAMPLES if e.name == "08-voorzieningen-per-domein")
    dom = page(client, "/query?" + urlencode({"query": per_domain.text}))
    chart, bars = dom.select_one("#results svg.bars"), dom.select("#results svg.bars rect.bar")
    assert chart["aria-label"] == "indicatoren per domein" and len(bars) == 4
    columns = [th.text for th in dom.select("#results thead th")]
    row = next(tr for tr in dom.select("#results tbody tr") if tr.td.text == "Identificeren en authenticeren")
    count = row.find_all("td")[columns.index("indicatoren")].text
    assert f"Identificeren en authenticeren: {count}" in [bar.title.text for bar in bars]


def test_the_jsonld_dump_carries_a_context(built_trig: Path) -> None:
    document = json.loads((built_trig.parent / "mdo.jsonld").read_bytes())
    assert document["@context"]["qb"] == "http://purl.org/linked-data/cube#"
    dataset = ox.Dataset(ox.parse(path=str(built_trig.parent / "mdo.jsonld"), format=ox.RdfFormat.JSON_LD))
    assert len(dataset) == len(ox.Dataset(ox.parse(path=str(built_trig), format=ox.RdfFormat.TRIG)))


@pytest.mark.parametrize("path", ["/id/voorziening/digid", "/graph/codes"])
def test_linked_data_answers_a_bad_format_before_a_bad_iri(server: LiveServer, path: str) -> None:
    """An unknown `format` is a 406 as text, also for a path that makes no IRI; that path is a 400,
    as text for RDF and as a page for a browser."""
    refused = "format='pdf' is not available here; use one of: ttl, nt, jsonld, rdf\n"
    for asked in (path, path + "%20x"):
        response = httpx.get(server.url + asked, params={"format": "pdf"}, headers={"Accept": "text/html"})
        assert (response.status_code, response.headers["content-type"], response.text) == (406, "text/plain; charset=utf-8", refused)
    iri = "https://data.monitordigitaleoverheid.nl" + path + " x"
    as_rdf = httpx.get(server.url + path + "%20x", params={"format": "ttl"})
    assert (as_rdf.status_code, as_rdf.text) == (400, f"{iri!r} is geen geldige IRI.\n")
    page = httpx.get(server.url + path + "%20x", headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert BeautifulSoup(page.text, "html.parser").find(string=f"{iri!r} is geen geldige IRI.") is not None
