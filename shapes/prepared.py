"""The shapes as pySHACL runs them, prepared once and reused for every store they check.

Most of a validation of a small store would go to work that does not depend on the data:
merging the parsed shape files into a graph, instantiating the templates, pySHACL reading that
graph into its shapes and, for every SPARQL constraint in every run, collecting its prefixes
and checking its query text with regular expressions. Only which constraints the templates
make depends on the data. So a `Prepared` holds the instantiated shapes graph and pySHACL's
`ShapesGraph` over it, cached on what they are made of: the shape files (their modification
times and sizes), the template parameters the store gives, and the shapes whose targets are kept. Every
chunk of a large cube, and the next store, finds its shapes ready.

A cached graph is never changed after it is made: everything that varies makes another one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import pyoxigraph as ox
import pyshacl.helper
from pyshacl.errors import ValidationFailure
from pyshacl.graph_abstraction import DataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from pyshacl.monkey import apply_patches
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import SH
from rdflib.term import Node

MDOSH = Namespace("https://data.monitordigitaleoverheid.nl/def/shapes#")

SHAPE_FILES = ("datacube", "domain", "catalogue")
"""The shape files under `shapes/`, by stem; `validate(shapes=...)` takes a subset."""

TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)

_OPTIONS = {"inference": "none", "advanced": False, "inplace": True, "allow_infos": True}
"""What `check_store` asks of pySHACL: no inference (the shapes entail what they need), the
data as it is (no copy), and an sh:Info result does not make the data non-conforming."""


class ValidateError(ValueError):
    """The data or the shapes cannot be read; the message names the file."""


@dataclass(frozen=True)
class Shapes:
    """The shape files of one validation, merged and parsed: never changed once read."""

    key: tuple[Path, tuple[str, ...], tuple[tuple[int, int], ...]]  # the folder, the files, their times and sizes
    graph: Graph = field(compare=False)
    prefixes: str = field(compare=False)  # the PREFIX lines of the files' sh:declare, for the template parameter queries


@dataclass(frozen=True)
class Prepared:
    """The shapes graph of one validation (templates instantiated, targets kept) and pySHACL's
    `ShapesGraph` over it, which reads the shapes once however many stores it checks."""

    graph: Graph
    shapes_graph: ShapesGraph

    def run(self, data: DataGraph) -> tuple[bool, Graph]:
        """pySHACL's verdict and report graph on `data`, as `pyshacl.validate` gives them."""
        apply_patches()  # as pyshacl.validate does: its rdflib fixes, applied once per process
        validator = Validator(data, shacl_graph=self.graph, options=dict(_OPTIONS))
        validator.shacl_graph = self.shapes_graph  # read once: `Validator` would read it again
        try:
            conforms, report, _ = validator.run()
        except ValidationFailure as error:  # pySHACL refuses a constraint: the shapes' fault
            raise ValidateError(f"the shapes cannot be applied: {error}") from error
        return bool(conforms), report


def shapes(shapes_dir: Path, names: tuple[str, ...]) -> Shapes:
    """The named shape files of `shapes_dir`, merged; read again only when one of them changes."""
    paths = [shapes_dir / f"{name}.ttl" for name in names]
    for path in paths:
        if not path.is_file():
            raise ValidateError(f"{path}: no such shapes file (known: {', '.join(SHAPE_FILES)})")
    return _merged(shapes_dir, names, tuple((path.stat().st_mtime_ns, path.stat().st_size) for path in paths))


def prepare(store: ox.Store, files: Shapes, keep: Collection[Node] | None = None) -> Prepared:
    """The shapes for `store`: `files` with the templates instantiated for its properties and,
    if `keep` is given, the targets of only those shapes (the others then check nothing)."""
    return _prepared(files, _template_parameters(files, store), None if keep is None else frozenset(keep))


# --- Reading the files -----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _merged(shapes_dir: Path, names: tuple[str, ...], stamps: tuple[tuple[int, int], ...]) -> Shapes:
    graph = Graph()
    for name in names:
        path = shapes_dir / f"{name}.ttl"
        try:
            graph.parse(path, format="turtle")
        except Exception as error:  # rdflib raises several parser errors; name the file
            raise ValidateError(f"{path}: {error}") from error
    return Shapes((shapes_dir, names, stamps), graph, _sparql_prefixes(graph))


def _sparql_prefixes(graph: Graph) -> str:
    lines = []
    for declaration in graph.objects(None, SH.declare):
        prefix, namespace = graph.value(declaration, SH.prefix), graph.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


# --- Templates -------------------------------------------------------------------------------

Parameters = tuple[tuple[Node, bool, tuple[tuple[str, tuple[str, ...]], ...]], ...]
"""Per template shape: whether it is per structure, and its keys (a property, or a structure
with its properties) as the data gives them."""


