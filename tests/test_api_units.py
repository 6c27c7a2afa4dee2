"""The API's small parts: saved-query parameters and the term-only query templates."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from mdo.settings import load_settings
from endpoint.api.saved import load_saved_queries, parse_parameters
from endpoint.api.templates import query
from endpoint.examples import ExampleError, parse_example

HEADER = "# title: T\n# description: D, for \"digid\" say.\n"


def saved(tmp_path: Path, text: str, name: str = "01-test") -> object:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return parse_parameters(parse_example(path), path)


def test_a_parameter_replaces_its_literal_in_the_query_only(tmp_path: Path) -> None:
    query_text = HEADER + '# parameter: voorziening = "digid" De notatie.\nSELECT ?v WHERE { ?v ?p "digid" }\n'
    found = saved(tmp_path, query_text)
    assert [(p.name, p.default, p.description) for p in found.parameters] == [("voorziening", "digid", "De notatie.")]
    assert found.text({}) == query_text
    text = found.text({"voorziening": "brp"})
    assert text.endswith('SELECT ?v WHERE { ?v ?p "brp" }\n') and 'for "digid" say' in text  # the header stays


def test_a_hostile_value_stays_one_literal(tmp_path: Path) -> None:
    found = saved(tmp_path, HEADER + '# parameter: naam = "x" N.\nSELECT ?s WHERE { ?s ?p "x" }\n')
    value = 'x" } ; DELETE WHERE { ?s ?p ?o } #\n\\'
    text = found.text({"naam": value})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal(value)))
    assert [row["s"].value for row in store.query(text)] == ["http://e/s"]  # parsed as one query, the value as a literal


@pytest.mark.parametrize("text, words", [
    (HEADER + '# parameter: voorziening = "digid" D.\nSELECT * { ?v ?p "brp" }\n', "0 times"),
    (HEADER + '# parameter: voorziening = "digid" D.\nSELECT * { ?v ?p "digid" . ?w ?p "digid" }\n', "2 times"),
    (HEADER + '# parameter: voor_ziening = "digid" D.\nSELECT * { ?v ?p "digid" }\n', "lowerCamelCase"),
    (HEADER + '# parameter: voorziening digid\nSELECT * { ?v ?p "digid" }\n', "expected"),
])
def test_a_bad_parameter_line_is_refused_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ExampleError, match=words) as error:
        saved(tmp_path, text)
    assert "01-test.rq" in str(error.value)


def test_a_query_file_name_must_be_a_path_segment(tmp_path: Path) -> None:
    with pytest.raises(ExampleError, match="01_Test.rq"):
        saved(tmp_path, HEADER + "SELECT * { ?s ?p ?o }\n", name="01_Test")


def test_the_project_queries_load_with_their_parameters() -> None:
    queries = {q.name: q for q in load_saved_queries(load_settings().queries_dir)}
    assert [p.name for p in queries["01-reeks-van-een-voorziening"].parameters] == ["voorziening"]


def test_only_terms_and_integers_go_into_an_api_query() -> None:
    text = query("edities", editie=ox.NamedNode("https://example.org/id/editie/2024"), limit=3, offset=0)
    assert "VALUES ?e { <https://example.org/id/editie/2024> }" in text and "LIMIT 3 OFFSET 0" in text
    with pytest.raises(TypeError, match="only RDF terms"):
        query("edities", editie="<x> } DELETE {", limit=3, offset=0)
    with pytest.raises(TypeError, match="only RDF terms"):
        query("edities", editie=None, limit="3; DROP", offset=0)
