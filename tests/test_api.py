"""The REST API under /api/v1 on a live server over the real data, checked against /sparql.

Each endpoint's answer is compared with the same question asked through the SPARQL endpoint in
a query written here (not the API's own), so the API can neither lose nor invent a figure. The
OpenAPI document is linted with Spectral and the NL GOV API Design Rules' own ruleset.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from mdo.settings import load_settings
from endpoint.examples import load_examples
from endpoint_fixtures.cdp import Browser
from endpoint_fixtures.live import TLS, LiveServer

B = "https://data.monitordigitaleoverheid.nl"
API = "/api/v1"
ROOT = Path(__file__).resolve().parents[1]
RULESET = ROOT / ".." / "shared" / "standards" / "nlgov-adr" / "linter.yaml"
SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
EXAMPLES = load_examples(load_settings().queries_dir)
PREFIXES = """PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@pytest.fixture(scope="module")
def server(live_build: LiveServer) -> LiveServer:
    """The session's server over the real build (conftest): these tests only read from it."""
    return live_build


def get(server: LiveServer, path: str, **headers: str) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers, timeout=60, verify=TLS)


def body(server: LiveServer, path: str) -> Any:
    response = get(server, path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def every_page(server: LiveServer, path: str, key: str) -> list[dict[str, Any]]:
    """The items of a list, following its `next` links to the end."""
    items: list[dict[str, Any]] = []
    href: str | None = path
    while href:
        page = body(server, href)
        items += page[key]
        href = page["_links"].get("next", {}).get("href")
    return items


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + "integer": int, XSD + "int": int, XSD + "long": int, XSD + "decimal": float, XSD + "double": float}


def typed(binding: dict[str, str]) -> Any:
    """A SPARQL JSON binding as the API's JSON gives it: numbers as numbers, booleans as booleans."""
    datatype = binding.get("datatype", "")
    if datatype in NUMBERS:
        return NUMBERS[datatype](binding["value"])
    if datatype == XSD + "boolean":
        return binding["value"] == "true"
    return binding["value"]


def bindings(server: LiveServer, query: str) -> list[dict[str, dict[str, str]]]:
    """The SPARQL JSON bindings of `query`, from the endpoint."""
    response = httpx.post(server.url + "/sparql", data={"query": query},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60, verify=TLS)
    assert response.status_code == 200, response.text
    found: list[dict[str, dict[str, str]]] = response.json()["results"]["bindings"]
    return found


def sparql_typed(server: LiveServer, query: str) -> list[dict[str, Any]]:
    return [{k: typed(v) for k, v in b.items()} for b in bindings(server, query)]


def sparql(server: LiveServer, query: str) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in bindings(server, query)]


# -- the resources, against /sparql ------------------------------------------------------------
def test_the_digid_series_is_the_one_sparql_gives(server: LiveServer) -> None:
    api = every_page(server, f"{API}/indicatoren/digid-actieve-digids/observaties?alleenActueel=true&uitsplitsing=totaal"
                             "&paginaGrootte=3", "observaties")
    rows = sparql(server, PREFIXES + """SELECT ?o ?jaar ?editie ?waarde WHERE {
        ?o mdo:indicator <%s/id/indicator/digid-actieve-digids> ; mdo:actueel true ; mdo:waarde ?waarde ;
           mdo:uitsplitsing <%s/id/uitsplitsing/totaal> ; mdo:jaar/skos:notation ?jaar ; mdo:editie/skos:notation ?editie }
        """ % (B, B))
    assert sorted((o["id"], str(o["jaar"]), o["editie"], str(o["waarde"])) for o in api) == sorted(
        (r["o"], r["jaar"], r["editie"], r["waarde"]) for r in rows)
    assert [o["jaar"] for o in api] == [2017, 2018, 2019, 2020, 2021, 2022, 2023]  # oldest first
    figure = next(o for o in api if o["jaar"] == 2019)
    assert (figure["waarde"], figure["editie"], figure["bronBestand"], figure["bronRegel"]) == (
        15023119, "2024", "sources/mdo-2024.txt", 149)
    assert figure["_links"]["linkedData"]["href"] == "/id/observatie/2024/digid-actieve-digids/totaal/2019"
    assert figure["_links"]["indicator"]["href"] == f"{API}/indicatoren/digid-actieve-digids"


