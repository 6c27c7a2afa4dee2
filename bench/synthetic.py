"""Synthetic Monitor editions and cubes of any size, for the scale benchmark (`bench/run.py`).

One deterministic plan (`Plan.for_size(n)`) decides every figure: which indicators exist (spread
over the real voorzieningen of `data/voorzieningen.toml`), which editions print them, and what
each cell says. Two writers read that plan:

- `write_data_dir(plan, folder)`: a data folder the real converter reads: editions in the
  `markdown-tsv` form of `data/sources/mdo-2024.txt` (`#` headings of the known domains and
  voorzieningen, tab-separated tables with an `Indicator` header of years and a `%` column,
  figures in Dutch notation with some `-`, `> 5.000`, `1,6 mlrd`, percentages and revisions
  between editions) plus the matching registry (`editions.toml`, `indicators.toml`; the other
  registry files are copied). `converter.extract.extract(Registry(folder / "data"))` reads it.
- `write_cube(plan, path)`: the cube the converter would build from those editions
  (docs/MODEL.md: observations, source cells, `mdo:actueel`, `mdo:herziet`), streamed straight to
  N-Quads without going through rdflib, so that 1M observations fit in memory and time. The code
  lists and the catalogue come from the converter itself (`build_dataset`).

    .venv/bin/python bench/synthetic.py editions -n 10000 --out /tmp/syn    # folder with data/
    .venv/bin/python bench/synthetic.py cube -n 100000 --out /tmp/cube.nq
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.settings import DEFAULT_BASE_IRI, Settings  # noqa: E402

YEARS_PER_TABLE = 5
EDITIONS = 4  # editions 2020..2023, each printing the five years up to its reference year
FIRST_EDITION = 2020
COPIED = ("voorzieningen.toml", "breakdowns.toml", "links.toml")
NOUNS = ("aangesloten organisaties", "authenticaties", "verstuurde berichten", "raadplegingen",
         "actieve accounts", "bezoeken", "leveringen", "terugmeldingen", "webdiensten", "machtigingen")

# Vocabulary IRIs for the streamed observations (as converter/vocab.py defines them).
MDO = "https://data.monitordigitaleoverheid.nl/def/mdo#"
QB = "http://purl.org/linked-data/cube#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
XSD = "http://www.w3.org/2001/XMLSchema#"
STATUS = {"normal": "normaal", "lower-bound": "ondergrens", "not-available": "niet-beschikbaar"}
UNIT = {"count": "aantal", "percent": "procent"}


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voorziening:
    id: str
    domain: str
    heading: str  # as printed, without numbering
    parent: str | None


@dataclass(frozen=True)
class Indicator:
    index: int
    id: str
    voorziening: str
    unit: str  # count | percent
    style: str  # plain | mlrd | lower-bound | percent
    label: str
    renamed: str | None  # the label the newest edition prints, if it differs


@dataclass(frozen=True)
class Edition:
    id: str
    reference_year: int

    @property
    def years(self) -> list[int]:
        return list(range(self.reference_year - YEARS_PER_TABLE + 1, self.reference_year + 1))

    @property
    def file(self) -> str:
        return f"sources/synthetisch-{self.id}.txt"


@dataclass(frozen=True)
class Cell:
    """One printed figure: its text and the value/status the converter reads from it."""

    raw: str
    value: Decimal | None
    status: str  # normal | lower-bound | not-available


@dataclass
class Plan:
    observations: int
    voorzieningen: list[Voorziening]
    domains: list[tuple[str, str]]  # (id, heading as printed)
    indicators: list[Indicator]
    editions: list[Edition]

    @classmethod
    def for_size(cls, observations: int, root: Path = ROOT) -> "Plan":
        """About `observations` observations: indicators x editions x five years."""
        with (root / "data" / "voorzieningen.toml").open("rb") as handle:
            places = tomllib.load(handle)
        domains = [(key, d["headings"][0]) for key, d in places["domain"].items()]
        voorzieningen = [Voorziening(key, v["domain"], v["headings"][0], v.get("parent"))
                         for key, v in places["voorziening"].items()]
        editions = [Edition(str(FIRST_EDITION + k), FIRST_EDITION + k) for k in range(EDITIONS)]
        count = max(1, math.ceil(observations / (EDITIONS * YEARS_PER_TABLE)))
        indicators = [_indicator(i, voorzieningen[i % len(voorzieningen)].id) for i in range(count)]
        return cls(observations, voorzieningen, domains, indicators, editions)

    @property
    def years(self) -> list[int]:
        return sorted({y for e in self.editions for y in e.years})

    def label(self, indicator: Indicator, edition: Edition) -> str:
        if indicator.renamed and edition is self.editions[-1]:
            return indicator.renamed
        return indicator.label

    def cells(self, indicator: Indicator, edition: Edition) -> list[Cell]:
        """The figures an edition prints for an indicator, one per year of the edition."""
        return [_cell(indicator, edition, year, k) for k, year in enumerate(edition.years)]


def _indicator(i: int, voorziening: str) -> Indicator:
    noun = NOUNS[i % len(NOUNS)]
    if i % 7 == 3:
        unit, style, label = "percent", "percent", f"Percentage {noun} binnen de norm, reeks {i}"
    elif i % 29 == 5:
        unit, style, label = "count", "mlrd", f"Aantal bevragingen via PDOK, reeks {i}"
    elif i % 53 == 7:
        unit, style, label = "count", "lower-bound", f"Aantal {noun} via e-mail, brief, etc., reeks {i}"
    else:
        unit, style, label = "count", "plain", f"Aantal {noun}, reeks {i}"
    renamed = f"{label} (nieuwe telling)" if i % 17 == 0 else None
    return Indicator(i, f"synth-{voorziening}-{i}", voorziening, unit, style, label, renamed)


def _base_value(i: int, year: int) -> int:
    """A smooth, deterministic series: a level per indicator and a yearly growth of -8%..+30%."""
    level = 100 + (i * 7919) % 50_000_000
    growth = 0.92 + ((i * 37) % 39) / 100
    return int(level * growth ** (year - 2010))


def _cell(ind: Indicator, edition: Edition, year: int, k: int) -> Cell:
    i = ind.index
    if i % 11 == 2 and k == 0:  # the first year not (yet) measured
        return Cell("-", None, "not-available")
    if ind.style == "lower-bound":
        return Cell("> 5.000", Decimal(5000), "lower-bound")
    if ind.style == "percent":
        tenths = 100 + (i * 13 + year * 7) % 880
        return Cell(f"{tenths // 10},{tenths % 10}%", Decimal(tenths) / 10, "normal")
    value = _base_value(i, year)
    if ind.style == "mlrd":
        tenths = 10 + (i * 3 + year) % 80  # 1,0 .. 8,9 mlrd
        return Cell(f"{tenths // 10},{tenths % 10} mlrd", Decimal(tenths * 100_000_000), "normal")
    revised = (i * 31 + int(edition.id)) % 97 == 0 and year == edition.reference_year - 1
    if revised:  # this edition revises the year before its reference year
        value += 1 + value // 100
    return Cell(f"{value:,}".replace(",", "."), Decimal(value), "normal")


def _change(cells: list[Cell]) -> str:
    before, last = cells[-2].value, cells[-1].value
    if before is None or last is None or before == 0 or cells[-1].status != "normal":
        return "-"
    change = (last / before - 1) * 100
    text = f"{change:.1f}".replace(".", ",")
    return text + "%"


# --- the editions as printed ---------------------------------------------------------------------


def _numbered(plan: Plan) -> Iterator[tuple[str, Voorziening, int]]:
    """(numbering, voorziening, depth) in printed order, per domain."""
    for domain, _ in plan.domains:
        tops = [v for v in plan.voorzieningen if v.domain == domain and v.parent is None]
        for n, top in enumerate(tops, start=1):
            yield f"{n}.", top, 0
            children = [v for v in plan.voorzieningen if v.parent == top.id]
            for m, child in enumerate(children, start=1):
                yield f"{n}.{m}", child, 1


@dataclass(frozen=True)
class PrintedRow:
    line: int
    indicator: Indicator
    label: str
    cells: list[Cell]
    section: str


def edition_text(plan: Plan, edition: Edition) -> tuple[list[str], list[PrintedRow]]:
    """The lines of one edition and, for each printed table row, where it is and what it says."""
    by_voorziening: dict[str, list[Indicator]] = {}
    for indicator in plan.indicators:
        by_voorziening.setdefault(indicator.voorziening, []).append(indicator)
    lines = [f"# Monitor Digitale Overheid {edition.id} (synthetisch)", "",
             f"Synthetische editie voor de schaalbenchmark; peildatum 31 december {edition.reference_year}.", ""]
    rows: list[PrintedRow] = []
    headings = {v.id: v.heading for v in plan.voorzieningen}
    parents = {v.id: v.parent for v in plan.voorzieningen}
    numbered = list(_numbered(plan))
    for domain, domain_heading in plan.domains:
        lines += [f"## {domain_heading}", ""]
        for number, v, depth in (x for x in numbered if x[1].domain == domain):
            lines += [f"{'#' * (3 + depth)} {number} {v.heading}", ""]
            indicators = by_voorziening.get(v.id, [])
            if not indicators:
                continue
            lines.append("\t".join(["Indicator", *map(str, edition.years), "%"]))
            lineage = [v.heading] if v.parent is None else [headings[v.parent], v.heading]
            assert parents.get(v.parent or "") is None
            section = " > ".join([domain_heading, *lineage])
            for indicator in indicators:
                cells = plan.cells(indicator, edition)
                label = plan.label(indicator, edition)
                lines.append("\t".join([label, *(c.raw for c in cells), _change(cells)]))
                rows.append(PrintedRow(len(lines), indicator, label, cells, section))
            lines.append("")
    return lines, rows


def write_data_dir(plan: Plan, folder: Path, root: Path = ROOT) -> Path:
    """`folder/data/` with the synthetic editions and a registry that knows them; returns `folder`.

    `folder` also links `ontology/`, `shapes/` and `queries/` of the checkout, so that
    `Settings(root=folder)` works for the whole converter.
    """
    data = folder / "data"
    (data / "sources").mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "shapes", "queries"):
        link = folder / name
        if not link.exists():
            link.symlink_to(root / name, target_is_directory=True)
    for name in COPIED:
        shutil.copyfile(root / "data" / name, data / name)
    editions = ["# Synthetic editions for the scale benchmark (bench/synthetic.py).", ""]
    for e in plan.editions:
        editions += ["[[edition]]", f'id = "{e.id}"', f'title = "Monitor Digitale Overheid {e.id} (synthetisch)"',
                     'publisher = "ICTU"', f'reference_date = "{e.reference_year}-12-31"',
                     f'issued = "{e.reference_year + 1}-06-01"', f'file = "{e.file}"', 'form = "markdown-tsv"',
                     "group_headings = []", ""]
        lines, _ = edition_text(plan, e)
        (data / e.file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "editions.toml").write_text("\n".join(editions), encoding="utf-8")
    with (data / "indicators.toml").open("w", encoding="utf-8") as out:
        out.write("# Synthetic indicators for the scale benchmark (bench/synthetic.py).\n")
        for i in plan.indicators:
            out.write(f'\n[[indicator]]\nid = "{i.id}"\nvoorziening = "{i.voorziening}"\nunit = "{i.unit}"\n'
                      f'label = "{i.label}"\ndefinition = "Synthetische reeks {i.index}."\n')
            for e in plan.editions:
                out.write(f'labels.{e.id} = ["{plan.label(i, e)}"]\n')
    return folder


# --- the cube, streamed ----------------------------------------------------------------------------


def _iri(value: str) -> str:
    return f"<{value}>"


def _literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def _value_literal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return _literal(str(int(value)), datatype=XSD + "integer")
    return _literal(str(value), datatype=XSD + "decimal")


def code_and_catalogue_quads(plan: Plan, folder: Path, base: str = DEFAULT_BASE_IRI) -> str:
    """The codes and catalogue graphs as N-Quads, built by the converter over the plan's registry."""
    import pyoxigraph as ox

    from converter.cube import build_dataset
    from converter.extract import Extraction
    from converter.model import Observation, Place
    from converter.registry import Registry

    settings = Settings(root=folder, base_iri=base)
    registry = Registry(settings.data_dir)
    first = plan.indicators[0]
    # One stand-in observation per year gives build_dataset the years of the code list; the
    # edition graphs it makes from them are dropped, the real ones are streamed below.
    stand_ins = [Observation(edition=plan.editions[0].id, voorziening=first.voorziening, indicator=first.id,
                             breakdown="totaal", year=y, value=None, unit=first.unit, status="not-available",
                             status_note="", footnote_marks=(), footnote_text="", label="", section="",
                             place=Place("x", 1), raw="", table="x") for y in plan.years]
    store = build_dataset(registry, Extraction(observations=stand_ins), settings)
    keep = (ox.NamedNode(f"{base}/graph/codes"), ox.NamedNode(f"{base}/graph/catalogus"))
    quads = [q for g in keep for q in store.quads_for_pattern(None, None, None, g)]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")


