"""The endpoint's small pure parts: negotiation, the query checks, URLs, numbers, examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from endpoint.charts import Series, dutch_number, line_chart, nice_step
from endpoint.examples import ExampleError, parse_example
from endpoint.protocol import GRAPH_FORMATS, RESULT_FORMATS, NotAcceptable, choose, negotiate
from endpoint.safety import MAX_DEPTH, MAX_GROUPS, MAX_TOKENS, QueryRefused, QueryUnreadable, analyse
from endpoint.urls import Urls


@pytest.mark.parametrize("accept,expected", [
    (None, "a/json"),
    ("", "a/json"),
    ("*/*", "a/json"),
    ("text/csv", "text/csv"),
    ("text/*;q=0.5, a/json;q=0.1", "text/csv"),
    ("a/json;q=0, */*;q=0.1", "text/csv"),
    ("image/png", None),
    ("text/csv;q=abc, a/json", "a/json"),
])
def test_negotiate(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, ["a/json", "text/csv"]) == expected


def test_choose_prefers_the_format_parameter_and_knows_html() -> None:
    assert choose(RESULT_FORMATS, "text/csv", "json").name == "json"
    assert choose(GRAPH_FORMATS, None, "application/rdf+xml").name == "rdf"
    assert choose(GRAPH_FORMATS, "text/html,application/xml;q=0.9,*/*;q=0.8", None, html=True) is None
    assert choose(GRAPH_FORMATS, "text/turtle, text/html;q=0.5", None, html=True).name == "ttl"
    assert choose(GRAPH_FORMATS, "image/png", None).name == "ttl"  # unmet Accept: the default, not 406
    with pytest.raises(NotAcceptable, match="use one of: json, xml, csv, tsv"):
        choose(RESULT_FORMATS, None, "pdf")


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service silent ?u { ?s ?p ?o } }",
    "SELECT * { ?a ?b ?c.SERVICE<http://x/>{} }",
    "SELECT * { \\u0053ERVICE <http://x/> {} }",
    "SELECT ?x WHERE { # c\rSERVICE <http://x/> { ?x ?p ?o } }",  # a comment ends at a carriage return
    "SELECT ?x WHERE { # c\nSERVICE <http://x/> { ?x ?p ?o } }",
    "PREFIX ex: <http://e/> SELECT ?x WHERE { ex:a\\' ex:b ex:c . SERVICE <http://x/> { ?x ?p ?o } }",
    "SELECT * { OPTIONAL { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * { ?a ?b ?c MINUS { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * { FILTER NOT EXISTS { SERVICE ?u { ?s ?p ?o } } }",
    "SELECT * { { SELECT * { SERVICE SILENT <http://x/> { ?s ?p ?o } } } }",
], ids=["plain", "silent-variable", "no-space", "codepoint", "comment-cr", "comment-lf", "escaped-name", "optional",
        "minus", "exists", "subquery"])
def test_service_is_found_by_the_parse(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE .federated query. is not allowed"):
        analyse(query)


@pytest.mark.parametrize("query,has_dataset", [
    ('SELECT * { BIND("SERVICE <x>" AS ?x) }', False),
    ("SELECT * { BIND('''SERVICE\n''' AS ?x) }", False),
    ("SELECT * { ?s <http://example.org/SERVICE#SERVICE> ?o } # SERVICE", False),
    ("PREFIX ex: <http://e/> SELECT * { ?service ex:service ?o . ?o ex:a-service $service }", False),
    ("SELECT * FROM <http://g/1> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <http://g/1> { GRAPH ?g { ?s ?p ?o } }", True),
])
def test_the_word_service_elsewhere_and_the_dataset(query: str, has_dataset: bool) -> None:
    assert analyse(query).has_dataset is has_dataset


@pytest.mark.parametrize("query,message", [
    ("SELECT * WHERE " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1), f"nests {MAX_DEPTH + 1} brackets deep"),
    ("SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }", "nests 3002 brackets deep"),
    ("SELECT * WHERE { " + " UNION ".join(["{}"] * (MAX_GROUPS + 1)) + " }", f"has {MAX_GROUPS + 2} groups"),
    ("SELECT * WHERE { FILTER(" + "+".join(["1"] * 10000) + ") }", "has 20007 tokens"),
])
def test_query_shape_limits(query: str, message: str) -> None:
    with pytest.raises(QueryRefused, match=message):
        analyse(query)
    assert MAX_TOKENS == 5000


def test_a_query_rdflib_cannot_read_is_unreadable() -> None:
    with pytest.raises(QueryUnreadable, match="Expected"):
        analyse("SELECT * WHERE { ?s ?p }")


def test_urls_map_minted_iris_to_local_paths() -> None:
    urls = Urls("https://data.example.nl/mdo")
    assert urls.local("https://data.example.nl/mdo/id/voorziening/digid") == "/id/voorziening/digid"
    assert urls.local("https://data.example.nl/mdo/graph/editie/2024") == "/graph/editie/2024"
    assert urls.local("https://data.example.nl/other/id/x") is None
    assert urls.href("https://www.noraonline.nl/wiki/BRI") == "https://www.noraonline.nl/wiki/BRI"
    assert urls.iri_for_path("/id/jaar/2019") == "https://data.example.nl/mdo/id/jaar/2019"
    assert urls.alternate("/id/jaar/2019", "ttl") == "/id/jaar/2019?format=ttl"
    assert urls.sparql("ASK {}", "csv") == "/sparql?query=ASK+%7B%7D&format=csv"


@pytest.mark.parametrize("value,unit,text", [
    (15023119, "aantal", "15.023.119"), (99.5, "procent", "99,5%"), (None, "", "–"), (0, "", "0"), (2.25, "", "2,25"),
])
def test_dutch_number(value: float | None, unit: str, text: str) -> None:
    assert dutch_number(value, unit) == text


def test_nice_step_and_chart_gaps() -> None:
    assert nice_step(17_179_883) == 5_000_000
    assert nice_step(7) == 2
    svg = str(line_chart("X", [Series("editie 2024", ((2019, None), (2020, 87.0), (2021, 10086.0)))]))
    assert svg.count("<circle") == 2
    assert svg.count("<polyline") == 1
    assert "<title>X</title>" in svg


def test_example_needs_title_and_description(tmp_path: Path) -> None:
    good = tmp_path / "a.rq"
    good.write_text("# title: T\n# description: D\nASK {}\n", encoding="utf-8")
    assert (parse_example(good).title, parse_example(good).description) == ("T", "D")
    bad = tmp_path / "b.rq"
    bad.write_text("# title: T\nASK {}\n", encoding="utf-8")
    with pytest.raises(ExampleError, match="b.rq: the first comment lines need '# description: ...'"):
        parse_example(bad)


def test_every_limit_of_the_endpoint_is_in_the_readme() -> None:
    """The README's security section names each environment variable `mdo serve` reads."""
    from mdo.settings import APP_LIMITS, SERVER_LIMITS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    security = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    assert [v for v in [*APP_LIMITS, *SERVER_LIMITS] if f"`{v}`" not in security] == []


