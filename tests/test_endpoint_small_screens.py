"""Every page type in headless Chromium at 400 px: no sideways scroll of the page, charts at a
readable size, and nothing refused by the Content-Security-Policy or failing in the console.

Driven over the DevTools protocol (`endpoint_fixtures/cdp.py`) so the test can measure the laid
out page; skipped only when /usr/bin/chromium is absent (CI installs it).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from bs4 import BeautifulSoup

from endpoint_fixtures.cdp import CHROMIUM, Browser
from endpoint_fixtures.live import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]
B = "https://data.monitordigitaleoverheid.nl"
PAGES = {
    "home": "/", "voorziening": "/id/voorziening/digid", "indicator": "/id/indicator/digid-actieve-digids",
    "observation": "/id/observatie/2024/digid-actieve-digids/totaal/2023", "edition": "/id/editie/2024",
    "dataset": "/id/dataset/monitor-digitale-overheid", "catalogue": "/catalogus", "vocabulary": "/def/mdo",
    "graph": "/graph/codes", "query": "/query?example=09-herkomst-van-een-cijfer",
    "query-result": "/query?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2020",
}
# The widest right edge of any element outside a box that scrolls (or, the editor, clips) by itself.
OVERFLOW = ("[...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll, figure.chart, .CodeMirror'))"
            ".map(e => Math.ceil(e.getBoundingClientRect().right)).reduce((a, b) => Math.max(a, b), 0)")


@pytest.fixture(scope="module")
def server(live_build: LiveServer) -> LiveServer:
    """The session's server over the real build (conftest): these tests only read from it."""
    return live_build


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_no_sideways_scroll_at_400_px(server: LiveServer, browser: Browser, path: str) -> None:
    page = browser.open(server.url + path, width=400)
    assert page.eval("document.documentElement.scrollWidth") <= 400
    assert page.eval(OVERFLOW) <= 400
    assert page.problems() == []


def test_charts_stay_readable_at_400_px(server: LiveServer, browser: Browser) -> None:
    page = browser.open(server.url + "/id/voorziening/digid", width=400)
    assert page.eval("Math.min(...[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width))") >= 450
    assert page.eval("document.querySelector('svg.chart text.year').getBoundingClientRect().height") >= 9
    assert page.eval("document.documentElement.scrollWidth") <= 400  # the chart scrolls in its figure


def test_the_404_page_is_dutch_and_styled(server: LiveServer, browser: Browser) -> None:
    page = browser.open(server.url + "/bestaat/niet", width=400)
    assert page.eval("document.title") == "Niet gevonden · linked data"
    assert page.eval("getComputedStyle(document.querySelector('header.site')).backgroundColor") == "rgb(1, 104, 155)"


# -- the query page with its script -----------------------------------------------------------------
def cells(page: object, column: int) -> list[str]:
    return page.eval(f"[...document.querySelectorAll('#results table.results tbody tr:not([hidden])')]"  # type: ignore[attr-defined]
                     f".map(r => r.cells[{column}].textContent)")


def test_query_runs_in_the_page_sorts_pages_and_shares(server: LiveServer, browser: Browser) -> None:
    page = browser.open(server.url + "/query?example=12-beheerders", width=1200)
    page.eval("document.querySelector('#query-form button[type=submit]:not([formaction])').click()")
    page.wait_until("document.querySelector('#results table.results') !== null")
    assert page.eval("location.search.startsWith('?query=') && location.hash === '#run'")
    columns = page.eval("[...document.querySelectorAll('#results thead th')].map(th => th.textContent)")
    assert columns == ["beheerder", "voorziening", "notatie"]
    assert page.eval("document.querySelector('#results p.count').textContent").startswith("35 rijen")
    shared, drawn = page.eval("location.href"), page.eval("document.querySelector('#results tbody').innerHTML")
    page.eval("document.querySelectorAll('#results thead th button.sort')[1].click()")
    names = cells(page, 1)
    assert names == sorted(names, key=str.lower) and "DigiD" in names
    page.eval("document.querySelectorAll('#results thead th button.sort')[1].click()")
    assert cells(page, 1) == sorted(names, key=str.lower, reverse=True)
    assert page.eval("document.querySelector('#results nav.pager').hidden")  # 35 rows: one page
    again = browser.open(shared, width=1200)
    again.wait_until("document.querySelector('#results table.results') !== null")
    assert again.eval("document.querySelector('#results tbody').innerHTML") == drawn
    assert page.problems() == [] and again.problems() == []


def test_long_results_page_and_values_are_drawn_as_without_script(server: LiveServer, browser: Browser) -> None:
    query = "SELECT ?o ?waarde WHERE { ?o <https://data.monitordigitaleoverheid.nl/def/mdo#waarde> ?waarde } ORDER BY ?o LIMIT 120"
    address = server.url + "/query?" + urlencode({"query": query})
    plain = BeautifulSoup(httpx.get(address, headers={"Accept": "text/html"}).text, "html.parser")
    page = browser.open(address + "#run", width=1200)
    page.wait_until("document.querySelector('#results nav.pager') !== null")
    assert page.eval("document.querySelector('#results nav.pager span').textContent") == "pagina 1 van 3"
    assert len(cells(page, 1)) == 50
    page.eval("document.querySelector('#results nav.pager button:last-child').click()")
    assert cells(page, 1) == [tr.find_all("td")[1].text for tr in plain.select("table.results tbody tr")][50:100]
    assert all("." in v or len(v) < 4 for v in cells(page, 1))  # Dutch numbers, as the server draws them


EDITOR = "document.querySelector('.CodeMirror').CodeMirror"


def completions(page: object, text: str) -> list[str]:
    """What the editor offers at the end of `text`."""
    page.eval(f"(() => {{ const cm = {EDITOR}; cm.setValue({text!r}); cm.focus(); "  # type: ignore[attr-defined]
              "cm.setCursor(cm.lineCount(), 0); cm.autocomplete(); })()")
    return page.wait_until("(() => { const items = [...document.querySelectorAll('.CodeMirror-hints li')]"  # type: ignore[attr-defined]
                           ".map(li => li.textContent); return items.length ? items : null; })()")


@pytest.mark.skipif(not (Path(__file__).resolve().parents[1] / "node_modules" / "@triply" / "yasqe").is_dir(),
                    reason="needs `make` to install the editor from npm (npm ci)")
def test_the_editor_highlights_and_completes_from_this_dataset(server: LiveServer, browser: Browser) -> None:
    page = browser.open(server.url + "/query?example=12-beheerders", width=1200)
    page.wait_until("document.querySelector('.CodeMirror') !== null")
    assert page.eval("document.querySelector('textarea#query').hidden")
    assert page.eval("document.querySelectorAll('.CodeMirror .cm-keyword').length") > 3  # SELECT, WHERE, ...
    prefix = "PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>\n"
    assert "mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>" in completions(page, "PREFIX md")
    assert completions(page, prefix + "SELECT * WHERE { ?s a mdo:Voor") == ["mdo:Voorziening"]
    assert completions(page, prefix + "SELECT * WHERE { ?s mdo:waa") == ["mdo:waarde"]
    page.eval(f"{EDITOR}.setValue('SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{B}/def/mdo#Voorziening> }}')")
    page.eval("document.querySelector('#query-form button[type=submit]:not([formaction])').click()")
    assert page.wait_until("(document.querySelector('#results table.results td') || {}).textContent") == "41"
    assert page.problems() == []  # no CSP refusal, no request to prefix.cc or LOV (there is no network)
