"""Apply the SHACL shapes of this folder to one store, and name what is wrong, and where.

`check()` runs pySHACL over an in-memory Oxigraph store (the union of all its graphs is what is
checked) with the shapes `datacube.ttl` (Data Cube IC-1 to IC-21), `domain.ttl` (the rules of
docs/MODEL.md) and `catalogue.ttl` (DCAT-AP 3.0 / DCAT-AP-NL 3.0). pySHACL runs its SPARQL
constraints on Oxigraph, so the set-level queries of the shapes (one per data set, not one per
observation) stay fast.

Each violation names its focus node, the rule it breaks (the shape's `rdfs:label`, e.g.
"IC-12 No duplicate observations", and the section it cites), the message, the severity and,
for an observation or source cell, the place in the source text it was read from
(`prov:wasDerivedFrom` a `mdo:Broncel` with `mdo:bestand` and `mdo:regel`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl.graph_abstraction import OxigraphDataGraph
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from converter.model import Place
from converter.rdf.formats import FORMATS, rdf_format
from converter.rdf.vocab import DCTERMS, MDO, PROV, QB
from shapes import prepared
from shapes.prepared import MDOSH, SHAPE_FILES, ValidateError

SHAPES_DIR = Path(__file__).resolve().parent
"""The shape files live beside the code that applies them."""

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, tied to the rule it breaks and the source it came from."""

    focus_node: Node
    rule: str  # the shape's label, e.g. "IC-12 No duplicate observations"
    rule_source: str | None  # the section the rule cites, e.g. https://www.w3.org/TR/vocab-data-cube/#ic-12
    shape: Node  # the source shape, e.g. mdosh:IC-12
    message: str
    severity: str  # "Violation" | "Warning" | "Info"
    value: Node | None = None  # sh:value: for a rule on a data set, the observation at fault
    path: Node | None = None  # sh:resultPath
    place: Place | None = None  # where the observation or cell at fault is printed

    @property
    def node(self) -> Node:
        """The node at fault: the value when a data-set rule names one, else the focus node."""
        if isinstance(self.value, (URIRef, BNode)) and self.value != self.focus_node:
            return self.value
        return self.focus_node


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0  # quads loaded (the union of all graphs is validated)
    seconds: float = 0.0
    mode: str = "one store"  # or "N chunks of observations, P processes" (see validate())




class _StoreGraph(OxigraphDataGraph):  # type: ignore[misc]
    """pySHACL's view of the Oxigraph store, with two fixes for pySHACL 0.40's Oxigraph backend.

    - Its `len()` runs a COUNT over the whole store, and pySHACL takes `len()` (through
      truthiness) several times for every result it reports: with many violations on a large
      cube that dominated the run. Here the size is counted once.
    - Walking a property from a literal raises in Oxigraph; in RDF a literal simply has no
      properties. (The shapes avoid literal focus nodes; this is a second line.)
    """

    def __init__(self, store: ox.Store, size: int | None = None) -> None:
        super().__init__(store)
        self._size = len(store) if size is None else size

    def __len__(self, context: Graph | None = None) -> int:
        return self._size if context is None else int(super().__len__(context))

    def __bool__(self) -> bool:
        return True

    def objects(self, subject=None, predicate=None, unique=False):  # type: ignore[no-untyped-def,override]
        if isinstance(subject, Literal):
            return
        yield from super().objects(subject, predicate, unique=unique)


def check_store(
    store: ox.Store, shapes_dir: Path, names: tuple[str, ...], observations_only: bool = False,
    keep: Collection[Node] | None = None, size: int | None = None,
) -> tuple[bool, list[Violation]]:
    """Run pySHACL with the named shape files over `store`; its verdict and violations.

    `observations_only`: only the shapes on the observations (see `_observation_shapes`).
    `keep`: only these shapes keep their targets (`bench/shape_costs.py` times them one by one).
    `size`: `len(store)`, if the caller has it (Oxigraph counts a store by reading it).
    What does not depend on the data is prepared once (`shapes.prepared`).
    """
    files = prepared.shapes(shapes_dir, names)
    if observations_only:
        observation = _observation_shapes(files.graph)
        keep = observation if keep is None else observation & set(keep)
    shapes = prepared.prepare(store, files, keep)
    conforms, report = shapes.run(_StoreGraph(store, size))
    violations = _violations(report, shapes.graph, store)
    return conforms and not any(v.severity == "Violation" for v in violations), violations


# --- In chunks -------------------------------------------------------------------------------


# --- Loading ---------------------------------------------------------------------------------


