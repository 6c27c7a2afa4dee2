"""Headless Chromium renders the query page (with its bundled JS) and a voorziening page.

Skipped only when /usr/bin/chromium is absent; CI installs it. The browser gets no network
beyond the loopback server, so a page that needed a CDN would show it here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from bs4 import BeautifulSoup

from endpoint_fixtures.live import LiveServer, serve

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(built_trig: Path) -> Iterator[LiveServer]:
    yield from serve(built_trig)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def rendered(tmp_path: Path, url: str) -> BeautifulSoup:
    result = chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", url)
    return BeautifulSoup(result.stdout, "html.parser")


def test_query_page_runs_a_query_with_its_script(server: LiveServer, tmp_path: Path) -> None:
    # The script reads #run in the URL, runs the example through /sparql and draws the table.
    dom = rendered(tmp_path, server.url + "/query?example=09-herkomst-van-een-cijfer#run")
    assert dom.find("textarea").text.startswith("# title: Waar staat dit cijfer in het rapport?")
    table = dom.select_one("#results table.results")
    assert table is not None, dom.select_one("#results")
    assert [th.text for th in table.select("thead th")] == ["editie", "waarde", "bestand", "regel", "rijlabel", "afgedrukt"]
    rows = [[td.text for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    assert [r[:4] for r in rows] == [["2020", "15023119", "sources/mdo-2020.txt", "286"],
                                     ["2024", "15023119", "sources/mdo-2024.txt", "149"]]
    assert dom.select_one("#results p.count").text.startswith("2 rijen")


def test_voorziening_page_renders_charts(server: LiveServer, tmp_path: Path) -> None:
    dom = rendered(tmp_path, server.url + "/id/voorziening/digid")
    assert dom.h1.text == "DigiD"
    charts = dom.select("article.indicator svg.chart")
    assert len(charts) == len(dom.select("article.indicator")) > 10
    article = dom.find("article", id="digid-actieve-digids")
    assert len(article.select("svg circle.point")) == 8  # 2017-2019 (2020) and 2019-2023 (2024)
    shot = tmp_path / "digid.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", server.url + "/id/voorziening/digid")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20000
