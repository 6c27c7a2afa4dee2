"""Every shape case gives the same report in chunks as in one store: the chunked path's contract.

The chunked validation (shapes/chunks.py, shapes/blocks.py) checks the context alone with every
shape, and each chunk (the observations of some indicators, with the context) with only the
shapes on observations. That is exact only while every shape keeps to what shapes/README.md
says; this test holds each shape to it. Every case of tests/shape_cases/manifest.toml, valid and
broken, is written as the converter lays out its TriG (the context, `trig.MARKER`, then a unit per
observation with its source cell, in `trig`'s terms, one object a line) and checked in chunks cut
so that each indicator has a chunk of its own; its report must be the one of one store. A shape
that compares observations of two indicators, or one on the codes that reads observations,
reports otherwise in chunks, and its case fails here.

A few cases cannot be cut, and must not be (`IN_ONE_STORE`, `BROKEN_IN_ONE_STORE`): for those the
chunked path has to say that it fell back to one store, and give the same report.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from converter.rdf import trig
from converter.rdf.vocab import MDO, QB
from chunk_workers import in_this_process
from shape_manifest import IRIS, Case, cases, in_one_store, variant
from shapes import blocks
from shapes.validate import ValidationResult, validate

SLICES = "the data has slices, and IC-18 compares them with observations"
NO_CELL = "expected an observation followed by its one source cell"
IN_ONE_STORE = {  # case: why the chunked path checks its valid and broken graph in one store
    **dict.fromkeys(["IC-7-undeclared-slice-key", "IC-8-slice-key-not-in-structure", "IC-9-slice-without-structure",
                     "IC-9-slice-with-two-structures", "IC-10-slice-without-key-value",
                     "IC-18-slice-observation-in-other-dataset"], SLICES),
    # generic cubes for the Data Cube's own rules: observations without source cells, of other properties
    **dict.fromkeys(["IC-15-measure-dimension-without-value", "IC-16-second-measure-on-measure-dimension-observation",
                     "IC-17-measure-missing-in-measure-dimension-cube", "IC-20-code-not-in-hierarchy",
                     "IC-21-code-not-in-inverse-hierarchy"], NO_CELL),
}
BROKEN_IN_ONE_STORE = {  # case: why the chunked path checks its broken graph in one store
    "IC-1-two-datasets": f"mdo:indicator is not a dimension of <{IRIS['ds2']}>",
    "IC-2-no-structure": f"mdo:indicator is not a dimension of <{IRIS['ds']}>",
    "MDO-6-no-source-cell": NO_CELL,
    "MDO-14-missing-figure-without-a-source-cell": NO_CELL,
}

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
UNIT_CLASSES = (ox.NamedNode(f"{QB}Observation"), ox.NamedNode(f"{MDO}OntbrekendCijfer"))
CELL = ox.NamedNode(f"{MDO}Broncel")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
INDICATOR = ox.NamedNode(f"{MDO}indicator")
XSD = "http://www.w3.org/2001/XMLSchema#"
UNITS_GRAPH = "https://data.monitordigitaleoverheid.nl/graph/editie/2024"  # all units in one block


def write_in_layout(store: ox.Store, path: Path) -> set[bytes]:
    """Write `store` as the converter writes its TriG; return its units' indicators (`<iri>`, as the cut reads them).

    A unit is a `qb:Observation` or `mdo:OntbrekendCijfer` and the `mdo:Broncel` it is derived
    from; everything else is the context, before the marker, as pyoxigraph writes it. What the
    converter never writes in a unit (an observation without a cell, another predicate, a blank
    node) is written all the same, for the cut to see it and refuse.
    """
    heads = {q.subject: q.object for kind in UNIT_CLASSES for q in store.quads_for_pattern(None, RDF_TYPE, kind)}
    cells = {q.subject for q in store.quads_for_pattern(None, RDF_TYPE, CELL)}
    units, inside, indicators = [], set(heads), set()
    for subject in sorted(heads, key=str):
        units.append(_unit_lines(store, subject, heads[subject]))
        for cell in (q.object for q in store.quads_for_pattern(subject, DERIVED, None)):
            if cell in cells and cell not in inside:
                units.append(_unit_lines(store, cell, CELL))
                inside.add(cell)
        indicators |= {trig.iri(q.object.value).encode() for q in store.quads_for_pattern(subject, INDICATOR, None)}
    context = [q for q in store if q.subject not in inside]
    prefixes = {name: str(namespace) for name, namespace in trig.PREFIXES.items()}
    with path.open("w", encoding="utf-8") as out:
        out.write(ox.serialize(context, format=ox.RdfFormat.TRIG, prefixes=prefixes).decode("utf-8"))
        out.write(trig.MARKER + trig.prefix_lines() + f"{trig.iri(UNITS_GRAPH)} {{\n" + "".join(units) + "}\n")
    return indicators


def _unit_lines(store: ox.Store, subject: ox.NamedNode, kind: ox.NamedNode) -> str:
    """`\\t<s> a kind ;`, then a line per other triple of `s`, in the converter's order of predicates
    (so that a chunk loads its cells without their descriptions, as it does the converter's)."""
    lines = [f"\t{trig.iri(subject.value)} a {_predicate(kind.value)}"]
    order = {name: number for number, name in enumerate(blocks.UNIT_PREDICATES)}
    for quad in sorted(store.quads_for_pattern(subject, None, None), key=lambda q: (order.get(_predicate(q.predicate.value), len(order)), str(q))):
        if (quad.predicate, quad.object) != (RDF_TYPE, kind):
            lines.append(f"\t\t{_predicate(quad.predicate.value)} {_object(quad.object)}")
    return " ;\n".join(lines) + " .\n"


def _predicate(value: str) -> str:
    """A predicate (or class) as the converter writes it: a prefixed name of `trig.PREFIXES`, `a`, or `<iri>`."""
    if value == RDF_TYPE.value:
        return "a"
    for name, namespace in trig.PREFIXES.items():
        if value.startswith(str(namespace)) and value[len(str(namespace)):].isalnum():
            return f"{name}:{value[len(str(namespace)):]}"
    return trig.iri(value)


def _object(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """An object as `trig` writes it: numbers and booleans bare where that keeps their datatype."""
    if isinstance(term, ox.NamedNode):
        return trig.iri(term.value)
    if isinstance(term, ox.BlankNode):
        return str(term)
    kind = term.datatype.value.removeprefix(XSD)
    if term.language or kind == "string":
        return trig.literal(term.value, term.language)
    bare = {"boolean": term.value in ("true", "false"), "integer": "." not in term.value, "decimal": "." in term.value}
    if bare.get(kind) and (kind == "boolean" or trig.number(Decimal(term.value)) == term.value):
        return term.value
    return f"{trig.literal(term.value)}^^{trig.iri(term.datatype.value)}"


def chunk_bytes_for(path: Path, indicators: set[bytes], processes: int = 2) -> int:
    """The largest chunk size for which `blocks.cut` gives every indicator a chunk of its own:
    then a rule that compares observations of two indicators finds them in no chunk together."""
    text = path.read_bytes()
    part = len(text) - text.index(b"\n" + trig.MARKER.encode()) - 1  # what `blocks.cut` divides
    for size in range(part // 2, 0, -1):
        count = -(-(-(-part // size)) // processes) * processes
        if len({blocks.chunk_of(key, count) for key in indicators}) == len(indicators):
            return size
    raise AssertionError(f"no chunk size separates {indicators}")


def in_chunks(case: Case, folder: Path, *, broken: bool) -> tuple[ValidationResult, set[bytes]]:
    """The case's graph in the converter's layout, validated in chunks by two (in-process) workers."""
    path = folder / f"{case.id}-{'broken' if broken else 'valid'}.trig"
    indicators = write_in_layout(variant(case, broken=broken), path)
    return validate(path, shapes=case.shapes, workers=2, chunk_bytes=chunk_bytes_for(path, indicators)), indicators


def _graphs() -> list[tuple[Case, bool]]:
    """Each case's broken graph, and its valid graph unless an earlier case has the same."""
    valid = {(c.data, c.prepare, c.shapes): c for c in reversed(cases())}.values()
    return [(case, broken) for case in cases() for broken in (False, True) if broken or case in valid]


@pytest.mark.parametrize(("case", "broken"), _graphs(), ids=lambda x: x.id if isinstance(x, Case) else ["valid", "broken"][x])
def test_a_case_reports_in_chunks_what_one_store_reports(
    case: Case, broken: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_this_process(monkeypatch)
    one = in_one_store(case, tmp_path, broken=broken)
    chunked, indicators = in_chunks(case, tmp_path, broken=broken)
    why = IN_ONE_STORE.get(case.id) or (BROKEN_IN_ONE_STORE.get(case.id) if broken else None)
    if why is None:  # cut, and each indicator in a chunk of its own
        assert chunked.mode == f"{len(indicators)} chunks of observations, {min(len(indicators), 2)} processes"
    else:
        assert chunked.mode.startswith("one store (not cut into chunks: ") and why in chunked.mode, chunked.mode
    assert [(v.rule, v.focus_node, v.value, v.path) for v in chunked.violations] == [
        (v.rule, v.focus_node, v.value, v.path) for v in one.violations]
    assert (chunked.violations, chunked.conforms, chunked.triples) == (one.violations, one.conforms, one.triples)


def test_the_cases_checked_in_one_store_are_cases() -> None:
    assert {*IN_ONE_STORE, *BROKEN_IN_ONE_STORE} <= {case.id for case in cases()}


@pytest.mark.parametrize("name", ["MDO-12-revises-nothing", "IC-7-undeclared-slice-key"])
def test_workers_in_this_process_report_as_the_processes_do(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = next(c for c in cases() if c.id == name)
    processes, _ = in_chunks(case, tmp_path, broken=True)
    in_this_process(monkeypatch)
    here, _ = in_chunks(case, tmp_path, broken=True)
    assert (here.mode, here.violations, here.triples) == (processes.mode, processes.violations, processes.triples)
    assert here.violations and here.mode.startswith("2 chunks" if name.startswith("MDO") else "one store (not cut")


def test_the_cells_of_the_cases_are_loaded_without_their_descriptions(tmp_path: Path) -> None:
    """The four cells of base.trig carry the descriptions the converter writes (row label, section,
    label), and the chunks load them without: so every case above holds the shapes on observations
    to leaving those lines unread, as `blocks.without_descriptions` requires."""
    case = next(c for c in cases() if c.data == "base.trig" and not c.prepare)
    path = tmp_path / "base.trig"
    indicators = write_in_layout(variant(case, broken=False), path)
    cut = blocks.cut(path, tmp_path, chunk_bytes_for(path, indicators), processes=2)
    assert cut is not None
    assert sum(blocks.without_descriptions(chunk.read_bytes())[1] for chunk in cut.chunks) == 4 * 3
