"""The figures of the cube as N-Quads text, written straight from the tidy observations.

The observations and their source cells are the bulk of the cube: about twenty quads a figure.
Making a pyoxigraph object of every term and indexing them all in a store costs more than ten
microseconds a quad and the whole cube in memory; writing the N-Quads lines as text costs a
fraction of that and nothing is kept. That is what lets a million figures convert in about a
minute. Every term that repeats (predicates, codes, graph names) is rendered once; literals are
escaped as N-Triples requires. `tests/test_cube.py` checks the text parses to the same quads
as the model in docs/MODEL.md describes.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib.namespace import PROV, RDF, RDFS, XSD

from .iris import Iris
from .model import Observation
from .vocab import MDO, QB, SDMX_ATTRIBUTE

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """An IRI as an N-Triples term (the converter mints only IRIs that need no escaping)."""
    return f"<{value}>"


def literal(text: str, language: str | None = None, datatype: str | None = None) -> str:
    """A literal as an N-Triples term: a language-tagged string, a typed value or a plain string."""
    quoted = '"' + text.translate(_ESCAPES) + '"'
    if language:
        return f"{quoted}@{language}"
    if datatype and datatype != str(XSD.string):
        return f"{quoted}^^<{datatype}>"
    return quoted


_INTEGER, _DECIMAL, _BOOLEAN = str(XSD.integer), str(XSD.decimal), str(XSD.boolean)
TRUE, FALSE = literal("true", datatype=_BOOLEAN), literal("false", datatype=_BOOLEAN)


def value_literal(value: Decimal) -> str:
    """A figure as xsd:integer when it is whole, else as xsd:decimal (never in exponent form)."""
    if value == value.to_integral_value():
        return literal(str(int(value)), datatype=_INTEGER)
    return literal(format(value, "f"), datatype=_DECIMAL)


class ObservationLines:
    """Renders one observation and its source cell as N-Quads lines in its edition's graph."""

    def __init__(self, iris: Iris) -> None:
        self._iris = iris
        self.a = iri(str(RDF.type))
        self.observation_class, self.cell_class = iri(str(QB.Observation)), iri(str(MDO.Broncel))
        self.data_set, self.dataset = iri(str(QB.dataSet)), iri(str(iris.dataset()))
        self.derived, self.label = iri(str(PROV.wasDerivedFrom)), iri(str(RDFS.label))
        self.unit, self.status = iri(str(SDMX_ATTRIBUTE.unitMeasure)), iri(str(SDMX_ATTRIBUTE.obsStatus))
        self.p = {name: iri(str(MDO[name])) for name in (
            "voorziening", "indicator", "jaar", "editie", "uitsplitsing", "waarde", "statusToelichting",
            "voetnoot", "actueel", "herziet", "bestand", "regel", "ruweTekst", "rijlabel", "sectie")}
        self.code = lru_cache(maxsize=None)(self._code)
        self.dutch = lru_cache(maxsize=100_000)(self._dutch)
        self.file = lru_cache(maxsize=None)(literal)
        self.graph = lru_cache(maxsize=None)(self._graph)

    def _code(self, kind: str, ref: str | int) -> str:
        return iri(str(getattr(self._iris, kind)(ref)))

    def _graph(self, edition: str) -> str:
        return iri(str(self._iris.graph("editie", edition)))

    @staticmethod
    def _dutch(text: str) -> str:
        return literal(text, "nl")

    def observation_iri(self, o: Observation) -> str:
        return iri(str(self._iris.observation(o.edition, o.indicator, o.breakdown, o.year)))

    def lines(self, o: Observation, current: bool, revises: Observation | None) -> str:
        """The quads of `o` (and its source cell), each line ending in `o`'s edition graph.

        `current`: no later edition gives this figure (mdo:actueel); `revises`: the older
        edition's observation of the same figure whose value this one changes (mdo:herziet).
        """
        p, code = self.p, self.code
        g = self.graph(o.edition)
        obs = self.observation_iri(o)
        edition = code("edition", o.edition)
        cell = iri(str(self._iris.cell(o.edition, o.place.line, f"{o.indicator}-{o.breakdown}-{o.year}")))
        lines = [
            f"{obs} {self.a} {self.observation_class} {g} .\n",
            f"{obs} {self.data_set} {self.dataset} {g} .\n",
            f"{obs} {p['voorziening']} {code('voorziening', o.voorziening)} {g} .\n",
            f"{obs} {p['indicator']} {code('indicator', o.indicator)} {g} .\n",
            f"{obs} {p['jaar']} {code('year', o.year)} {g} .\n",
            f"{obs} {p['editie']} {edition} {g} .\n",
            f"{obs} {p['uitsplitsing']} {code('member', o.breakdown)} {g} .\n",
            f"{obs} {self.unit} {code('unit', o.unit)} {g} .\n",
            f"{obs} {self.status} {code('status', o.status)} {g} .\n",
            f"{obs} {p['actueel']} {TRUE if current else FALSE} {g} .\n",
            f"{obs} {self.derived} {cell} {g} .\n",
        ]
        if o.value is not None:
            lines.append(f"{obs} {p['waarde']} {value_literal(o.value)} {g} .\n")
        if revises is not None:
            lines.append(f"{obs} {p['herziet']} {self.observation_iri(revises)} {g} .\n")
        if o.status_note:
            lines.append(f"{obs} {p['statusToelichting']} {self.dutch(o.status_note)} {g} .\n")
        if o.footnote_text:
            lines.append(f"{obs} {p['voetnoot']} {self.dutch(o.footnote_text)} {g} .\n")
        lines += [
            f"{cell} {self.a} {self.cell_class} {g} .\n",
            f"{cell} {p['editie']} {edition} {g} .\n",
            f"{cell} {p['bestand']} {self.file(o.place.file)} {g} .\n",
            f"{cell} {p['regel']} {literal(str(o.place.line), datatype=_INTEGER)} {g} .\n",
            f"{cell} {p['ruweTekst']} {literal(o.raw)} {g} .\n",
            f"{cell} {p['rijlabel']} {self.dutch(o.label)} {g} .\n",
            f"{cell} {p['sectie']} {self.dutch(o.section)} {g} .\n",
            f"{cell} {self.label} {literal(f'{o.place}: {o.raw!r}')} {g} .\n",
        ]
        return "".join(lines)