def load_store(data: Graph | Dataset | Path | str) -> ox.Store:
    store = ox.Store()
    if isinstance(data, (str, Path)):
        path = Path(data)
        fmt = rdf_format(path)
        if fmt is None:
            raise ValidateError(f"{path}: unknown RDF file type {path.suffix!r} (expected one of {', '.join(FORMATS)})")
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError) as error:
            raise ValidateError(f"{path}: {error}") from error
    elif isinstance(data, (Dataset, ConjunctiveGraph)):
        store.bulk_load(data.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    elif isinstance(data, Graph):
        store.bulk_load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    else:
        raise TypeError(f"validate() takes an rdflib Graph or Dataset or a file path, not {type(data).__name__}")
    return store


# --- Reading the report ----------------------------------------------------------------------


def _violations(report: Graph, shapes: Graph, store: ox.Store) -> list[Violation]:
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        message = report.value(result, SH.resultMessage)
        rows.append(
            (
                report.value(result, SH.focusNode),
                shape,
                str(message) if message is not None else "",
                _SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),
                report.value(result, SH.value),
                report.value(result, SH.resultPath),
            )
        )
    places = _places(store, {n for row in rows for n in (row[0], row[4]) if isinstance(n, URIRef)})
    violations = []
    for focus, shape, message, severity, value, path in rows:
        rule, source = _rule(shapes, shape)
        place = places.get(value) if value is not None else None
        violations.append(
            Violation(
                focus_node=focus,
                rule=rule,
                rule_source=source,
                shape=shape,
                message=message,
                severity=severity,
                value=value,
                path=path if isinstance(path, URIRef) else None,
                place=place or places.get(focus),
            )
        )
    return sorted(dict.fromkeys(violations), key=report_order)  # each result once, as from chunks


def report_order(v: Violation) -> tuple[tuple[int, int], str, str, str, str, str]:
    """By rule, focus, value and path; then by message, so that two results of one rule on one
    value (MDO-4: two units, and a unit not the indicator's) come in the same order from any store."""
    return (_rule_order(v.rule), v.rule, str(v.focus_node), str(v.value), str(v.path), v.message)


def _rule(shapes: Graph, shape: Node | None) -> tuple[str, str | None]:
    """The rule a shape enforces: its label and cited section, else those of its node shape."""
    candidates = [shape, *shapes.subjects(SH.property, shape)] if shape is not None else []
    for candidate in candidates:
        label = shapes.value(candidate, RDFS.label)
        if label is not None:
            source = shapes.value(candidate, DCTERMS.source)
            return str(label), str(source) if source is not None else None
    return (short(shape) if shape is not None else "(unknown shape)"), None


def _rule_order(rule: str) -> tuple[int, int]:
    """IC-n rules first in their number order, then the rest."""
    if rule.startswith("IC-"):
        number = rule[3:].split(" ", 1)[0]
        return (0, int(number)) if number.isdigit() else (0, 99)
    if rule.startswith("MDO-"):
        number = rule[4:].split(" ", 1)[0]
        return (1, int(number)) if number.isdigit() else (1, 99)
    return (2, 0)


def _places(store: ox.Store, nodes: Iterable[URIRef]) -> dict[Node, Place]:
    """The source place of each node that is an observation (via its cell) or a source cell."""
    nodes = sorted(nodes)
    if not nodes:
        return {}
    places: dict[Node, Place] = {}
    for chunk in (nodes[i : i + 500] for i in range(0, len(nodes), 500)):
        values = " ".join(f"<{node}>" for node in chunk)
        query = f"""
            SELECT ?node (SAMPLE(?file) AS ?f) (SAMPLE(?line) AS ?l) WHERE {{
              VALUES ?node {{ {values} }}
              {{ ?node <{PROV.wasDerivedFrom}> ?cell . ?cell <{MDO.bestand}> ?file ; <{MDO.regel}> ?line }}
              UNION {{ ?node <{MDO.bestand}> ?file ; <{MDO.regel}> ?line }}
            }} GROUP BY ?node"""
        for node, file, line in store.query(query, use_default_graph_as_union=True):  # type: ignore[misc]
            if file is None or line is None:
                continue
            try:
                number = int(line.value)
            except ValueError:
                continue
            places[URIRef(node.value)] = Place(file.value, number)
    return places


def short(node: Node | None) -> str:
    if node is None:
        return "-"
    text = str(node)
    if text.startswith(str(MDOSH)):
        return "mdosh:" + text[len(str(MDOSH)) :]
    return show(node)


def show(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal) and node.datatype in (None, XSD.string):
        return Literal(str(node), lang=node.language).n3()
    return node.n3() if hasattr(node, "n3") else str(node)


def _observation_shapes(shapes: Graph) -> set[Node]:
    """The shapes on observations: those on `qb:DataSet` (rules over a data set's observations)
    and on the nodes `qb:Observation` and `mdo:OntbrekendCijfer` (rules for every unit a chunk
    holds, an observation or a cell without a figure), as shapes/README.md has it.

    Every other shape targets codes, the structure or the catalogue, none of which a chunk
    adds to, and no shape of those reaches an observation (`tests/test_validate_chunks.py`
    checks that a cut file gives the results of one store).
    """
    units = set(shapes.subjects(SH.targetNode, QB.Observation)) | set(shapes.subjects(SH.targetNode, MDO.OntbrekendCijfer))
    return set(shapes.subjects(SH.targetClass, QB.DataSet)) | units
