"""The built catalogue against the official DCAT shapes, as data.overheid.nl and data.europa.eu check it.

The shape files are the published ones in `../shared/standards/` (see its README), loaded as
they are: DCAT-AP-NL 3.0 (core, class ranges, code-list ranges, and the DCAT-AP 3.0.1 shapes it
builds on) and SEMIC DCAT-AP 3.0.1 with its range shapes, with the EU code lists the catalogue
uses loaded beside the catalogue. One packaging fault of the official files is worked around:
pySHACL refuses a `sh:property` that names a shape defined in neither file, so those dangling
references (a handful in DCAT-AP 3.0.1) are dropped; they define no constraint to check.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

STANDARDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "standards"
NL = STANDARDS / "dcat-ap-nl-3.0"
EU = STANDARDS / "dcat-ap-3.0.1"
SHAPE_SETS = {
    "DCAT-AP-NL 3.0": [NL / "dcat-ap-nl-SHACL.ttl", NL / "dcat-ap-nl-SHACL-klassebereik.ttl",
                       NL / "dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl", NL / "dcat-ap-SHACL.ttl"],
    "DCAT-AP 3.0.1 with ranges": [EU / "dcat-ap-SHACL.ttl", EU / "ranges.ttl"],
}

pytestmark = pytest.mark.skipif(
    not STANDARDS.is_dir(), reason=f"the official shapes are not here: {STANDARDS} (../shared/standards beside the project)"
)


def _shapes(files: list[Path]) -> Graph:
    shapes = Graph()
    for path in files:
        shapes.parse(path, format="turtle")
    for shape, target in list(shapes.subject_objects(SH.property)):
        if (target, None, None) not in shapes:  # defined in neither file: nothing to check
            shapes.remove((shape, SH.property, target))
    return shapes


@pytest.fixture(scope="module")
def catalogue(built_dist: Path) -> Graph:
    """The published catalogue file, with the EU code lists (access right, data theme, file
    type, frequency) loaded beside it."""
    graph = Graph().parse(built_dist / "catalogus.ttl", format="turtle")
    for code_list in sorted((STANDARDS / "eu-vocabularies").glob("*.rdf")):
        graph.parse(code_list, format="xml")
    return graph


def _violations(data: Graph, shapes: Graph) -> list[str]:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return sorted(
        f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(r, SH.resultSeverity) == SH.Violation
    )


@pytest.mark.parametrize("name", SHAPE_SETS)
def test_the_catalogue_passes_the_official_shapes(catalogue: Graph, name: str) -> None:
    assert _violations(catalogue, _shapes(SHAPE_SETS[name])) == []


def test_the_range_shapes_do_check_the_catalogue(catalogue: Graph) -> None:
    """A value without the class the range shapes ask for is reported: the check above can fail."""
    broken = Graph()
    broken += catalogue
    licence = URIRef("https://definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties/cc0")
    broken.remove((licence, RDF.type, None))
    found = _violations(broken, _shapes(SHAPE_SETS["DCAT-AP 3.0.1 with ranges"]))
    # the catalogue, the service, 5 dumps, the tidy CSV and the quality report
    assert len(found) == 9 and all(" http://purl.org/dc/terms/license: " in v for v in found)


def test_the_licence_is_from_the_dcat_ap_nl_list(catalogue: Graph) -> None:
    licences = set(catalogue.objects(None, URIRef("http://purl.org/dc/terms/license")))
    assert licences == {URIRef("https://definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties/cc0")}
