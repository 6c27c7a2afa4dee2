"""The shapes in shapes/ and shapes/validate.py, driven by tests/shape_cases/manifest.toml.

Each manifest case is one test: the valid graph conforms, and the broken one yields exactly
the violations the case expects (source shape and focus node, and value and path where given).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from converter.model import Place
from mdo.settings import load_settings
from shapes.validate import SHAPE_FILES, ValidateError, ValidationResult, format_report, validate
from shape_manifest import CASES_DIR, IRIS, PREFIXES, Case, cases, in_one_store, term, variant_file

DEFAULT_BASE = "https://data.monitordigitaleoverheid.nl"


def _matches(violation, expected: dict[str, str]) -> bool:
    actual = {"shape": violation.shape, "focus": violation.focus_node, "value": violation.value, "path": violation.path}
    return all(actual[key] == term(value) for key, value in expected.items())


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_shape_case(case: Case, tmp_path: Path) -> None:
    valid = in_one_store(case, tmp_path, broken=False)
    assert valid.conforms, format_report(valid)

    result = in_one_store(case, tmp_path, broken=True)
    assert not result.conforms
    unmatched = list(result.violations)
    for expected in case.expect:
        found = next((v for v in unmatched if _matches(v, expected)), None)
        assert found is not None, f"expected {expected}, got:\n{format_report(result)}"
        unmatched.remove(found)
    assert not unmatched, f"unexpected violations:\n{format_report(result)}"


def test_every_shape_has_a_case() -> None:
    """Each named shape in shapes/ that can report is the expected source of some case."""
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(load_settings().shapes_dir / f"{name}.ttl")
    reporting = set()
    for query in (
        "SELECT ?s WHERE { ?s a sh:PropertyShape }",
        "SELECT ?s WHERE { ?s sh:sparql [] }",
        "SELECT ?s WHERE { ?s mdosh:selectTemplate [] }",
        "SELECT ?s WHERE { ?s a sh:NodeShape ; sh:class [] }",
    ):
        reporting |= {row[0] for row in shapes.query(query, initNs={"sh": "http://www.w3.org/ns/shacl#", "mdosh": PREFIXES["mdosh"]})}
    covered = {term(e["shape"]) for case in cases() for e in case.expect}
    assert reporting - covered == set()


def test_every_shape_cites_its_rule() -> None:
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(load_settings().shapes_dir / f"{name}.ttl")
    rows = shapes.query(
        """SELECT ?s ?label ?source WHERE {
             { ?s a sh:PropertyShape } UNION { ?s sh:sparql [] } UNION { ?s mdosh:selectTemplate [] }
             OPTIONAL { ?s rdfs:label ?label } OPTIONAL { ?s dcterms:source ?source } }""",
        initNs={
            "sh": "http://www.w3.org/ns/shacl#",
            "mdosh": PREFIXES["mdosh"],
            "rdfs": PREFIXES["rdfs"],
            "dcterms": PREFIXES["dcterms"],
        },
    )
    for shape, label, source in rows:
        assert label is not None and source is not None, f"{shape} has no rdfs:label or dcterms:source"
        if str(shape).split("#")[-1].startswith("IC-"):
            number = str(shape).split("#IC-")[1]
            assert str(label).startswith(f"IC-{number} "), shape
            assert str(source) == f"https://www.w3.org/TR/vocab-data-cube/#ic-{number}", shape


def test_base_cube_conforms_as_trig_dataset_and_graph() -> None:
    path = CASES_DIR / "base.trig"
    assert validate(path).conforms
    dataset = Dataset()
    dataset.parse(path, format="trig")
    assert validate(dataset).conforms  # the union of the named graphs
    graph = Graph()
    for s, p, o, _ in dataset.quads():
        graph.add((s, p, o))
    assert validate(graph).conforms


def test_shapes_follow_the_configured_base_iri(tmp_path: Path) -> None:
    """The rules that name a code (niet-beschikbaar, procent) match it under any base IRI."""
    text = (CASES_DIR / "base.trig").read_text(encoding="utf-8")
    moved = tmp_path / "moved.trig"
    moved.write_text(text.replace(f"{DEFAULT_BASE}/id/", "https://example.org/mdo/id/"), encoding="utf-8")
    assert validate(moved).conforms  # the niet-beschikbaar observation has no value
    broken = tmp_path / "broken.trig"
    broken.write_text(moved.read_text(encoding="utf-8").replace("mdo:waarde 42.5", "mdo:waarde 420.5"), encoding="utf-8")
    result = validate(broken)
    assert [v.shape for v in result.violations] == [URIRef(PREFIXES["mdosh"] + "PercentageRange")]


def test_format_report_names_focus_rule_and_source_place(tmp_path: Path) -> None:
    case = next(c for c in cases() if c.id == "IC-14-missing-measure")
    result = in_one_store(case, tmp_path, broken=True)
    ic14 = next(v for v in result.violations if v.rule.startswith("IC-14"))
    assert ic14.focus_node == URIRef(IRIS["ds"])
    assert ic14.node == URIRef(IRIS["obs1"])
    assert ic14.place == Place("sources/mdo-2024.txt", 149)
    assert ic14.rule == "IC-14 All measures present"
    assert ic14.rule_source == "https://www.w3.org/TR/vocab-data-cube/#ic-14"
    assert ic14.severity == "Violation"
    report = format_report(result)
    assert "Does not conform: 1 result(s) under 1 rule(s)" in report
    assert "IC-14 All measures present" in report
    assert "https://www.w3.org/TR/vocab-data-cube/#ic-14" in report
    assert f"focus   <{IRIS['ds']}>" in report
    assert f"value   <{IRIS['obs1']}>" in report
    assert "source  sources/mdo-2024.txt:149" in report


def test_format_report_on_a_conforming_cube() -> None:
    report = format_report(validate(CASES_DIR / "base.trig"))
    assert report.startswith("Conforms: ")


def test_format_report_limits_each_rule(tmp_path: Path) -> None:
    violations = in_one_store(cases()[0], tmp_path, broken=True).violations * 30
    report = format_report(ValidationResult(conforms=False, violations=violations), limit_per_rule=5)
    assert "... and 25 more" in report


def test_the_prepared_shapes_follow_the_data_and_the_files(tmp_path: Path) -> None:
    """`shapes.prepared` keeps the shapes between validations: a store with other template
    parameters gets its own constraints, and a changed shape file is read again."""
    hierarchy = next(c for c in cases() if c.id == "IC-20-code-not-in-hierarchy")
    percent = next(c for c in cases() if c.id == "MDO-5-percentage-above-100")
    broken = variant_file(hierarchy, tmp_path, broken=True)
    assert validate(CASES_DIR / "base.trig", shapes=hierarchy.shapes).conforms  # no hierarchy: no IC-20 constraint
    ic20 = [v.shape for v in validate(broken, shapes=hierarchy.shapes).violations]
    assert URIRef(PREFIXES["mdosh"] + "IC-20") in ic20  # the constraint for its qb:parentChildProperty
    assert validate(CASES_DIR / "base.trig", shapes=hierarchy.shapes).conforms

    folder = tmp_path / "shapes"
    folder.mkdir()
    for name in SHAPE_FILES:
        (folder / f"{name}.ttl").write_bytes((load_settings().shapes_dir / f"{name}.ttl").read_bytes())
    over = variant_file(percent, tmp_path, broken=True)
    rule = URIRef(PREFIXES["mdosh"] + "PercentageRange")
    assert rule in [v.shape for v in validate(over, shapes_dir=folder).violations]
    domain = folder / "domain.ttl"
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace("mdosh:PercentageRange a sh:NodeShape ;", "mdosh:PercentageRange a sh:NodeShape ; sh:deactivated true ;", 1),
                      encoding="utf-8")
    assert rule not in [v.shape for v in validate(over, shapes_dir=folder).violations]


def test_unreadable_input_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.trig"
    bad.write_text("this is not trig", encoding="utf-8")
    with pytest.raises(ValidateError, match="bad.trig"):
        validate(bad)
    with pytest.raises(ValidateError, match="unknown RDF file type"):
        validate(tmp_path / "cube.xlsx")
    with pytest.raises(ValidateError, match="no such shapes file"):
        validate(CASES_DIR / "base.trig", shapes=["nonexistent"])


def test_built_cube_conforms(request: pytest.FixtureRequest) -> None:
    """The real cube from `mdo build` (fixture `built_trig` in conftest.py) conforms."""
    try:
        built: Path = request.getfixturevalue("built_trig")
    except pytest.FixtureLookupError:
        pytest.skip("no built_trig fixture (tests/conftest.py) yet")
    result = validate(built)
    assert result.conforms, format_report(result)
    assert result.seconds < 10  # target 2 s on the real cube; generous for loaded CI machines
