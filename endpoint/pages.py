"""What each HTML page shows, gathered from the store with small, known queries.

The functions here return plain dicts and dataclasses for the templates; they run in a thread
(the store calls block) on the app's own read-only store handle, never on user queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from endpoint.charts import Series, bar_chart, dutch_number, line_chart
from endpoint.store import LoadedStore, iri_ref
from endpoint.urls import Urls
from endpoint.values import compact, term_view
from endpoint.vocab import CATALOGUE_FILE, DOWNLOADS, PREFIXES

PAGE_SIZE = 100  # references listed per page of a resource
INDICATORS_PER_PAGE = 10  # indicators, each with its chart and figures, per page of a voorziening

LABEL_PROPERTIES = ("skos:prefLabel", "foaf:name", "dcterms:title", "rdfs:label")


def labels(store: LoadedStore, iris: set[str]) -> dict[str, str]:
    """The Dutch (or any) label of each IRI that has one.

    Read by index lookups, one subject and property at a time: as one query over a VALUES
    list, the engine's plan scanned every literal of those properties in the store, which
    grows with the data while a page shows a few hundred names at most.
    """
    found: dict[str, str] = {}
    properties = [ox.NamedNode(PREFIXES[prefix] + name)
                  for prefix, name in (p.split(":", 1) for p in LABEL_PROPERTIES)]
    for iri in sorted(iris):
        try:
            subject = ox.NamedNode(iri)
        except ValueError:
            continue
        first: str | None = None
        for prop in properties:
            for quad in store.store.quads_for_pattern(subject, prop, None, None):
                if not isinstance(quad.object, ox.Literal):
                    continue
                if quad.object.language == "nl":
                    found[iri] = quad.object.value
                    break
                if first is None:
                    first = quad.object.value
            if iri in found:
                break
        if iri not in found and first is not None:
            found[iri] = first
    return found


# -- home ------------------------------------------------------------------------------------
@dataclass
class Download:
    name: str
    href: str
    media_type: str
    size: int


def downloads(folder: Path, urls: Urls) -> list[Download]:
    found = []
    for name, media_type in list(DOWNLOADS.items()) + [(CATALOGUE_FILE, "text/turtle")]:
        path = folder / name
        if path.is_file():
            href = "/catalogus" if name == CATALOGUE_FILE else urls.download(name)
            found.append(Download(name, href, media_type, path.stat().st_size))
    return found


def home(store: LoadedStore, urls: Urls) -> dict[str, Any]:
    """The home page from the store's summary (`summary.py`): no query runs per request."""
    summary = store.summary
    rows = summary["voorzieningen"]
    domains: dict[str, dict[str, Any]] = {}
    children: dict[str, list[dict[str, Any]]] = {}
    for row in rows:  # each sub-part is listed right under its parent
        if row["parent"] is not None:
            children.setdefault(row["parent"], []).append(row)
    for row in rows:
        if row["parent"] is not None:
            continue
        domain = domains.setdefault(row["d"], {"label": row["dlabel"], "notation": row["dnotation"],
                                               "href": urls.href(row["d"]), "voorzieningen": []})
        for item in [row, *children.get(row["v"], [])]:
            domain["voorzieningen"].append({"label": item["vlabel"], "href": urls.href(item["v"]),
                                            "sub": item is not row, "indicatoren": item["indicatoren"]})
    editions = [{**row, "observaties": row["observaties"] or 0} for row in summary["editions"]]
    about = summary["about"]
    return {
        "about": about[0] if about else {"title": "Monitor Digitale Overheid", "description": None},
        "counts": summary["counts"][0], "quads": store.quads, "editions": editions, "domains": list(domains.values()),
        "graphs": summary["graphs"], "downloads": downloads(store.data.parent, urls),
    }


# -- voorziening -----------------------------------------------------------------------------
@dataclass
class Figure:
    year: int
    edition: str
    value: float | None
    shown: str
    status: str
    status_code: str
    note: str | None
    actueel: bool
    revises: bool
    source: str  # file:line
    raw: str | None
    row_label: str | None
    observation: str | None  # None: not a link (see Urls.href)


@dataclass
class IndicatorView:
    iri: str
    href: str | None
    label: str
    alt_labels: list[str]
    definition: str | None
    unit: str
    figures: list[Figure] = field(default_factory=list)
    chart: str = ""


