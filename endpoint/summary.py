"""What the home page shows about the whole dataset, computed once per version of the data.

Counting observations, editions and the quads of each graph reads the whole store: at a
hundred thousand observations that is seconds, far too slow for every request of a page. These
figures change only when the data changes, so they are computed once: when the on-disk store
is built (and kept as `SUMMARY.json` in its folder, so every worker and every restart reads
them instead of counting), or when the data is loaded into memory. The page then renders
them; the store it reads is not touched per request.

Every figure is computed by the store itself (SPARQL aggregates), never by a Python loop over
quads. The values are plain JSON (str, int, None), so the file reads back as it was written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from endpoint.vocab import sparql_prefixes

SUMMARY_FILE = "SUMMARY.json"
VERSION = 1  # raise when the queries below change what they return: older files are recomputed

QUERIES = {
    "counts": (
        "SELECT (COUNT(DISTINCT ?o) AS ?observaties) (COUNT(DISTINCT ?v) AS ?voorzieningen) "
        "(COUNT(DISTINCT ?i) AS ?indicatoren) (COUNT(DISTINCT ?e) AS ?edities) (COUNT(DISTINCT ?y) AS ?jaren) WHERE { "
        "{ ?o a qb:Observation } UNION { ?v a mdo:Voorziening } UNION { ?i a mdo:Indicator } "
        "UNION { ?e a mdo:Editie } UNION { SELECT DISTINCT ?y WHERE { ?j a qb:Observation ; mdo:jaar ?y } } }"
    ),
    "editions": (
        "SELECT ?e ?label ?issued ?peildatum ?observaties WHERE { ?e a mdo:Editie ; "
        "skos:prefLabel ?label . FILTER(lang(?label) IN ('nl', '')) OPTIONAL { ?e dcterms:issued ?issued } "
        "OPTIONAL { ?e mdo:peildatum ?peildatum } "
        "OPTIONAL { SELECT ?e (COUNT(?o) AS ?observaties) WHERE { ?o a qb:Observation ; mdo:editie ?e } GROUP BY ?e } "
        "} ORDER BY ?label"
    ),
    "voorzieningen": (
        "SELECT DISTINCT ?d ?dlabel ?dnotation ?v ?vlabel ?parent (COUNT(DISTINCT ?i) AS ?indicatoren) WHERE { "
        "?v a mdo:Voorziening ; skos:prefLabel ?vlabel ; mdo:domein ?d . ?d skos:prefLabel ?dlabel . "
        "FILTER(lang(?vlabel) IN ('nl', '') && lang(?dlabel) IN ('nl', '')) "
        "OPTIONAL { ?d skos:notation ?dnotation } OPTIONAL { ?v skos:broader ?parent } "
        "OPTIONAL { ?i a mdo:Indicator ; mdo:voorziening ?v } } GROUP BY ?d ?dlabel ?dnotation ?v ?vlabel ?parent "
        "ORDER BY ?dnotation ?dlabel LCASE(?vlabel)"
    ),
    "graphs": "SELECT ?name (COUNT(*) AS ?quads) WHERE { GRAPH ?name { ?s ?p ?o } } GROUP BY ?name ORDER BY ?name",
    "about": (
        "SELECT ?title ?description WHERE { ?d a qb:DataSet . "
        "OPTIONAL { ?d dcterms:title ?title FILTER(lang(?title) IN ('nl', '')) } "
        "OPTIONAL { ?d dcterms:description ?description FILTER(lang(?description) IN ('nl', '')) } } LIMIT 1"
    ),
}


def _plain(term: Any) -> Any:
    """A term as JSON: an IRI or literal's text, an integer for xsd:integer counts, None for unbound."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.endswith("#integer"):
        return int(term.value)
    return term.value


def compute(store: ox.Store) -> dict[str, Any]:
    """The summary of `store`: rows of each query in `QUERIES` by name, plus the version."""
    summary: dict[str, Any] = {"version": VERSION}
    for name, query in QUERIES.items():
        solutions = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        summary[name] = [{n: _plain(row[n]) for n in names} for row in solutions]
    return summary


def write(summary: dict[str, Any], directory: Path) -> None:
    """Keep `summary` in the store's folder (while it is built, before it is renamed into place)."""
    (directory / SUMMARY_FILE).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


def read(directory: Path) -> dict[str, Any] | None:
    """The summary kept in `directory`, or None if there is none of this version."""
    try:
        summary = json.loads((directory / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) and summary.get("version") == VERSION else None