def observation_quads(plan: Plan, base: str = DEFAULT_BASE_IRI) -> Iterator[str]:
    """N-Quads lines of every observation and source cell, as `converter/cube.py` writes them."""
    printed: dict[str, list[PrintedRow]] = {e.id: edition_text(plan, e)[1] for e in plan.editions}
    # (indicator, year) -> [(edition, cell)] in reference-date order (as converter/cube.py ranks
    # editions), for mdo:actueel and mdo:herziet
    series: dict[tuple[int, int], list[tuple[str, Cell]]] = {}
    for e in plan.editions:
        for row in printed[e.id]:
            for year, cell in zip(e.years, row.cells):
                series.setdefault((row.indicator.index, year), []).append((e.id, cell))
    a, ds = _iri(RDF_TYPE), _iri(f"{base}/id/dataset/monitor-digitale-overheid")
    total = _iri(f"{base}/id/uitsplitsing/totaal")
    p = {name: _iri(MDO + name) for name in ("voorziening", "indicator", "jaar", "editie", "uitsplitsing", "waarde",
                                              "statusToelichting", "actueel", "herziet", "bestand", "regel",
                                              "ruweTekst", "rijlabel", "sectie", "Broncel")}
    unit_p, status_p = _iri(SDMX_ATTRIBUTE + "unitMeasure"), _iri(SDMX_ATTRIBUTE + "obsStatus")
    observation_t, derived, label_p = _iri(QB + "Observation"), _iri(PROV_DERIVED), _iri(RDFS_LABEL)
    data_set_p = _iri(QB + "dataSet")
    true, false = _literal("true", datatype=XSD + "boolean"), _literal("false", datatype=XSD + "boolean")
    for e in plan.editions:
        g = _iri(f"{base}/graph/editie/{e.id}")
        edition = _iri(f"{base}/id/editie/{e.id}")
        for row in printed[e.id]:
            ind = row.indicator
            indicator, voorziening = _iri(f"{base}/id/indicator/{ind.id}"), _iri(f"{base}/id/voorziening/{ind.voorziening}")
            unit = _iri(f"{base}/id/eenheid/{UNIT[ind.unit]}")
            rijlabel, sectie = _literal(row.label, "nl"), _literal(row.section, "nl")
            for year, cell in zip(e.years, row.cells):
                obs = _iri(f"{base}/id/observatie/{e.id}/{ind.id}/totaal/{year}")
                source = _iri(f"{base}/id/broncel/{e.id}/{row.line}/{ind.id}-totaal-{year}")
                yield (f"{obs} {a} {observation_t} {g} .\n{obs} {data_set_p} {ds} {g} .\n"
                       f"{obs} {p['voorziening']} {voorziening} {g} .\n{obs} {p['indicator']} {indicator} {g} .\n"
                       f"{obs} {p['jaar']} <{base}/id/jaar/{year}> {g} .\n{obs} {p['editie']} {edition} {g} .\n"
                       f"{obs} {p['uitsplitsing']} {total} {g} .\n{obs} {unit_p} {unit} {g} .\n"
                       f"{obs} {status_p} <{base}/id/status/{STATUS[cell.status]}> {g} .\n"
                       f"{obs} {derived} {source} {g} .\n")
                if cell.value is not None:
                    yield f"{obs} {p['waarde']} {_value_literal(cell.value)} {g} .\n"
                if cell.status == "lower-bound":
                    note = _literal(f"printed as a lower bound: {cell.raw!r}", "nl")
                    yield f"{obs} {p['statusToelichting']} {note} {g} .\n"
                found = series[(ind.index, year)]
                index = next(k for k, (edition_id, _) in enumerate(found) if edition_id == e.id)
                yield f"{obs} {p['actueel']} {true if index == len(found) - 1 else false} {g} .\n"
                if index and cell.value is not None:
                    older = next(((eid, c) for eid, c in reversed(found[:index]) if c.value is not None), None)
                    if older is not None and older[1].value != cell.value:
                        old = _iri(f"{base}/id/observatie/{older[0]}/{ind.id}/totaal/{year}")
                        yield f"{obs} {p['herziet']} {old} {g} .\n"
                place = f"{e.file}:{row.line}"
                yield (f"{source} {a} {p['Broncel']} {g} .\n{source} {p['editie']} {edition} {g} .\n"
                       f"{source} {p['bestand']} {_literal(e.file)} {g} .\n"
                       f"{source} {p['regel']} {_literal(str(row.line), datatype=XSD + 'integer')} {g} .\n"
                       f"{source} {p['ruweTekst']} {_literal(cell.raw)} {g} .\n"
                       f"{source} {p['rijlabel']} {rijlabel} {g} .\n{source} {p['sectie']} {sectie} {g} .\n"
                       f"{source} {label_p} {_literal(f'{place}: {cell.raw!r}')} {g} .\n")


