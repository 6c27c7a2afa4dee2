"""The figures of the cube as TriG text, written straight from the tidy observations.

The observations and their source cells are the bulk of the cube: about twenty triples a
figure. Making a pyoxigraph object of every term and indexing them all in a store costs time
and holds the whole cube in memory; writing the text keeps nothing. TriG rather than N-Quads
because it is much smaller: each subject and graph is written once, predicates as prefixed
names, numbers bare (docs/BENCHMARKS.md has the sizes). Terms that repeat (codes, labels, files)
are rendered once; strings are escaped as Turtle requires. `tests/test_cube.py` checks that
every dump reads back as exactly the dataset.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib.namespace import PROV, RDFS

from converter.rdf.derived import NOTHING, Derived
from converter.rdf.iris import Iris
from converter.model import Observation
from converter.rdf.vocab import MDO, QB, SDMX_ATTRIBUTE

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
GYEAR = "http://www.w3.org/2001/XMLSchema#gYear"
PREFIXES = {"mdo": MDO, "qb": QB, "sdmx-attribute": SDMX_ATTRIBUTE, "prov": PROV, "rdfs": RDFS}
"""The prefixes the observation blocks use; `prefix_lines()` declares them before the blocks."""


def iri(value: str) -> str:
    """An IRI as a Turtle term (the converter mints only IRIs that need no escaping)."""
    return f"<{value}>"


def literal(text: str, language: str | None = None) -> str:
    """A string literal as a Turtle (and N-Triples) term, language-tagged or plain.

    `str.translate` looks up every character; most texts hold nothing to escape, which four
    substring tests (run in C) tell much sooner.
    """
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    quoted = '"' + text + '"'
    return f"{quoted}@{language}" if language else quoted


def number(value: Decimal) -> str:
    """A figure in Turtle's short form: `123` is an xsd:integer, `6.9` an xsd:decimal.

    Most figures are whole counts that print as digits alone, which is their short form already.
    """
    text = str(value)
    if text.isdigit():
        return text
    if value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")


MARKER = "# mdo:observation-units\n"
"""A comment line before the observation blocks: from here on, `ObservationText.triples` units only.

It tells `shapes.blocks` that the rest of the file is laid out as this module writes it
(prefix lines, then graph blocks of units: one observation and its source cell, every literal
on one line), so a validator may cut it into chunks as text. Other writers do not write it."""


def prefix_lines() -> str:
    return "".join(f"@prefix {name}: <{namespace}> .\n" for name, namespace in PREFIXES.items())


class ObservationText:
    """Renders observations and their source cells as the triples of a TriG graph block."""

    def __init__(self, iris: Iris) -> None:
        self._iris = iris
        self.dataset = iri(str(iris.dataset()))
        self.code = lru_cache(maxsize=None)(self._code)
        self.dutch = lru_cache(maxsize=100_000)(self._dutch)
        self.file = lru_cache(maxsize=None)(literal)

    def _code(self, kind: str, ref: str | int) -> str:
        return iri(str(getattr(self._iris, kind)(ref)))

    @staticmethod
    def _dutch(text: str) -> str:
        return literal(text, "nl")

    def graph(self, edition: str) -> str:
        """The name of an edition's graph, to open its block: `<name> {`."""
        return iri(str(self._iris.graph("editie", edition)))

    def observation_iri(self, o: Observation) -> str:
        return f"<{self._iris.observation_text(o.edition, o.indicator, o.breakdown, o.year)}>"

    def missing_iri(self, o: Observation) -> str:
        return f"<{self._iris.missing_text(o.edition, o.indicator, o.breakdown, o.year)}>"

    def triples(self, o: Observation, current: bool, revises: Observation | None,
                derived: Derived = NOTHING) -> tuple[str, int]:
        """The triples of `o` and its source cell, and how many there are.

        A figure (`o.value` set) is a `qb:Observation` of the data set. A printed cell without
        a figure ('-', blank: status niet-beschikbaar) is a `mdo:OntbrekendCijfer`, outside
        `qb:dataSet`: the Data Cube gives every observation a value for every measure (IC-14).
        It keeps the dimensions it would have had, its status and its source cell.
        `current`: no later edition gives this figure (mdo:actueel); `revises`: the older
        edition's observation of the same figure whose value this one changes (mdo:herziet).
        A figure also has its year as an xsd:gYear (mdo:jaartal) and, if current, the values
        `derived` holds (docs/MODEL.md, "Derived values").
        """
        code, dutch = self.code, self.dutch
        edition = code("edition", o.edition)
        cell = f"<{self._iris.cell_text(o.edition, o.place.line, f'{o.indicator}-{o.breakdown}-{o.year}')}>"
        optional = ""
        if o.value is None:
            head = f"\t{self.missing_iri(o)} a mdo:OntbrekendCijfer ;\n"
            count = 17
        else:
            head = (f"\t{self.observation_iri(o)} a qb:Observation ;\n"
                    f"\t\tqb:dataSet {self.dataset} ;\n")
            optional = (f" ;\n\t\tmdo:actueel {'true' if current else 'false'}"
                        f" ;\n\t\tmdo:waarde {number(o.value)}"
                        f' ;\n\t\tmdo:jaartal "{o.year:04d}"^^<{GYEAR}>')
            count = 21
            if derived.previous is not None:
                optional += f" ;\n\t\tmdo:vorigCijfer {self.observation_iri(derived.previous)}"
                count += 1
            if derived.change is not None:
                optional += f" ;\n\t\tmdo:verschil {number(derived.change)}"
                count += 1
            if derived.growth is not None:
                optional += f" ;\n\t\tmdo:groei {number(derived.growth)}"
                count += 1
            if derived.newest:
                optional += " ;\n\t\tmdo:laatsteJaar true"
                count += 1
        if revises is not None:
            optional += f" ;\n\t\tmdo:herziet {self.observation_iri(revises)}"
            count += 1
        if o.status_note:
            optional += f" ;\n\t\tmdo:statusToelichting {dutch(o.status_note)}"
            count += 1
        if o.footnote_text:
            optional += f" ;\n\t\tmdo:voetnoot {dutch(o.footnote_text)}"
            count += 1
        text = (
            f"{head}"
            f"\t\tmdo:voorziening {code('voorziening', o.voorziening)} ;\n"
            f"\t\tmdo:indicator {code('indicator', o.indicator)} ;\n"
            f"\t\tmdo:jaar {code('year', o.year)} ;\n"
            f"\t\tmdo:editie {edition} ;\n"
            f"\t\tmdo:uitsplitsing {code('member', o.breakdown)} ;\n"
            f"\t\tsdmx-attribute:unitMeasure {code('unit', o.unit)} ;\n"
            f"\t\tsdmx-attribute:obsStatus {code('status', o.status)} ;\n"
            f"\t\tprov:wasDerivedFrom {cell}{optional} .\n"
            f"\t{cell} a mdo:Broncel ;\n"
            f"\t\tmdo:editie {edition} ;\n"
            f"\t\tmdo:bestand {self.file(o.place.file)} ;\n"
            f"\t\tmdo:regel {o.place.line} ;\n"
            f"\t\tmdo:ruweTekst {literal(o.raw)} ;\n"
            f"\t\tmdo:rijlabel {dutch(o.label)} ;\n"
            f"\t\tmdo:sectie {dutch(o.section)} ;\n"
            f"\t\trdfs:label {literal(f'{o.place}: {o.raw!r}')} .\n"
        )
        return text, count