def indicator_views(store: LoadedStore, urls: Urls, **binding: str | list[str]) -> list[IndicatorView]:
    """The indicators of one voorziening (`v=...`) or the given indicators (`i=...`, one IRI or a
    list), each with its figures (the totals, every edition) and its chart, one line per edition."""
    indicators = {
        row["i"]: IndicatorView(iri=row["i"], href=urls.href(row["i"]), label=row["label"], alt_labels=[],
                                definition=row["definition"], unit=row["unit"] or "")
        for row in store.select(
            "SELECT ?i ?label ?definition ?unit WHERE { ?i mdo:voorziening ?v ; skos:prefLabel ?label . "
            "FILTER(lang(?label) IN ('nl', '')) "
            "OPTIONAL { ?i skos:definition ?definition FILTER(lang(?definition) IN ('nl', '')) } "
            "OPTIONAL { ?i sdmx-attribute:unitMeasure ?u . BIND(STRAFTER(STR(?u), '/eenheid/') AS ?unit) } } ORDER BY ?label",
            **binding)
    }
    for row in store.select("SELECT DISTINCT ?i ?alt WHERE { ?i mdo:voorziening ?v . { ?i skos:prefLabel ?alt } UNION { ?i skos:altLabel ?alt } "
                          "FILTER(lang(?alt) IN ('nl', '')) } ORDER BY ?alt", **binding):
        indicators[row["i"]].alt_labels.append(row["alt"])
    figure_rows = store.select(
        "SELECT ?i ?o ?year ?edition ?value ?status ?statusLabel ?toelichting ?voetnoot ?actueel "
        "?herziet ?file ?line ?raw ?rowLabel WHERE { "
        "?o mdo:indicator ?i ; mdo:voorziening ?v ; mdo:jaar ?y ; mdo:editie ?e ; mdo:uitsplitsing ?b . "
        "FILTER(STRENDS(STR(?b), '/uitsplitsing/totaal')) "
        "BIND(xsd:integer(STRAFTER(STR(?y), '/jaar/')) AS ?year) BIND(STRAFTER(STR(?e), '/editie/') AS ?edition) "
        "OPTIONAL { ?o mdo:waarde ?value } "
        "OPTIONAL { ?o sdmx-attribute:obsStatus ?status "
        "OPTIONAL { ?status skos:prefLabel ?statusLabel FILTER(lang(?statusLabel) IN ('nl', '')) } } "
        "OPTIONAL { ?o mdo:statusToelichting ?toelichting FILTER(lang(?toelichting) IN ('nl', '')) } "
        "OPTIONAL { ?o mdo:voetnoot ?voetnoot FILTER(lang(?voetnoot) IN ('nl', '')) } "
        "OPTIONAL { ?o mdo:actueel ?actueel } OPTIONAL { ?o mdo:herziet ?herziet } "
        "OPTIONAL { ?o prov:wasDerivedFrom ?cell . OPTIONAL { ?cell mdo:bestand ?file } "
        "OPTIONAL { ?cell mdo:regel ?line } OPTIONAL { ?cell mdo:ruweTekst ?raw } OPTIONAL { ?cell mdo:rijlabel ?rowLabel } } "
        "} ORDER BY ?i ?year ?edition",
        **binding,
    )
    for row in figure_rows:
        view = indicators.get(row["i"])
        if view is None:
            continue
        status_code = (row["status"] or "").rsplit("/", 1)[-1]
        notes = [n for n in (row["toelichting"], row["voetnoot"]) if n]
        view.figures.append(Figure(
            year=int(row["year"]), edition=row["edition"], value=row["value"],
            shown=dutch_number(row["value"], view.unit), status=row["statusLabel"] or status_code,
            status_code=status_code, note=" ".join(notes) or None, actueel=bool(row["actueel"]),
            revises=row["herziet"] is not None,
            source=f"{row['file']}:{row['line']}" if row["file"] else "", raw=row["raw"], row_label=row["rowLabel"],
            observation=urls.href(row["o"]),
        ))
    for view in indicators.values():
        editions = sorted({f.edition for f in view.figures})
        series = [Series(name=f"editie {edition}", points=tuple((f.year, f.value) for f in view.figures if f.edition == edition))
                  for edition in editions]
        view.chart = line_chart(view.label, series, view.unit)
    return list(indicators.values())