def write_cube(plan: Plan, path: Path, work: Path, base: str = DEFAULT_BASE_IRI) -> int:
    """Write the plan's cube as N-Quads (or TriG, by extension) to `path`; return the observations.

    `work` is a scratch folder for the plan's registry (the code lists come from it).
    """
    write_data_dir(plan, work)
    count = sum(len(e.years) for e in plan.editions) * len(plan.indicators)
    target = path if path.suffix == ".nq" else path.with_suffix(".tmp.nq")
    with target.open("w", encoding="utf-8") as out:
        out.write(code_and_catalogue_quads(plan, work, base))
        out.writelines(observation_quads(plan, base))
    if target != path:
        import pyoxigraph as ox

        from converter.vocab import PREFIXES

        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        ox.serialize(ox.parse(path=str(target), format=ox.RdfFormat.N_QUADS), str(path), format=fmt,
                     prefixes={k: str(v) for k, v in PREFIXES.items()} if fmt == ox.RdfFormat.TRIG else None)
        target.unlink()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("editions", "cube"))
    parser.add_argument("-n", type=int, default=10000, help="observations (about)")
    parser.add_argument("--out", type=Path, required=True, help="folder (editions) or .nq/.trig file (cube)")
    args = parser.parse_args(argv)
    plan = Plan.for_size(args.n)
    if args.what == "editions":
        write_data_dir(plan, args.out)
        print(f"{len(plan.indicators)} indicators x {len(plan.editions)} editions -> {args.out / 'data'}")
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as work:
            n = write_cube(plan, args.out, Path(work))
        print(f"{n} observations -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
