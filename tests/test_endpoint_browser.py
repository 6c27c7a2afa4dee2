"""Headless Chromium renders the query page (with its bundled JS), a voorziening page, and hostile data.

Skipped only when /usr/bin/chromium is absent; CI installs it. The browser gets no network
beyond the loopback server, so a page that needed a CDN would show it here.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import quote

import httpx
import pytest
from bs4 import BeautifulSoup

from endpoint_fixtures.cdp import CHROMIUM, Browser
from endpoint_fixtures.live import FIXTURE_TRIG, LiveServer, serve

# The query page's script has put a table of results in place of its "Bezig…" (it does so before
# the load event, so a table seen after it is the one the script drew).
DRAWN = "document.querySelector('#results table.results tbody tr') !== null"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(live_build: LiveServer) -> LiveServer:
    """The session's server over the real build (conftest): these tests only read from it."""
    return live_build


def rendered(browser: Browser, url: str, ready: str = "true") -> BeautifulSoup:
    """The page at `url` as the browser has it once loaded and `ready` (a script expression) holds."""
    page = browser.open(url)
    page.wait_until(ready)
    return BeautifulSoup(page.html(), "html.parser")


def test_query_page_runs_a_query_with_its_script(server: LiveServer, browser: Browser) -> None:
    # The script reads #run in the URL, runs the example through /sparql and draws the table.
    dom = rendered(browser, server.url + "/query?example=09-herkomst-van-een-cijfer#run", DRAWN)
    assert dom.find("textarea", id="query").text.startswith("# title: Waar staat dit cijfer in het rapport?")
    table = dom.select_one("#results table.results")
    assert table is not None, dom.select_one("#results")
    assert [th.text for th in table.select("thead th")] == ["editie", "waarde", "bestand", "regel", "rijlabel", "afgedrukt"]
    rows = [[td.text for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    assert [r[:4] for r in rows] == [["2020", "15.023.119", "sources/mdo-2020.txt", "286"],
                                     ["2024", "15.023.119", "sources/mdo-2024.txt", "149"]]
    assert dom.select_one("#results p.count").text.startswith("2 rijen")


def test_voorziening_page_renders_charts(server: LiveServer, browser: Browser) -> None:
    dom = rendered(browser, server.url + "/id/voorziening/digid")
    assert dom.h1.text == "DigiD"
    charts = dom.select("article.indicator svg.chart")
    assert len(charts) == len(dom.select("article.indicator")) == 10  # of its 13 indicators, the first page
    article = dom.find("article", id="digid-actieve-digids")
    assert len(article.select("svg circle.point")) == 8  # 2017-2019 (2020) and 2019-2023 (2024)
    shot = browser.open(server.url + "/id/voorziening/digid", width=1200, height=2000).screenshot()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(shot) > 20000


# -- hostile data and queries: rendered, never run ---------------------------------------------
B = "https://data.monitordigitaleoverheid.nl"
MARK = "document.documentElement.setAttribute('data-pwned','{}')"
HOSTILE_TRIG = f"""
@prefix mdo: <{B}/def/mdo#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
<{B}/graph/codes> {{
<{B}/id/voorziening/xss> a mdo:Voorziening ;
  skos:prefLabel "X\\"><img src=x onerror=\\"{MARK.format('label')}\\">"@nl ;
  mdo:domein <{B}/id/domein/identificeren-authenticeren> ;
  foaf:homepage <javascript:{MARK.format('homepage')}> ;
  rdfs:seeAlso <data:text/html,%3Cscript%3E{MARK.format("data")}%3C/script%3E> .
<{B}/id/indicator/xss> a mdo:Indicator ; mdo:voorziening <{B}/id/voorziening/xss> ;
  skos:prefLabel "I\\" onload=\\"{MARK.format('aria')}\\" x=\\"</title><script>{MARK.format('svg')}</script>"@nl ;
  sdmx-attribute:unitMeasure <{B}/id/eenheid/aantal> .
}}
<{B}/graph/editie/2024> {{
<{B}/id/observatie/xss/2022> a qb:Observation ; mdo:indicator <{B}/id/indicator/xss> ;
  mdo:voorziening <{B}/id/voorziening/xss> ; mdo:jaar <{B}/id/jaar/2022> ; mdo:editie <{B}/id/editie/2024> ;
  mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:waarde 3 .
<{B}/id/observatie/xss/2023> a qb:Observation ; mdo:indicator <{B}/id/indicator/xss> ;
  mdo:voorziening <{B}/id/voorziening/xss> ; mdo:jaar <{B}/id/jaar/2023> ; mdo:editie <{B}/id/editie/2024> ;
  mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:waarde 5 .
}}
"""
REFLECTED = ("SELECT ?x ?l WHERE { BIND(IRI(\"javascript:" + MARK.format("iri") + "\") AS ?x) "
             "BIND(\"<img src=x onerror=\\\"" + MARK.format("literal") + "\\\">\" AS ?l) }")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("hostile")
    data = folder / "mdo.trig"
    data.write_text(FIXTURE_TRIG.read_text(encoding="utf-8") + HOSTILE_TRIG, encoding="utf-8")
    yield from serve(data, in_memory=True)  # forked workers: no store to build, no Python to start for each


def assert_nothing_ran(dom: BeautifulSoup) -> None:
    assert dom.html is not None and not dom.html.has_attr("data-pwned"), dom.html.get("data-pwned")
    assert not dom.select("img[onerror], script:not([src]), [onload]")  # no markup got in
    links = [a.get("href", "") for a in dom.find_all("a")]
    assert links and all(h.startswith(("/", "http://", "https://", "#")) for h in links), links


@pytest.mark.parametrize("path", [
    "/id/voorziening/xss", "/id/indicator/xss", "/", "/query?query=" + quote(REFLECTED),
    "/query?query=" + quote(REFLECTED) + "#run",
], ids=["voorziening", "resource", "home", "query-page", "query-script"])
def test_hostile_labels_and_iris_run_no_script(hostile: LiveServer, browser: Browser, path: str) -> None:
    # With #run the script has drawn the result again from /sparql; without, the page is as loaded.
    dom = rendered(browser, hostile.url + path, DRAWN if path.endswith("#run") else "true")
    assert_nothing_ran(dom)
    text = dom.get_text()
    if path == "/id/voorziening/xss":
        assert dom.h1.text.startswith('X"><img src=x onerror=')  # the label, shown as text
        assert "javascript:" + MARK.format("homepage") in text  # the IRI, shown, not linked
        assert dom.select_one("svg.chart")["aria-label"].startswith('I" onload=')
    if path.startswith("/query"):
        assert "javascript:" + MARK.format("iri") in text and "<img src=x onerror=" in text
        assert dom.select("#results table.results tbody tr")


def test_pages_carry_a_strict_content_security_policy(hostile: LiveServer) -> None:
    for path in ("/", "/id/voorziening/xss", "/query", "/sparql?query=ASK%20%7B%7D", "/static/query.js"):
        response = httpx.get(hostile.url + path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