def test_the_revisions_are_the_ones_sparql_gives(server: LiveServer) -> None:
    revisions = sparql(server, PREFIXES + "SELECT ?new ?old ?i WHERE { ?new mdo:herziet ?old ; mdo:indicator ?i }")
    assert revisions
    indicator = sorted(r["i"] for r in revisions)[0].rsplit("/", 1)[-1]
    api = every_page(server, f"{API}/indicatoren/{indicator}/observaties?paginaGrootte=500", "observaties")
    assert {(o["id"], o["herziet"]) for o in api if o["herziet"]} == {
        (r["new"], r["old"]) for r in revisions if r["i"].endswith("/" + indicator)}
    # the saved query 03 gives the revisions as /sparql does, row for row
    example = next(e for e in EXAMPLES if e.name == "03-herzieningen-tussen-edities")
    saved = body(server, f"{API}/queries/{example.name}?paginaGrootte=500")
    assert [{k: v for k, v in row.items() if v is not None} for row in saved["rijen"]] == sparql_typed(server, example.text)


def test_the_findings_of_an_edition_are_the_ones_sparql_gives(server: LiveServer) -> None:
    api = every_page(server, f"{API}/bevindingen?editie=2024&paginaGrootte=10", "bevindingen")
    rows = sparql(server, PREFIXES + f"""SELECT ?b ?soort ?regel ?betreft WHERE {{
        ?b a mdo:Bevinding ; mdo:editie <{B}/id/editie/2024> ; mdo:soort ?soort ; mdo:regel ?regel .
        OPTIONAL {{ ?b mdo:betreft ?betreft }} }}""")
    assert len(api) == len(rows) > 10
    assert sorted((f["id"], f["soort"], str(f["regel"]), f["betreft"]) for f in api) == sorted(
        (r["b"], r["soort"], r["regel"], r.get("betreft")) for r in rows)
    assert {f["editie"] for f in api} == {"2024"}
    mismatch = next(f for f in api if f["soort"] == "change-mismatch" and f["regel"] == 205)
    assert "93,8%" in mismatch["toelichting"]


def test_voorzieningen_and_one_voorziening(server: LiveServer) -> None:
    api = every_page(server, f"{API}/voorzieningen?paginaGrootte=15", "voorzieningen")
    rows = sparql(server, PREFIXES + "SELECT ?v WHERE { ?v a mdo:Voorziening }")
    assert sorted(v["id"] for v in api) == sorted(r["v"] for r in rows)
    assert len(api) == 41
    digid = body(server, f"{API}/voorzieningen/digid")
    assert {k: digid[k] for k in ("id", "identificatie", "naam", "domein", "domeinNaam")} == {
        "id": f"{B}/id/voorziening/digid", "identificatie": "digid", "naam": "DigiD",
        "domein": "identificeren-authenticeren", "domeinNaam": "Identificeren en authenticeren"}
    assert digid["_links"]["linkedData"]["href"] == "/id/voorziening/digid"
    assert digid == next(v for v in api if v["identificatie"] == "digid")
    linked = get(server, digid["_links"]["linkedData"]["href"], Accept="text/turtle")
    assert linked.status_code == 200 and '"digid"' in linked.text
    bag = next(v for v in api if v["identificatie"] == "bag")
    assert bag["onderdeelVan"] == "basisregistraties"
    assert body(server, bag["_links"]["onderdeelVan"]["href"])["naam"] == "Stelsel van Basisregistraties"


def test_indicators_filtered_by_voorziening_and_by_domain(server: LiveServer) -> None:
    by_voorziening = every_page(server, f"{API}/indicatoren?voorziening=digid&paginaGrootte=500", "indicatoren")
    rows = sparql(server, PREFIXES + f"SELECT ?i WHERE {{ ?i a mdo:Indicator ; mdo:voorziening <{B}/id/voorziening/digid> }}")
    assert sorted(i["id"] for i in by_voorziening) == sorted(r["i"] for r in rows)
    assert "digid-actieve-digids" in {i["identificatie"] for i in by_voorziening}
    by_domain = every_page(server, f"{API}/indicatoren?domein=gegevens-registreren&paginaGrootte=500", "indicatoren")
    rows = sparql(server, PREFIXES + f"""SELECT ?i WHERE {{ ?i a mdo:Indicator ; mdo:voorziening ?v .
        ?v mdo:domein <{B}/id/domein/gegevens-registreren> }}""")
    assert sorted(i["id"] for i in by_domain) == sorted(r["i"] for r in rows) and by_domain
    one = body(server, f"{API}/indicatoren/digid-actieve-digids")
    assert (one["naam"], one["eenheid"], one["voorziening"]) == ("Aantal actieve DigiD's", "aantal", "digid")
    assert body(server, one["_links"]["voorziening"]["href"])["naam"] == "DigiD"


