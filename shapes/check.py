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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from pyshacl.graph_abstraction import OxigraphDataGraph
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from converter.model import Place
from converter.rdf.formats import FORMATS, rdf_format
from converter.rdf.vocab import DCTERMS, MDO, PROV, QB

MDOSH = Namespace("https://data.monitordigitaleoverheid.nl/def/shapes#")

SHAPES_DIR = Path(__file__).resolve().parent
"""The shape files live beside the code that applies them."""

SHAPE_FILES = ("datacube", "domain", "catalogue")
"""The shape files under `shapes/`, by stem; `validate(shapes=...)` takes a subset."""

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ValidateError(ValueError):
    """The data or the shapes cannot be read; the message names the file."""


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

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self._size = len(store)

    def __len__(self, context: Graph | None = None) -> int:
        return self._size if context is None else int(super().__len__(context))

    def __bool__(self) -> bool:
        return True

    def objects(self, subject=None, predicate=None, unique=False):  # type: ignore[no-untyped-def,override]
        if isinstance(subject, Literal):
            return
        yield from super().objects(subject, predicate, unique=unique)


def check_store(
    store: ox.Store, shapes_dir: Path, names: tuple[str, ...], observations_only: bool = False
) -> tuple[bool, list[Violation]]:
    """Run pySHACL with the named shape files over `store`; its verdict and violations.

    `observations_only`: only the shapes on the observations (see `_observation_shapes`).
    """
    shapes_graph = _instantiate_templates(_shapes_graph(shapes_dir, names), store)
    if observations_only:
        keep_only_observation_shapes(shapes_graph)
    conforms, report, _ = pyshacl.validate(
        _StoreGraph(store),
        shacl_graph=shapes_graph,
        inference="none",
        advanced=False,
        inplace=True,
        allow_infos=True,
    )
    violations = _violations(report, shapes_graph, store)
    return bool(conforms) and not any(v.severity == "Violation" for v in violations), violations


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


@lru_cache(maxsize=8)
def _parsed_shapes(path: Path, mtime: float) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several parser errors; name the file
        raise ValidateError(f"{path}: {error}") from error
    return graph


def _shapes_graph(shapes_dir: Path, names: tuple[str, ...]) -> Graph:
    graph = Graph()
    for name in names:
        path = shapes_dir / f"{name}.ttl"
        if not path.is_file():
            raise ValidateError(f"{path}: no such shapes file (known: {', '.join(SHAPE_FILES)})")
        parsed = _parsed_shapes(path, path.stat().st_mtime)
        graph += parsed
        for prefix, namespace in parsed.namespaces():
            graph.bind(prefix, namespace, override=False)
    return graph


def _instantiate_templates(shapes: Graph, store: ox.Store) -> Graph:
    """Add the SPARQL constraints a template shape makes for the properties in the data.

    SPARQL cannot take a property path from a variable (IC-20, IC-21), and a query over a fixed
    list of properties is several times faster on a large cube than one that joins them from
    the structure (IC-11 to IC-14, IC-19). So a shape may carry a query in `mdosh:selectTemplate`
    and, in `mdosh:templateParameterQuery`, the query for its parameters, run on the data:

    - solutions of `?p`: one constraint per property, with `$p` replaced by its IRI;
    - solutions of `?structure ?p`: one constraint per data structure, with `$structure`
      replaced by its IRI, `$eachPath` by `{ BIND (<p1> AS ?path) } UNION { BIND (<p2> AS ?path) }
      ...` (IC-11, IC-13 and IC-14 check all of a structure's properties in one pass over the
      observations; SHACL allows no VALUES in a constraint), `$patterns` by
      `; <p1> ?key1 ; <p2> ?key2 ...` and `$keys` by `?key1 ?key2 ...` (IC-12 groups
      observations on their dimension values).

    The message in `mdosh:messageTemplate` gets the same replacements. Nothing in the data to
    instantiate for: no constraint, as the rule then has nothing to check.
    """
    prefixes = _sparql_prefixes(shapes)
    for shape, query in list(shapes.subject_objects(MDOSH.templateParameterQuery)):
        select = str(shapes.value(shape, MDOSH.selectTemplate))
        message = shapes.value(shape, MDOSH.messageTemplate)
        solutions = store.query(prefixes + str(query), use_default_graph_as_union=True)
        names = [variable.value for variable in solutions.variables]  # type: ignore[union-attr]
        if names not in (["p"], ["structure", "p"]):
            raise ValidateError(f"{short(shape)}: a template parameter query selects ?p or ?structure ?p, not {names}")
        grouped: dict[str, list[str]] = defaultdict(list)  # a property, or a structure with its properties
        for solution in solutions:  # type: ignore[union-attr]
            values = [term.value if isinstance(term, ox.NamedNode) else None for term in solution]
            if None not in values:  # a blank node or literal is not a property to instantiate for
                grouped[values[0]].extend(values[1:])  # type: ignore[arg-type]
        for key, properties in grouped.items():
            replacements = (
                {"$structure": key, "$eachPath": " UNION ".join(f"{{ BIND (<{p}> AS ?path) }}" for p in properties),
                 "$patterns": " ".join(f"; <{p}> ?key{i}" for i, p in enumerate(properties)),
                 "$keys": " ".join(f"?key{i}" for i in range(len(properties)))}
                if names == ["structure", "p"] else {"$p": key}
            )
            constraint = BNode()
            shapes.add((shape, SH.sparql, constraint))
            shapes.add((constraint, SH.select, Literal(_replace(select, replacements))))
            if message is not None:
                shapes.add((constraint, SH.message, Literal(_replace(str(message), replacements), lang=message.language)))
            shapes.add((constraint, SH.prefixes, MDOSH.datacube))
    return shapes


def _replace(text: str, replacements: dict[str, str]) -> str:
    """`text` with each `$name` of `replacements` replaced (longest name first)."""
    for name in sorted(replacements, key=len, reverse=True):
        text = text.replace(name, replacements[name])
    return text


def _sparql_prefixes(shapes: Graph) -> str:
    lines = []
    for declaration in shapes.objects(None, SH.declare):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


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


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)


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


def keep_only_observation_shapes(shapes: Graph) -> None:
    keep = _observation_shapes(shapes)
    for target in _TARGETS:
        for shape in list(shapes.subjects(target, None)):
            if shape not in keep:
                shapes.remove((shape, target, None))

