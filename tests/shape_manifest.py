"""The shape cases of tests/shape_cases/manifest.toml, read once for every test that runs them.

`tests/test_shapes.py` checks each case's violations in one store; `tests/test_shape_cases_in_chunks.py`
checks that the chunked validation gives that same report for every case. Both ask `in_one_store`,
which validates each distinct graph once (most cases share their valid graph).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from shapes.validate import SHAPE_FILES, ValidationResult, validate

CASES_DIR = Path(__file__).parent / "shape_cases"
MANIFEST = tomllib.loads((CASES_DIR / "manifest.toml").read_text(encoding="utf-8"))
PREFIXES: dict[str, str] = MANIFEST["prefixes"]
IRIS: dict[str, str] = MANIFEST["iris"]
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


@dataclass(frozen=True)
class Case:
    id: str
    data: str = "base.trig"
    shapes: tuple[str, ...] = SHAPE_FILES
    prepare: str = ""
    update: str = ""
    expect: list[dict[str, str]] = field(default_factory=list)


def cases() -> list[Case]:
    found = []
    for raw in MANIFEST["case"]:
        prepare = raw.get("prepare", "")
        found.append(
            Case(
                id=raw["id"],
                data=raw.get("data", "base.trig"),
                shapes=tuple(raw.get("shapes", SHAPE_FILES)),
                prepare=MANIFEST["snippets"].get(prepare, prepare),
                update=raw["update"],
                expect=raw["expect"],
            )
        )
    return found


def _iris(text: str) -> str:
    """Replace `$name` by the IRI named in the manifest's [iris]."""
    return re.sub(r"\$(\w+)", lambda m: f"<{IRIS[m.group(1)]}>", text)


def term(text: str) -> URIRef | Literal:
    """An expected node: `$name`, `prefix:rest`, `<iri>` or a quoted literal."""
    if text.startswith("$"):
        return URIRef(IRIS[text[1:]])
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if text.startswith('"') and text.endswith('"'):
        return Literal(text[1:-1], datatype=XSD_STRING)
    prefix, _, rest = text.partition(":")
    return URIRef(PREFIXES[prefix] + rest)


def variant(case: Case, *, broken: bool) -> ox.Store:
    """The case's graph, all in the default graph (so updates need no GRAPH clauses): its data
    with `prepare` applied, and `update` too if `broken`."""
    source = ox.Store()
    path = CASES_DIR / case.data
    source.load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in source)
    for update in (case.prepare, case.update if broken else ""):
        if update:
            store.update(SPARQL_PREFIXES + _iris(update))
    return store


def variant_file(case: Case, folder: Path, *, broken: bool) -> Path:
    """`variant` as an N-Quads file in `folder`."""
    out = folder / f"{case.id}-{'broken' if broken else 'valid'}.nq"
    variant(case, broken=broken).dump(output=str(out), format=ox.RdfFormat.N_QUADS)
    return out


_one_store: dict[tuple[str, str, str, tuple[str, ...]], ValidationResult] = {}


def in_one_store(case: Case, folder: Path, *, broken: bool) -> ValidationResult:
    """The report of one store on the case's valid or broken graph (computed once per graph)."""
    key = (case.data, case.prepare, case.update if broken else "", case.shapes)
    if key not in _one_store:
        _one_store[key] = validate(variant_file(case, folder, broken=broken), shapes=case.shapes)
    return _one_store[key]