def test_observation_filters(server: LiveServer) -> None:
    base = f"{API}/indicatoren/digid-actieve-digids/observaties?paginaGrootte=500"
    every = body(server, base)["observaties"]
    assert {o["editie"] for o in every} == {"2020", "2024"}
    only_2020 = body(server, base + "&editie=2020")["observaties"]
    assert only_2020 == [o for o in every if o["editie"] == "2020"]
    years = body(server, base + "&jaarVanaf=2019&jaarTot=2020")["observaties"]
    assert years == [o for o in every if 2019 <= o["jaar"] <= 2020]
    current = body(server, base + "&alleenActueel=true")["observaties"]
    assert current == [o for o in every if o["actueel"]]
    corrected = sparql(server, PREFIXES + f"""SELECT ?o WHERE {{
        ?o <http://purl.org/linked-data/sdmx/2009/attribute#obsStatus> <{B}/id/status/gecorrigeerd> ;
           mdo:indicator <{B}/id/indicator/digid-authenticaties-basis> }}""")
    status = body(server, f"{API}/indicatoren/digid-authenticaties-basis/observaties?status=gecorrigeerd")["observaties"]
    assert sorted(o["id"] for o in status) == sorted(r["o"] for r in corrected) and status
    assert body(server, f"{API}/edities")["edities"][1]["peildatum"] == "2023-12-31"


# -- paging and CSV -----------------------------------------------------------------------------
def test_pages_add_up_to_the_whole_list_and_link_to_each_other(server: LiveServer) -> None:
    whole = body(server, f"{API}/voorzieningen?paginaGrootte=500")["voorzieningen"]
    first = get(server, f"{API}/voorzieningen?paginaGrootte=20")
    page = first.json()
    assert (page["pagina"], page["paginaGrootte"], "prev" in page["_links"]) == (1, 20, False)
    assert f'<{page["_links"]["next"]["href"]}>; rel="next"' in first.headers["link"]
    second = body(server, page["_links"]["next"]["href"])
    third = body(server, second["_links"]["next"]["href"])
    assert second["_links"]["prev"]["href"] == f"{API}/voorzieningen?paginaGrootte=20&pagina=1"
    assert "next" not in third["_links"]  # 41 voorzieningen: 20 + 20 + 1
    assert page["voorzieningen"] + second["voorzieningen"] + third["voorzieningen"] == whole
    assert body(server, f"{API}/voorzieningen?pagina=9")["voorzieningen"] == []