def test_the_store_follows_the_size_of_the_data(tmp_path: Path) -> None:
    """`--store auto` serves a file up to MEMORY_MAX_BYTES from memory, a larger one from disk."""
    from endpoint.store import MEMORY_MAX_BYTES, in_memory_for

    data = tmp_path / "mdo.trig"
    with data.open("wb") as handle:
        handle.truncate(MEMORY_MAX_BYTES)
    assert in_memory_for(data) and in_memory_for(data, "memory") and not in_memory_for(data, "disk")
    with data.open("ab") as handle:
        handle.write(b"\n")
    assert not in_memory_for(data, "auto") and in_memory_for(data, "memory")
    with pytest.raises(ValueError, match="auto, disk, memory, not 'floppy'"):
        in_memory_for(data, "floppy")


def test_solutions_cross_the_pipe_with_every_kind_of_term() -> None:
    """Rows are pickled packed (IRIs as text, literals as tuples): every kind of term comes back
    equal and of its own type, a language tag, a datatype, an unbound variable and a blank node too."""
    import pickle

    import pyoxigraph as ox

    from endpoint.results import Solutions

    xsd_integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    rows = [[ox.NamedNode("https://data.monitordigitaleoverheid.nl/id/voorziening/digid"), ox.Literal("DigiD", language="nl")],
            [ox.Literal("15023119", datatype=xsd_integer), None],
            [ox.BlankNode("b0"), ox.Literal("zonder type")],
            [ox.Triple(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c")), ox.Literal("x", language="en")]]
    sent = Solutions(["s", "o"], rows, truncated=True, limit=4, cut="rows")
    received = pickle.loads(pickle.dumps(sent))
    assert received == sent
    assert [[type(term) for term in row] for row in received.rows] == [[type(term) for term in row] for row in rows]
    assert received.rows[1][0].datatype == xsd_integer and received.rows[0][1].language == "nl"


def test_a_value_repeated_on_every_row_crosses_the_pipe_once() -> None:
    """A result repeats its labels, IRIs and datatypes on every row: each is pickled once and
    referred to after, so the pipe carries far less than the label's text on every row."""
    import pickle

    import pyoxigraph as ox

    from endpoint.results import Solutions

    label = ox.Literal("Aantal berichten vanuit de Basisregistratie Kadaster geleverd aan Digilevering, per kwartaal", language="nl")
    digilevering = ox.NamedNode("https://data.monitordigitaleoverheid.nl/id/voorziening/digilevering")
    rows = [[digilevering, label, ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))]
            for n in range(500)]
    sent = Solutions(["v", "indicator", "waarde"], rows)
    pickled = pickle.dumps(sent)
    assert pickle.loads(pickled) == sent
    assert len(pickled) < 500 * len(label.value) // 3  # written on every row: over 500 times its length


def test_json_results_from_the_pipe_are_the_text_json_dumps_writes() -> None:
    """The JSON results are written from the packed rows as they came over the pipe, without
    terms: byte for byte what `json.dumps` makes of the terms, escapes and text beyond ASCII too,
    and the same before and after the pipe."""
    import json
    import pickle

    import pyoxigraph as ox

    from endpoint.protocol import SparqlJsonResponse, term_json
    from endpoint.results import Solutions

    xsd_integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    rows = [[ox.NamedNode("https://data.monitordigitaleoverheid.nl/id/voorziening/digid"), ox.Literal("Één \"DigiD\"\\\n", language="nl")],
            [ox.Literal("15023119", datatype=xsd_integer), None],
            [ox.BlankNode("b0"), ox.Literal("zonder type\t€")],
            [ox.Triple(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c")), ox.Literal("x", language="en")]]
    sent = Solutions(["s", "o"], rows)
    expected = json.dumps({"head": {"vars": ["s", "o"]}, "results": {"bindings": [
        {name: term_json(term) for name, term in zip(["s", "o"], row) if term is not None} for row in rows]}},
        ensure_ascii=False).encode()
    received = pickle.loads(pickle.dumps(sent))
    assert SparqlJsonResponse(received).body == expected
    assert SparqlJsonResponse(sent).body == expected
    assert received.rows == rows  # made into terms when read, for every other format
