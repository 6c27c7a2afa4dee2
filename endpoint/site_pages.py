"""What the pages beyond the voorziening pages show: an indicator, an observation, the catalogue,
the vocabulary and a graph, gathered with small, known queries (see `pages.py`).

Like `pages.py`, these return plain dicts for the autoescaped templates and run in a thread.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

import pyoxigraph as ox

from .charts import dutch_number
from .pages import IndicatorView, describe, indicator_views, labels
from .store import LoadedStore, iri_ref
from .urls import Urls
from .values import compact, dutch_date, term_view
from .vocab import MDO, RDF

VOCABULARY = MDO.rstrip("#")  # the ontology's own IRI, e.g. .../def/mdo


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


# -- indicator -------------------------------------------------------------------------------
def indicator(store: LoadedStore, urls: Urls, iri: str, page: int = 1) -> dict[str, Any] | None:
    """An indicator: its chart over the years (a line per edition), a table per edition, and the
    generic description beneath; None if `iri` is not an indicator."""
    views = indicator_views(store, urls, i=iri)
    described = describe(store, urls, iri, page)
    if not views or described is None:
        return None
    view: IndicatorView = views[0]
    meta = _first(store.select(
        "SELECT ?v ?vlabel WHERE { ?i mdo:voorziening ?v . ?v skos:prefLabel ?vlabel FILTER(lang(?vlabel) IN ('nl', '')) }",
        i=iri))
    editions = [(edition, [f for f in view.figures if f.edition == edition])
                for edition in sorted({f.edition for f in view.figures}, reverse=True)]
    return {"i": view, "r": described, "editions": editions,
            "voorziening": {"href": urls.href(meta["v"]), "label": meta["vlabel"]} if meta else None}


# -- observation -----------------------------------------------------------------------------
def observation(store: LoadedStore, urls: Urls, iri: str, page: int = 1) -> dict[str, Any] | None:
    """An observation (or a missing figure) as a sentence: indicator, year, value, edition, source."""
    described = describe(store, urls, iri, page)
    row = _first(store.select(
        "SELECT ?i ?ilabel ?v ?vlabel ?year ?edition ?value ?unit ?statusLabel ?status ?file ?line ?raw ?rowLabel "
        "?breakdown ?actueel ?herziet WHERE { ?o mdo:indicator ?i ; mdo:jaar ?y ; mdo:editie ?e . "
        "?i skos:prefLabel ?ilabel FILTER(lang(?ilabel) IN ('nl', '')) "
        "BIND(STRAFTER(STR(?y), '/jaar/') AS ?year) BIND(STRAFTER(STR(?e), '/editie/') AS ?edition) "
        "OPTIONAL { ?o mdo:voorziening ?v . ?v skos:prefLabel ?vlabel FILTER(lang(?vlabel) IN ('nl', '')) } "
        "OPTIONAL { ?o mdo:waarde ?value } "
        "OPTIONAL { ?i sdmx-attribute:unitMeasure ?u . BIND(STRAFTER(STR(?u), '/eenheid/') AS ?unit) } "
        "OPTIONAL { ?o sdmx-attribute:obsStatus ?status OPTIONAL { ?status skos:prefLabel ?statusLabel "
        "FILTER(lang(?statusLabel) IN ('nl', '')) } } "
        "OPTIONAL { ?o mdo:uitsplitsing ?b . FILTER(!STRENDS(STR(?b), '/uitsplitsing/totaal')) "
        "OPTIONAL { ?b skos:prefLabel ?breakdown FILTER(lang(?breakdown) IN ('nl', '')) } } "
        "OPTIONAL { ?o mdo:actueel ?actueel } OPTIONAL { ?o mdo:herziet ?herziet } "
        "OPTIONAL { ?o prov:wasDerivedFrom ?cell . OPTIONAL { ?cell mdo:bestand ?file } OPTIONAL { ?cell mdo:regel ?line } "
        "OPTIONAL { ?cell mdo:ruweTekst ?raw } OPTIONAL { ?cell mdo:rijlabel ?rowLabel } } }",
        o=iri))
    if described is None or row is None:
        return described and {"r": described, "sentence": None}
    source = f"{PurePosixPath(row['file']).name}:{row['line']}" if row["file"] else None
    if described["label"] == compact(iri):  # observations have no label of their own
        described["label"] = f"{row['ilabel']} in {row['year']}"
    return {"r": described, "sentence": {
        "indicator": {"href": urls.href(row["i"]), "label": row["ilabel"]},
        "voorziening": {"href": urls.href(row["v"]), "label": row["vlabel"]} if row["v"] else None,
        "breakdown": row["breakdown"], "year": row["year"], "edition": row["edition"],
        "value": dutch_number(row["value"], row["unit"] or "") if row["value"] is not None else None,
        "unit": row["unit"], "status": row["statusLabel"] or (row["status"] or "").rsplit("/", 1)[-1] or None,
        "source": source, "raw": row["raw"], "row_label": row["rowLabel"], "actueel": row["actueel"],
        "herziet": {"href": urls.href(row["herziet"]), "label": "de eerdere editie"} if row["herziet"] else None,
    }}


# -- what the server serves -------------------------------------------------------------------
def served(store: LoadedStore) -> dict[str, Any]:
    """The data file this server answers from and when it was built (its modification time)."""
    stat = store.data.stat()
    built = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc)
    return {"file": store.data.name, "built": dutch_date(built.isoformat(timespec="minutes")) + " (UTC)"}


# -- catalogue -------------------------------------------------------------------------------
def catalogue(store: LoadedStore, urls: Urls) -> dict[str, Any]:
    """The DCAT catalogue as a person reads it: the dataset, its distributions and the service."""
    graph = f"GRAPH <{urls.base_iri}/graph/catalogus>"
    about = _first(store.select(
        f"SELECT ?c ?title ?description WHERE {{ {graph} {{ ?c a dcat:Catalog ; dcterms:title ?title . "
        "FILTER(lang(?title) IN ('nl', '')) OPTIONAL { ?c dcterms:description ?description "
        "FILTER(lang(?description) IN ('nl', '')) } } }"))
    datasets = store.select(
        f"SELECT ?d ?title ?description ?modified WHERE {{ {graph} {{ ?d a dcat:Dataset ; dcterms:title ?title . "
        "FILTER(lang(?title) IN ('nl', '')) OPTIONAL { ?d dcterms:description ?description "
        "FILTER(lang(?description) IN ('nl', '')) } OPTIONAL { ?d dcterms:modified ?modified } } } ORDER BY ?title")
    distributions = store.select(
        f"SELECT ?x ?title ?url ?media WHERE {{ {graph} {{ ?x a dcat:Distribution ; dcterms:title ?title . "
        "FILTER(lang(?title) IN ('nl', '')) OPTIONAL { ?x dcat:downloadURL ?url } OPTIONAL { ?x dcat:mediaType ?media } } } "
        "ORDER BY ?title")
    services = store.select(
        f"SELECT ?s ?title ?description ?url WHERE {{ {graph} {{ ?s a dcat:DataService ; dcterms:title ?title . "
        "FILTER(lang(?title) IN ('nl', '')) OPTIONAL { ?s dcterms:description ?description "
        "FILTER(lang(?description) IN ('nl', '')) } OPTIONAL { ?s dcat:endpointURL ?url } } } ORDER BY ?title")
    return {
        "iri": about["c"] if about else urls.base_iri + "/id/catalogus",
        "title": about["title"] if about else "Catalogus",
        "description": about["description"] if about else None,
        "datasets": [{**d, "href": urls.href(d["d"]), "modified": d["modified"] and dutch_date(str(d["modified"]))}
                     for d in datasets],
        "distributions": [{"title": x["title"], "href": urls.href(x["x"]), "url": urls.href(x["url"] or ""),
                           "media": (x["media"] or "").split("/media-types/")[-1]} for x in distributions],
        "services": [{**s, "href": urls.href(s["s"]), "url": urls.href(s["url"] or "")} for s in services],
    }


# -- vocabulary ------------------------------------------------------------------------------
KINDS = {"http://www.w3.org/2002/07/owl#Class": "Klasse", "http://www.w3.org/2000/01/rdf-schema#Class": "Klasse",
         "http://www.w3.org/2002/07/owl#ObjectProperty": "Eigenschap",
         "http://www.w3.org/2002/07/owl#DatatypeProperty": "Eigenschap",
         "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property": "Eigenschap",
         "http://www.w3.org/2002/07/owl#Ontology": "Vocabulaire"}


def vocabulary_triples(store: LoadedStore) -> list[ox.Triple]:
    """The vocabulary's own triples: the ontology and every `mdo:` term as subject, read from the
    graph(s) that hold the ontology (the code lists), not from the whole store."""
    graphs = {q.graph_name for q in store.store.quads_for_pattern(ox.NamedNode(VOCABULARY), None, None, None)}
    seen: dict[ox.Triple, None] = {}
    for quad in (q for g in graphs for q in store.store.quads_for_pattern(None, None, None, g)):
        subject = quad.subject
        if isinstance(subject, ox.NamedNode) and (subject.value == VOCABULARY or subject.value.startswith(MDO)):
            seen.setdefault(quad.triple, None)
    return list(seen)


def vocabulary(store: LoadedStore, urls: Urls) -> dict[str, Any]:
    """Every term of the vocabulary, one section each, at its fragment (`/def/mdo#Voorziening`)."""
    triples = vocabulary_triples(store)
    by_subject: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject.value, []).append(triple)
    names = labels(store, {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
                   | {t.predicate.value for t in triples} | set(by_subject))
    terms = []
    for subject, own in by_subject.items():
        types = [t.object.value for t in own if t.predicate.value == RDF + "type"]
        kind = next((KINDS[t] for t in types if t in KINDS), "Term")
        text = {}
        for lang in ("nl", "en"):
            for name in ("label", "comment"):
                text.setdefault(name, next((t.object.value for t in own if t.predicate.value.endswith("#" + name)
                                            and isinstance(t.object, ox.Literal) and t.object.language == lang), None))
        relations = [{"name": compact(t.predicate.value), "label": names.get(t.predicate.value) or compact(t.predicate.value),
                      "value": term_view(t.object, urls, names)}
                     for t in own if not t.predicate.value.endswith(("#label", "#comment"))]
        terms.append({"id": subject[len(MDO):] if subject.startswith(MDO) else "", "iri": subject, "kind": kind,
                      "label": text["label"] or compact(subject), "comment": text["comment"], "relations": relations})
    order = {"Vocabulaire": 0, "Klasse": 1, "Eigenschap": 2, "Term": 3}
    terms.sort(key=lambda t: (order[t["kind"]], t["id"].lower()))
    head = terms[0] if terms and terms[0]["kind"] == "Vocabulaire" else None
    return {"iri": VOCABULARY, "head": head, "terms": [t for t in terms if t is not head]}


# -- graph -----------------------------------------------------------------------------------
def graph(store: LoadedStore, urls: Urls, iri: str) -> dict[str, Any] | None:
    """A named graph: its size and what kinds of things it holds."""
    try:
        iri_ref(iri)
    except ValueError:
        return None
    name = ox.NamedNode(iri)
    quads = sum(1 for _ in store.store.quads_for_pattern(None, None, None, name))
    if not quads:
        return None
    rows = store.select(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s a ?c }} }} "
                        "GROUP BY ?c ORDER BY DESC(?n) ?c")
    names = labels(store, {r["c"] for r in rows})
    label = labels(store, {iri}).get(iri) or iri.rsplit("/graph/", 1)[-1]
    return {"iri": iri, "label": label, "quads": dutch_number(quads),
            "classes": [{"term": term_view(ox.NamedNode(r["c"]), urls, names), "count": dutch_number(r["n"])}
                        for r in rows]}