def test_csv_by_format_parameter_and_by_accept(server: LiveServer) -> None:
    path = f"{API}/indicatoren/digid-actieve-digids/observaties?alleenActueel=true&paginaGrootte=500"
    items = body(server, path)["observaties"]
    for response in (get(server, path + "&format=csv"), get(server, path, Accept="text/csv")):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["api-version"] == "1.0.0"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert list(rows[0]) == [k for k in items[0] if k != "_links"]
        assert [(r["id"], r["jaar"], r["waarde"], r["actueel"]) for r in rows] == [
            (o["id"], str(o["jaar"]), str(o["waarde"]), "true") for o in items]
    paged = get(server, f"{API}/voorzieningen?format=csv&paginaGrootte=5")
    assert len(list(csv.DictReader(io.StringIO(paged.text)))) == 5 and 'rel="next"' in paged.headers["link"]
    saved = get(server, f"{API}/queries/08-voorzieningen-per-domein?format=csv")
    assert saved.text.splitlines()[0] == ",".join(body(server, f"{API}/queries/08-voorzieningen-per-domein")["kolommen"])


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, status, words", [
    (f"{API}/voorzieningen/bestaat-niet", 404, "bestaat-niet"),
    (f"{API}/indicatoren/bestaat-niet", 404, "bestaat-niet"),
    (f"{API}/indicatoren/bestaat-niet/observaties", 404, "bestaat-niet"),
    (f"{API}/edities/1999", 404, "1999"),
    (f"{API}/voorzieningen/DigiD%20x", 400, "id"),
    (f"{API}/indicatoren?voorziening=digid%22%20%7D", 400, "voorziening"),
    (f"{API}/indicatoren/digid-actieve-digids/observaties?jaarVanaf=twintig", 400, "jaarVanaf"),
    (f"{API}/indicatoren/digid-actieve-digids/observaties?jaarVanaf=2022&jaarTot=2019", 400, "jaarTot"),
    (f"{API}/indicatoren/digid-actieve-digids/observaties?alleenActueel=misschien", 400, "alleenActueel"),
    (f"{API}/edities?pagina=0", 400, "pagina"),
    (f"{API}/edities?paginaGrootte=100000", 400, "paginaGrootte"),
    (f"{API}/edities?format=xml", 400, "format"),
    (f"{API}/queries/bestaat-niet", 404, "bestaat-niet"),
])
def test_errors_are_problem_details(server: LiveServer, path: str, status: int, words: str) -> None:
    response = get(server, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["api-version"] == "1.0.0"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and words in problem["detail"]
    assert "Content-Security-Policy" in response.headers


def test_a_method_the_api_does_not_have_is_a_problem_too(server: LiveServer) -> None:
    response = httpx.post(server.url + f"{API}/voorzieningen", json={"naam": "x"}, timeout=30)
    assert (response.status_code, response.headers["allow"]) == (405, "GET")
    assert response.headers["content-type"] == "application/problem+json" and response.json()["status"] == 405


@pytest.mark.parametrize("path", [
    "/voorzieningen", "/voorzieningen/digid", "/indicatoren", "/indicatoren/digid-actieve-digids",
    "/indicatoren/digid-actieve-digids/observaties", "/edities", "/edities/2024", "/bevindingen", "/queries",
    "/queries/01-reeks-van-een-voorziening", "/openapi.json", "/docs"])
def test_every_answer_carries_the_api_version(server: LiveServer, path: str) -> None:
    response = get(server, API + path)
    assert response.status_code == 200
    assert response.headers["api-version"] == body(server, f"{API}/openapi.json")["info"]["version"] == "1.0.0"


# -- saved queries -------------------------------------------------------------------------------
def test_every_example_query_is_listed_and_answers_as_sparql_does(server: LiveServer) -> None:
    listed = every_page(server, f"{API}/queries?paginaGrootte=5", "queries")
    assert [q["naam"] for q in listed] == [e.name for e in EXAMPLES]
    for example, entry in zip(EXAMPLES, listed):
        assert (entry["titel"], entry["omschrijving"]) == (example.title, example.description)
        answer = body(server, entry["_links"]["self"]["href"] + "?paginaGrootte=500")
        found = bindings(server, example.text)  # one answer, read as values and as the API types them
        expected = [{k: v["value"] for k, v in b.items()} for b in found]
        assert [{k: v for k, v in row.items() if v is not None} for row in answer["rijen"]] == [
            {k: typed(v) for k, v in b.items()} for b in found][:500], example.name
        table = get(server, entry["_links"]["self"]["href"] + "?paginaGrootte=500&format=csv").text
        assert [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(table))] == [
            {k: v for k, v in row.items() if v} for row in expected[:500]]  # CSV: unbound and "" look the same


def test_a_saved_query_takes_its_parameter(server: LiveServer) -> None:
    name = "01-reeks-van-een-voorziening"
    entry = next(q for q in body(server, f"{API}/queries")["queries"] if q["naam"] == name)
    assert entry["parameters"] == {"voorziening": "digid"}
    default = body(server, f"{API}/queries/{name}?paginaGrootte=500")["rijen"]
    digid = body(server, f"{API}/queries/{name}?voorziening=digid&paginaGrootte=500")["rijen"]
    brp = body(server, f"{API}/queries/{name}?voorziening=brp&paginaGrootte=500")["rijen"]
    assert default == digid and brp and brp != digid
    labels = sparql(server, PREFIXES + f"""SELECT DISTINCT ?label WHERE {{ ?i mdo:voorziening <{B}/id/voorziening/brp> ;
        skos:prefLabel ?label . ?o mdo:indicator ?i ; mdo:actueel true . FILTER(lang(?label) IN ("nl", "")) }}""")
    assert {r["indicator"] for r in brp} <= {r["label"] for r in labels}
    # a value is a literal in the query, whatever it holds: no rows, never another query
    hostile = httpx.get(server.url + f"{API}/queries/{name}",
                        params={"voorziening": 'digid" . } SELECT * WHERE { ?s ?p ?o } #'}, timeout=60)
    assert hostile.status_code == 200 and hostile.json()["rijen"] == []


# -- the OpenAPI document and its docs -----------------------------------------------------------
def test_the_openapi_document_follows_the_design_rules(server: LiveServer) -> None:
    spec = body(server, f"{API}/openapi.json")
    assert spec["openapi"].startswith("3.")
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert spec["info"]["contact"] == {"name": "ICTU, Monitor Digitale Overheid", "url": f"{B}/", "email": "info@ictu.nl"}
    assert {"/voorzieningen", "/voorzieningen/{id}", "/indicatoren", "/indicatoren/{id}", "/indicatoren/{id}/observaties",
            "/edities", "/bevindingen", "/queries"} <= set(spec["paths"])
    assert {f"/queries/{e.name}" for e in EXAMPLES} <= set(spec["paths"])
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    assert "API-Version" in response["headers"], (path, status)
                else:
                    assert list(response["content"]) == ["application/problem+json"], (path, status)
    parameters = {p["name"]: p for p in spec["paths"]["/queries/01-reeks-van-een-voorziening"]["get"]["parameters"]}
    assert parameters["voorziening"]["in"] == "query" and parameters["voorziening"]["schema"]["default"] == "digid"