def _template_parameters(files: Shapes, store: ox.Store) -> Parameters:
    """What the data gives each template shape to be instantiated for (see `_instantiate`): the
    only part of the shapes that depends on the data."""
    found = []
    for shape, query in sorted(files.graph.subject_objects(MDOSH.templateParameterQuery)):
        solutions = store.query(files.prefixes + str(query), use_default_graph_as_union=True)
        names = [variable.value for variable in solutions.variables]  # type: ignore[union-attr]
        if names not in (["p"], ["structure", "p"]):
            raise ValidateError(f"{shape}: a template parameter query selects ?p or ?structure ?p, not {names}")
        grouped: dict[str, list[str]] = defaultdict(list)  # a property, or a structure with its properties
        for solution in solutions:  # type: ignore[union-attr]
            values = [term.value if isinstance(term, ox.NamedNode) else None for term in solution]
            if None not in values:  # a blank node or literal is not a property to instantiate for
                grouped[values[0]].extend(values[1:])  # type: ignore[arg-type]
        found.append((shape, names == ["structure", "p"], tuple(sorted((k, tuple(v)) for k, v in grouped.items()))))
    return tuple(found)


@lru_cache(maxsize=32)
def _prepared(files: Shapes, parameters: Parameters, keep: frozenset[Node] | None) -> Prepared:
    graph = Graph()
    graph += files.graph
    for prefix, namespace in files.graph.namespaces():
        graph.bind(prefix, namespace, override=False)
    _instantiate(graph, parameters)
    if keep is not None:
        for target in TARGETS:
            for shape in list(graph.subjects(target, None)):
                if shape not in keep:
                    graph.remove((shape, target, None))
    return Prepared(graph, ShapesGraph(graph))


def _instantiate(shapes: Graph, parameters: Parameters) -> None:
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
    for shape, per_structure, keys in parameters:
        select = str(shapes.value(shape, MDOSH.selectTemplate))
        message = shapes.value(shape, MDOSH.messageTemplate)
        for key, properties in keys:
            replacements = (
                {"$structure": key, "$eachPath": " UNION ".join(f"{{ BIND (<{p}> AS ?path) }}" for p in properties),
                 "$patterns": " ".join(f"; <{p}> ?key{i}" for i, p in enumerate(properties)),
                 "$keys": " ".join(f"?key{i}" for i in range(len(properties)))}
                if per_structure else {"$p": key}
            )
            constraint = BNode()
            shapes.add((shape, SH.sparql, constraint))
            shapes.add((constraint, SH.select, Literal(_replace(select, replacements))))
            if message is not None:
                shapes.add((constraint, SH.message, Literal(_replace(str(message), replacements), lang=message.language)))
            shapes.add((constraint, SH.prefixes, MDOSH.datacube))


def _replace(text: str, replacements: dict[str, str]) -> str:
    """`text` with each `$name` of `replacements` replaced (longest name first)."""
    for name in sorted(replacements, key=len, reverse=True):
        text = text.replace(name, replacements[name])
    return text


# --- pySHACL's preparation of a SPARQL constraint, once ---------------------------------------


class _QueryHelper(SPARQLQueryHelper):  # type: ignore[misc]
    """pySHACL's helper for a SPARQL constraint, remembering what depends on the shapes alone.

    pySHACL makes a helper for every SPARQL constraint each time a shape is validated, collects
    its prefixes from the shapes graph (dozens of graph lookups) and checks its query text with
    regular expressions for every focus node (no MINUS, VALUES or SERVICE; pre-bound variables
    selected): together more than half of a validation of a small store. Both give the same
    answer for the same shapes graph and query text, so they are kept: the checks of a text
    that passed (one that fails raises each time), and the prefixes of a constraint for as long
    as its `ShapesGraph` lives. The results are pySHACL's own; only their repetition is saved.
    pySHACL asks `pyshacl.helper` for the class of its helpers, so this one serves every
    validation in the process.
    """

    def check_invalid_sparql(self, sparql_text, valuenode=None, extravars=None):  # type: ignore[no-untyped-def]
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key not in _PASSED:
            super().check_invalid_sparql(sparql_text, valuenode=valuenode, extravars=extravars)
            _PASSED.add(key)
        return True

    def collect_prefixes(self) -> None:
        known = _COLLECTED.setdefault(self.shape.sg, {})
        if self.node not in known:
            super().collect_prefixes()
            known[self.node] = dict(self.prefixes)
        self.prefixes = dict(known[self.node])


_PASSED: set[tuple[str, bool, frozenset[str]]] = set()
_COLLECTED: WeakKeyDictionary[ShapesGraph, dict[Node, dict[str, object]]] = WeakKeyDictionary()
pyshacl.helper.SPARQLQueryHelperCls = _QueryHelper  # type: ignore[attr-defined]
