"""Pages, resources, downloads, the catalogue and the example queries on the real data.

The server runs over `built_trig` (the freshly built TriG of both editions, from conftest), so
the figures asserted here are the ones printed in the sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup

from mdo.settings import load_settings
from endpoint.examples import load_examples
from endpoint_fixtures.live import TLS, LiveServer

B = "https://data.monitordigitaleoverheid.nl"
EXAMPLES = load_examples(load_settings().queries_dir)


@pytest.fixture(scope="module")
def server(live_build: LiveServer) -> LiveServer:
    """The session's server over the real build (conftest): these tests only read from it."""
    return live_build


def html(server: LiveServer, path: str) -> BeautifulSoup:
    response = httpx.get(server.url + path, headers={"Accept": "text/html"}, timeout=30, verify=TLS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


# -- home ------------------------------------------------------------------------------------
def test_home_counts_domains_downloads(server: LiveServer) -> None:
    page = html(server, "/")
    counts = {dd["data-count"]: int(dd.text.replace(".", "")) for dd in page.select("dd[data-count]")}  # 1.251
    assert counts["edities"] == 2
    assert counts["jaren"] == 7  # 2017..2023
    assert counts["voorzieningen"] == 41
    assert counts["indicatoren"] == 175
    assert counts["observaties"] > 1000
    domains = [h.get_text(" ", strip=True) for h in page.select("h3.domain")]
    assert domains == ["A. Identificeren en authenticeren", "B. Dienstverlening en informatie verstrekken",
                       "C. Gegevens en registreren", "D. Dienstverlening en verbinden"]
    links = {a.text: a["href"] for a in page.select("#voorzieningen a")}
    assert links["DigiD"] == "/id/voorziening/digid"
    assert links["Digilevering"] == "/id/voorziening/digilevering"
    downloads = [a.text for a in page.select("ul.downloads a")]
    assert downloads == ["mdo.trig", "mdo.nq", "mdo.ttl", "mdo.nt", "mdo.jsonld", "observations.csv", "quality.md",
                         "catalogus.ttl"]


# -- a voorziening page ----------------------------------------------------------------------
def figures(page: BeautifulSoup, indicator: str) -> dict[tuple[int, str], dict[str, str]]:
    article = page.find("article", id=indicator)
    assert article is not None, indicator
    rows = {}
    for tr in article.select("tr.figure"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        rows[(int(tr["data-year"]), tr["data-edition"])] = dict(zip(
            ["year", "edition", "value", "status", "source", "raw"], cells))
    return rows


def test_digid_page_chart_and_sources(server: LiveServer) -> None:
    response = httpx.get(server.url + "/id/voorziening/digid", headers={"Accept": "text/html"})
    assert 'rel="alternate"; type="text/turtle"' in response.headers["link"]
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1.text == "DigiD"
    rows = figures(page, "digid-actieve-digids")
    assert rows[(2019, "2020")]["value"] == "15.023.119"
    assert rows[(2019, "2024")]["value"] == "15.023.119"
    assert rows[(2019, "2020")]["source"] == "sources/mdo-2020.txt:286"
    assert rows[(2019, "2024")]["source"] == "sources/mdo-2024.txt:149"
    assert rows[(2019, "2024")]["raw"].endswith("15.023.119")
    assert rows[(2023, "2024")]["value"] == "17.179.883"
    chart = page.find("article", id="digid-actieve-digids").find("svg")
    points = {(c["data-year"], c["data-value"]) for c in chart.select("circle.point")}
    assert ("2019", "1.50231e+07") in points or ("2019", "15023119") in points
    assert {t.text for t in chart.select("text.legend")} == {"editie 2020", "editie 2024"}
    assert [t.text for t in chart.select("text.year")] == [str(y) for y in range(2017, 2024)]
    publisher = page.select("a.link-beheerder")
    assert [a.text for a in publisher] == ["Logius"]


def test_a_cell_without_a_figure_is_shown_and_described(server: LiveServer) -> None:
    """The 2020 edition prints '-' for 2017 (sources/mdo-2020.txt:292): no observation, a
    mdo:OntbrekendCijfer, shown in its series with its status and source."""
    page = html(server, "/id/voorziening/digid")
    article = page.find("article", id="digid-accounts-substantieel")
    row = next(tr for tr in article.select("tr.figure") if (tr["data-year"], tr["data-edition"]) == ("2017", "2020"))
    assert row.select_one("td.status").get_text(strip=True) == "Niet beschikbaar"
    assert row.select_one("td.source").get_text(strip=True) == "sources/mdo-2020.txt:292"
    href = row.select_one("td.value a")["href"]
    assert href == "/id/ontbrekend-cijfer/2020/digid-accounts-substantieel/totaal/2017"
    described = html(server, href)
    types = described.select("p.iri a")
    assert [(a.text, a["title"]) for a in types] == [("Ontbrekend cijfer", "https://data.monitordigitaleoverheid.nl/def/mdo#OntbrekendCijfer")]


def test_bsn_revision_is_visible(server: LiveServer) -> None:
    page = html(server, "/id/voorziening/beheervoorziening-bsn")
    article = next(a for a in page.select("article.indicator") if "BV BSN" in a.h3.text)
    rows = {(int(tr["data-year"]), tr["data-edition"]): tr for tr in article.select("tr.figure")}
    assert rows[(2019, "2020")].select_one("td.value a").text == "500"
    assert rows[(2019, "2024")].select_one("td.value a").text == "2.910"
    assert rows[(2019, "2024")].select_one(".revised") is not None
    assert rows[(2019, "2020")].select_one(".revised") is None


def test_links_to_nora_and_feeds(server: LiveServer) -> None:
    hr = html(server, "/id/voorziening/hr")
    assert [a["href"] for a in hr.select("a.link-nora")] == ["https://www.noraonline.nl/wiki/NHR_(Basisregistratie_Handelsregister)"]
    digilevering = html(server, "/id/voorziening/digilevering")
    assert sorted(a["href"] for a in digilevering.select("a.link-gevoed-door")) == [
        "/id/voorziening/bag", "/id/voorziening/brk", "/id/voorziening/brp", "/id/voorziening/hr", "/id/voorziening/woz"]
    sc = html(server, "/id/voorziening/samenwerkende-catalogi")
    assert [a["href"] for a in sc.select("a.link-stelselcatalogus")] == [
        "http://opendata.stelselcatalogus.nl/id/registratie/SCa"]


def test_a_voorziening_pages_its_indicators(server: LiveServer) -> None:
    """Digilevering has 15 indicators: ten on the first page, in label order, with their charts,
    five on the second; a page number past the end shows the last page, one that is no number
    the first. (A voorziening of a large cube has hundreds: the page reads only those it shows.)"""
    first = html(server, "/id/voorziening/digilevering")
    ids = [a["id"] for a in first.select("article.indicator")]
    assert ids == [f"digilevering-{slug}" for slug in (
        "bag-berichten-vanuit-digilevering-verzonden", "brk-berichten-vanuit-digilevering-verzonden",
        "brp-berichten-vanuit-digilevering-verzonden", "hr-berichten-vanuit-digilevering-verzonden",
        "lrza-berichten-vanuit-digilevering-verzonden", "woz-berichten-digilevering",
        "woz-berichten-vanuit-digilevering-verzonden", "aangesloten-basisregistraties",
        "berichten-vanuit-brk-geleverd-digilevering", "berichten-vanuit-bag-geleverd-digilevering")]
    assert len(first.select("article.indicator figure.chart svg")) == 10
    assert "(15, 1 van 2 pagina's)" in first.select_one("#indicatoren h2").get_text()
    assert first.select_one("#indicatoren nav.pager a[rel=next]")["href"] == "?pagina=2#indicatoren"
    second = html(server, "/id/voorziening/digilevering?pagina=2")
    assert [a["id"] for a in second.select("article.indicator")] == [
        "digilevering-berichten-vanuit-brp-geleverd-digilevering", "digilevering-berichten-vanuit-hr-geleverd-digilevering",
        "digilevering-berichten-vanuit-lrza-geleverd", "digilevering-aangesloten-overheidsorganisaties",
        "digilevering-berichten"]
    assert second.select_one("#indicatoren nav.pager a[rel=prev]")["href"] == "?pagina=1#indicatoren"
    assert second.select_one("#indicatoren nav.pager a[rel=next]") is None
    past = html(server, "/id/voorziening/digilevering?pagina=99")
    assert [a["id"] for a in past.select("article.indicator")] == [a["id"] for a in second.select("article.indicator")]
    nonsense = html(server, "/id/voorziening/digilevering?pagina=x")
    assert [a["id"] for a in nonsense.select("article.indicator")] == ids
    digid = html(server, "/id/voorziening/digid")  # 13 indicators: two pages as well
    assert len(digid.select("article.indicator")) == 10


# -- resources by content negotiation --------------------------------------------------------
OBS = "/id/observatie/2024/digid-actieve-digids/totaal/2019"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                        ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_observation_as_rdf(server: LiveServer, accept: str, fmt: ox.RdfFormat) -> None:
    response = httpx.get(server.url + OBS, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert f'<{OBS}>; rel="alternate"; type="text/html"' in response.headers["link"]
    triples = list(ox.parse(response.content, format=fmt))
    value = [t.object for t in triples if t.predicate.value.endswith("#waarde")]
    assert value == [ox.Literal("15023119", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))]
    assert {t.subject.value for t in triples} == {B + OBS}


def test_observation_as_html_and_format_parameter(server: LiveServer) -> None:
    page = html(server, OBS)
    assert page.find("link", rel="alternate", type="text/turtle")["href"] == OBS + "?format=ttl"
    values = [td.get_text(strip=True) for th, td in
              ((tr.th, tr.td) for tr in page.select("table.properties tr")) if th and th.a and th.a["title"] == "mdo:waarde"]
    assert values == ["15.023.119"]
    turtle = httpx.get(server.url + OBS + "?format=ttl", headers={"Accept": "text/html"})
    assert turtle.headers["content-type"].startswith("text/turtle")


def test_a_code_used_by_every_figure_pages_its_references(server: LiveServer) -> None:
    """The 2024 edition is the mdo:editie of each of its figures and source cells (far over 100):
    its page reads only the 100 it shows (and one more, to know there is a next page) and links
    the next page; a code used less is shown whole, on one page."""
    page = html(server, "/id/editie/2024")
    assert len(page.select("table.incoming td div")) == 100
    pager = page.select_one("nav.pager")
    assert pager is not None and pager.select_one("a[rel=next]")["href"] == "?pagina=2#verwijzingen"
    assert "meer dan 100" in page.select_one("#verwijzingen").get_text()
    second = html(server, "/id/editie/2024?pagina=2")
    assert len(second.select("table.incoming td div")) == 100
    assert second.select_one("nav.pager a[rel=prev]")["href"] == "?pagina=1#verwijzingen"
    domain = html(server, "/id/domein/identificeren-authenticeren")
    assert 0 < len(domain.select("table.incoming td div")) < 100
    assert domain.select_one("nav.pager") is None


def test_unknown_resource_is_404(server: LiveServer) -> None:
    assert httpx.get(server.url + "/id/voorziening/bestaat-niet", headers={"Accept": "text/html"}).status_code == 404
    assert httpx.get(server.url + "/id/voorziening/bestaat-niet", headers={"Accept": "text/turtle"}).status_code == 404


# -- downloads and catalogue -----------------------------------------------------------------
@pytest.mark.parametrize("name,media", [("mdo.trig", "application/trig"), ("mdo.nq", "application/n-quads"),
                                        ("mdo.ttl", "text/turtle"), ("mdo.nt", "application/n-triples"),
                                        ("mdo.jsonld", "application/ld+json")])
def test_downloads_are_the_files_next_to_the_data(server: LiveServer, built_trig: Path, name: str, media: str) -> None:
    response = httpx.get(server.url + "/download/" + name)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert response.content == (built_trig.parent / name).read_bytes()


def test_download_of_other_files_is_404(server: LiveServer) -> None:
    assert httpx.get(server.url + "/download/observations-rejects.csv").status_code == 404
    assert httpx.get(server.url + "/download/..%2Fmdo.trig").status_code == 404


def test_catalogue(server: LiveServer, built_trig: Path) -> None:
    response = httpx.get(server.url + "/catalogus", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.content == (built_trig.parent / "catalogus.ttl").read_bytes()
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    assert ox.NamedNode("http://www.w3.org/ns/dcat#Catalog") in {t.object for t in triples}
    browser = httpx.get(server.url + "/catalogus", headers={"Accept": "text/html"})
    assert browser.status_code == 200 and browser.headers["content-type"].startswith("text/html")


# -- the example queries ---------------------------------------------------------------------
def _rows(data: dict[str, Any]) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def _has(**expected: str) -> Callable[[list[dict[str, str]]], bool]:
    return lambda rows: any(all(r.get(k) == v for k, v in expected.items()) for r in rows)


EXPECTED: dict[str, Callable[[list[dict[str, str]]], bool]] = {
    "01-reeks-van-een-voorziening": _has(indicator="Aantal actieve DigiD's", jaar="2019", waarde="15023119",
                                         editie="Monitor Digitale Overheid 2024"),
    "02-groei-boven-20-procent": _has(voorziening="DigiD", indicator="Aantal actieve DigiD's", jaar="2020",
                                      vorige="15023119", waarde="18320835", groei="22"),
    "03-herzieningen-tussen-edities": _has(jaar="2019", oudeEditie="2020", oud="500", nieuweEditie="2024",
                                           nieuw="2910", verschil="2410"),
    "04-digilevering-bronnen": lambda rows: sorted(r["notatie"] for r in rows) == ["bag", "brk", "brp", "hr", "woz"],
    "05-links-naar-nora": _has(nora="https://www.noraonline.nl/wiki/NHR_(Basisregistratie_Handelsregister)"),
    "06-hernoemde-indicatoren": lambda rows: any(
        r["label"] == "Aantal actieve DigiD's" and r["vormen"] == "2"
        and set(r["afgedrukt"].split(" | ")) == {"Aantal actieve DigiD's", "Aantal actieve DigiD’s"} for r in rows),
    "07-afwijkende-status": _has(status="gecorrigeerd", indicator="Aantal authenticaties op Basis", jaar="2019",
                                 editie="2024", waarde="223949536", afgedrukt="223.949.53"),
    "08-voorzieningen-per-domein": _has(domein="Identificeren en authenticeren", voorzieningen="6"),
    "09-herkomst-van-een-cijfer": lambda rows: [(r["editie"], r["waarde"], r["bestand"], r["regel"], r["afgedrukt"])
                                                for r in rows] == [
        ("2020", "15023119", "sources/mdo-2020.txt", "286", "15.023.119"),
        ("2024", "15023119", "sources/mdo-2024.txt", "149", "15.023.119")],
    "10-laatste-stand": _has(indicator="Aantal actieve DigiD's", jaar="2023", waarde="17179883"),
    "11-stelselcatalogus": _has(stelselcatalogus="http://opendata.stelselcatalogus.nl/id/registratie/SCa"),
    "12-beheerders": _has(beheerder="Logius", voorziening="DigiD", notatie="digid"),
    "13-bevindingen": lambda rows: any(
        r["soort"] == "change-mismatch" and r["regel"] == "205" and "93,8%" in r["toelichting"]
        and r["waarneming"].endswith("/id/observatie/2024/bsn-koppelpunt-pseudoniemen-authenticatiemiddelen-bsn-activiteiten/totaal/2023")
        for r in rows),
}


def test_at_least_ten_examples_each_with_an_expectation() -> None:
    assert len(EXAMPLES) >= 10
    assert sorted(e.name for e in EXAMPLES) == sorted(EXPECTED)
    for example in EXAMPLES:
        assert example.text.startswith("# title: ")
        assert example.text.splitlines()[1].startswith("# description: ")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_query_gives_its_result(server: LiveServer, example: Any) -> None:
    response = httpx.post(server.url + "/sparql", data={"query": example.text},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60, verify=TLS)
    assert response.status_code == 200, response.text
    assert "MDO-Result-Truncated" not in response.headers
    rows = _rows(response.json())
    assert EXPECTED[example.name](rows), rows[:5]


def test_query_page_lists_examples_and_renders_results_without_js(server: LiveServer) -> None:
    page = html(server, "/query?example=09-herkomst-van-een-cijfer")
    assert page.find("textarea").text.startswith("# title: Waar staat dit cijfer in het rapport?")
    assert len(page.select("ul.examples li")) == len(EXAMPLES)
    assert not page.find_all("script", src=lambda s: s and s.startswith("http"))
    assert not page.find_all("link", href=lambda h: h and h.startswith("http"))
    example = next(e for e in EXAMPLES if e.name == "09-herkomst-van-een-cijfer")
    results = html(server, "/query?" + httpx.QueryParams({"query": example.text}).__str__())
    table = results.select_one("table.results")
    assert [th.text for th in table.select("thead th")] == ["editie", "waarde", "bestand", "regel", "rijlabel", "afgedrukt"]
    assert [td.get_text(strip=True) for td in table.select("tbody tr")[1].find_all("td")][:4] == [
        "2024", "15.023.119", "sources/mdo-2024.txt", "149"]


def test_query_page_shows_syntax_errors(server: LiveServer) -> None:
    response = httpx.get(server.url + "/query", params={"query": "SELECT * {"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("p.error").text.startswith("Syntax error: error at 1:")