def lint(documents: dict[str, dict[str, Any]], folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Spectral's findings on each of `documents` (by name) with the NL GOV API Design Rules'
    ruleset, in one run: Node and the ruleset take seconds to load, a document a fraction of one."""
    sources = {name: folder / f"{name}.json" for name in documents}
    for name, document in documents.items():
        sources[name].write_text(json.dumps(document), encoding="utf-8")
    report = folder / "report.json"
    subprocess.run([str(SPECTRAL), "lint", "--ruleset", str(RULESET), "--format", "json", "--output", str(report),
                    "--fail-severity", "error", *map(str, sources.values())], capture_output=True, text=True, timeout=180)
    findings: list[dict[str, Any]] = json.loads(report.read_text(encoding="utf-8"))
    by_source = {str(path.resolve()): name for name, path in sources.items()}
    assert {str(Path(f["source"]).resolve()) for f in findings} <= set(by_source), findings[:3]
    return {name: [f for f in findings if by_source[str(Path(f["source"]).resolve())] == name] for name in documents}


@pytest.mark.skipif(not RULESET.is_file(), reason=f"no ruleset at {RULESET} (../shared/standards/nlgov-adr)")
@pytest.mark.skipif(not SPECTRAL.exists() or shutil.which("node") is None,
                    reason="needs node and Spectral in node_modules (make test runs npm ci; .ci/run installs npm)")
def test_spectral_with_the_api_design_rules_finds_no_error(server: LiveServer, tmp_path: Path) -> None:
    spec = body(server, f"{API}/openapi.json")
    # the same linter does find what the rules forbid: no contact, no API-Version header
    broken = json.loads(json.dumps(spec))
    del broken["info"]["contact"]
    broken["paths"]["/edities"]["get"]["responses"]["200"].pop("headers")
    found = lint({"served": spec, "broken": broken}, tmp_path)
    errors = [f for f in found["served"] if f["severity"] == 0]
    assert errors == [], [(f["code"], f["message"], f["path"]) for f in errors]
    assert {f["code"] for f in found["broken"] if f["severity"] == 0} == {"info-contact", "nlgov:missing-header"}


def test_the_docs_page_needs_no_cdn(server: LiveServer) -> None:
    page = get(server, f"{API}/docs")
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace(f"{API}/", "")  # every script and style is local
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-init.js"):
        asset = get(server, f"{API}/docs/{name}")
        assert asset.status_code == 200 and len(asset.content) > 200, name
    assert get(server, f"{API}/docs/..%2F..%2Fapp.py").status_code == 404


@pytest.mark.browser
def test_the_docs_render_in_a_browser_under_the_csp(server: LiveServer, browser: Browser) -> None:
    # The browser has no network beyond the loopback server: Swagger UI renders from local files only.
    page = browser.open(server.url + f"{API}/docs")
    page.wait_until("document.querySelector('.info .title') !== null"
                    " && document.querySelector('.opblock-summary-path[data-path]') !== null")
    dom = BeautifulSoup(page.html(), "html.parser")
    paths = [node["data-path"] for node in dom.select(".opblock-summary-path[data-path]")]
    spec = body(server, f"{API}/openapi.json")
    assert sorted(paths) == sorted(spec["paths"])
    assert dom.select_one(".info .title").get_text(" ", strip=True).startswith("Monitor Digitale Overheid API")


def test_the_readme_examples_answer(server: LiveServer) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    urls = re.findall(r"curl [^\n]*'http://127\.0\.0\.1:8000(/api/v1/[^']+)'", readme)
    assert len(urls) >= 3
    for url in urls:
        assert get(server, url).status_code == 200, url
    query = re.search(r"--data-urlencode query='(.+?)' \\", readme, re.S)
    assert query is not None
    series = body(server, f"{API}/indicatoren/digid-actieve-digids/observaties?alleenActueel=true&uitsplitsing=totaal")
    assert [(int(r["jaar"]), int(r["waarde"])) for r in sparql(server, query.group(1))] == [
        (o["jaar"], o["waarde"]) for o in series["observaties"]]