def voorziening(store: LoadedStore, urls: Urls, iri: str, page: int = 1) -> dict[str, Any] | None:
    """Everything the page of one voorziening shows, or None if `iri` is not a voorziening.

    The indicators come `INDICATORS_PER_PAGE` at a time (in label order), and only the figures
    of those are read: a voorziening of a large cube has hundreds of indicators, and a page
    that drew them all read tens of thousands of figures per request.
    """
    try:
        iri_ref(iri)
    except ValueError:
        return None
    meta = store.select(
        "SELECT ?label ?notation ?domain ?dlabel WHERE { ?v a mdo:Voorziening ; skos:prefLabel ?label . "
        "FILTER(lang(?label) IN ('nl', '')) OPTIONAL { ?v skos:notation ?notation } "
        "OPTIONAL { ?v mdo:domein ?domain . ?domain skos:prefLabel ?dlabel FILTER(lang(?dlabel) IN ('nl', '')) } }",
        v=iri,
    )
    if not meta:
        return None
    link_rows = store.select(
        "SELECT DISTINCT ?kind ?target WHERE { "
        "{ ?v rdfs:seeAlso ?target BIND('nora' AS ?kind) } UNION { ?v skos:closeMatch ?target BIND('stelselcatalogus' AS ?kind) } "
        "UNION { ?v skos:exactMatch ?target BIND('stelselcatalogus' AS ?kind) } "
        "UNION { ?v foaf:homepage ?target BIND('homepage' AS ?kind) } UNION { ?v dcterms:publisher ?target BIND('beheerder' AS ?kind) } "
        "UNION { ?v skos:broader ?target BIND('onderdeel van' AS ?kind) } UNION { ?target skos:broader ?v BIND('onderdelen' AS ?kind) } "
        "UNION { ?v mdo:gevoedDoor ?target BIND('gevoed door' AS ?kind) } UNION { ?target mdo:gevoedDoor ?v BIND('voedt' AS ?kind) } "
        "} ORDER BY ?kind ?target",
        v=iri,
    )
    names = labels(store, {r["target"] for r in link_rows})
    links: dict[str, list[dict[str, str]]] = {}
    for row in link_rows:
        links.setdefault(row["kind"], []).append(
            {"iri": row["target"], "href": urls.href(row["target"]), "label": names.get(row["target"], row["target"])})
    listed = store.select(
        "SELECT DISTINCT ?i WHERE { ?i mdo:voorziening ?v ; skos:prefLabel ?label . "
        "FILTER(lang(?label) IN ('nl', '')) } ORDER BY ?label ?i",
        v=iri,
    )
    ordered = list(dict.fromkeys(row["i"] for row in listed))
    pages = max(1, -(-len(ordered) // INDICATORS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * INDICATORS_PER_PAGE:page * INDICATORS_PER_PAGE]
    first = meta[0]
    return {
        "iri": iri, "label": first["label"], "notation": first["notation"],
        "domain": {"href": urls.href(first["domain"]), "label": first["dlabel"]} if first["domain"] else None,
        "links": links, "indicators": indicator_views(store, urls, i=shown) if shown else [],
        "indicator_total": len(ordered), "page": page, "pages": pages,
    }


# -- any resource ----------------------------------------------------------------------------
def describe(store: LoadedStore, urls: Urls, iri: str, page: int = 1) -> dict[str, Any] | None:
    """A generic page: the resource's own triples by property (labelled), and who points to it,
    `PAGE_SIZE` references per page."""
    try:
        iri_ref(iri)
    except ValueError:
        return None
    triples = store.triples_about(iri)
    if not triples:
        return None
    node = ox.NamedNode(iri)
    incoming, more = _incoming(store, iri, page * PAGE_SIZE)
    pages = page + 1 if more else max(1, -(-len(incoming) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = incoming[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    iris = {iri} | {t.predicate.value for t in triples}
    iris |= {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    iris |= {s for _, s in shown} | {p for p, _ in shown}
    names = labels(store, iris)
    properties: dict[str, list[dict[str, Any]]] = {}
    for triple in triples:
        if triple.subject != node:
            continue
        entry = properties.setdefault(triple.predicate.value, [])
        value = term_view(triple.object, urls, names)
        if value not in entry:
            entry.append(value)
    back: dict[str, list[dict[str, Any]]] = {}
    for predicate, subject in shown:
        back.setdefault(predicate, []).append(term_view(ox.NamedNode(subject), urls, names))

    def prop(p: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        return {"iri": p, "name": compact(p), "label": names.get(p) or compact(p), "href": urls.href(p),
                "objects": objects}

    return {
        "iri": iri, "label": names.get(iri) or compact(iri),
        "types": [term_view(t.object, urls, names) for t in triples
                  if t.subject == node and t.predicate.value.endswith("22-rdf-syntax-ns#type")],
        "properties": [prop(p, v) for p, v in sorted(properties.items(), key=lambda kv: compact(kv[0]))
                       if not p.endswith("22-rdf-syntax-ns#type")],
        "incoming": [prop(p, v) for p, v in sorted(back.items(), key=lambda kv: compact(kv[0]))],
        "incoming_total": len(incoming), "incoming_more": more, "page": page, "pages": pages,
    }


def _incoming(store: LoadedStore, iri: str, wanted: int) -> tuple[list[tuple[str, str]], bool]:
    """The first `wanted` distinct (predicate, subject) pairs that point to `iri`, and whether
    there are more.

    A code such as a year or an edition is the object of every observation that has it: a page
    reads only as many of those as it shows up to its own (one more, to know there is a next
    page), so its cost does not grow with the data.
    """
    found: dict[tuple[str, str], None] = {}
    for quad in store.store.quads_for_pattern(None, None, ox.NamedNode(iri), None):
        if isinstance(quad.subject, ox.NamedNode):
            found[(quad.predicate.value, quad.subject.value)] = None
            if len(found) > wanted:
                return list(found)[:wanted], True
    return list(found), False


# -- query results as a table ----------------------------------------------------------------
def result_table(outcome: Any, urls: Urls) -> dict[str, Any]:
    """A SELECT/ASK/CONSTRUCT outcome as columns and rows of term views for the query page,
    with a chart when the result has the shape of one (see `result_chart`)."""
    from endpoint.results import Boolean, Graph, Solutions

    if isinstance(outcome, Boolean):
        return {"kind": "boolean", "value": outcome.value}
    if isinstance(outcome, Solutions):
        rows = [[None if t is None else term_view(t, urls, {}) for t in row] for row in outcome.rows]
        return {"kind": "table", "columns": outcome.variables, "truncated": outcome.truncated, "limit": outcome.limit,
                "cut": outcome.cut, "byte_limit": outcome.byte_limit, "rows": rows,
                "chart": result_chart(outcome.variables, rows)}
    assert isinstance(outcome, Graph)
    return {"kind": "table", "columns": ["subject", "predicate", "object"], "truncated": outcome.truncated,
            "limit": outcome.limit, "cut": outcome.cut, "byte_limit": outcome.byte_limit, "chart": None,
            "rows": [[term_view(t.subject, urls, {}), term_view(t.predicate, urls, {}), term_view(t.object, urls, {})]
                     for t in outcome.triples]}


def _year(cell: dict[str, Any] | None) -> int | None:
    """A year in a result cell: an integer or gYear literal, or a `/jaar/2023` IRI."""
    if cell is None:
        return None
    text = cell["value"].rsplit("/jaar/", 1)[-1] if cell["kind"] == "iri" else cell["value"]
    return int(text) if text.isdigit() and 1900 <= int(text) <= 2100 else None


def result_chart(columns: list[str], rows: list[list[dict[str, Any] | None]]) -> Any:
    """A line over the years (one line per category, at most six) when a column holds years and
    another numbers; bars per category when one column labels and another holds numbers."""
    if not rows or len(rows) > 500:
        return None

    def every(test: Any, index: int) -> bool:
        return all(row[index] is not None and test(row[index]) for row in rows)

    numeric = [i for i in range(len(columns)) if every(lambda c: c["kind"] == "literal" and c.get("numeric"), i)]
    years = [i for i in range(len(columns)) if every(lambda c: _year(c) is not None, i)]
    years.sort(key=lambda i: "jaar" not in columns[i].lower() and "year" not in columns[i].lower())
    year = years[0] if years else None
    values = [i for i in numeric if i != year]
    if not values:
        return None
    value = next((i for i in values if "waarde" in columns[i].lower()), values[-1])
    labels_at = [i for i in range(len(columns)) if i not in (year, value) and i not in numeric]
    label = labels_at[0] if labels_at else None

    def name(row: list[dict[str, Any] | None]) -> str:
        cell = row[label] if label is not None else None
        return "" if cell is None else cell.get("label") or cell.get("shown") or cell["value"]

    title = f"{columns[value]} per {columns[year]}" if year is not None else f"{columns[value]} per {columns[label] if label is not None else 'rij'}"
    if year is not None:
        series: dict[str, dict[int, float]] = {}
        for row in rows:
            series.setdefault(name(row) or columns[value], {}).setdefault(_year(row[year]) or 0, float(row[value]["value"]))
        if len(series) > 6:
            return None
        return line_chart(title, [Series(n, tuple(sorted(points.items()))) for n, points in series.items()])
    if label is None or len(rows) > 40:
        return None
    return bar_chart(title, [(name(row), float(row[value]["value"])) for row in rows])
