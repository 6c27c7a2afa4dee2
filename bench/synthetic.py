"""Synthetic Monitor editions and cubes of any size, for the scale benchmark (`bench/run.py`).

One deterministic plan (`Plan.for_size(n)`) decides every figure: which indicators exist (spread
over the real voorzieningen of `data/voorzieningen.toml`), which editions print them, and what
each cell says. Two writers read that plan:

- `write_data_dir(plan, folder)`: a data folder the real converter reads: editions in the
  `markdown-tsv` form of `data/sources/mdo-2024.txt` (`#` headings of the known domains and
  voorzieningen, tab-separated tables with an `Indicator` header of years and a `%` column,
  figures in Dutch notation with some `-`, `> 5.000`, `1,6 mlrd`, percentages and revisions
  between editions) plus the matching registry (`editions.toml`, `indicators.toml`; the other
  registry files are copied). `converter.extraction.extract.extract(Registry(folder / "data"))` reads it.
- `write_cube(plan, path, work)`: those editions converted by the real converter (`build`),
  into the file `path` (format by extension, TriG by default).

    .venv/bin/python bench/synthetic.py editions -n 10000 --out /tmp/syn    # folder with data/
    .venv/bin/python bench/synthetic.py cube -n 100000 --out /tmp/cube.trig
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

from mdo.settings import Settings  # noqa: E402

YEARS_PER_TABLE = 5
EDITIONS = 4  # editions 2020..2023, each printing the five years up to its reference year
FIRST_EDITION = 2020
COPIED = ("voorzieningen.toml", "breakdowns.toml", "links.toml")
NOUNS = ("aangesloten organisaties", "authenticaties", "verstuurde berichten", "raadplegingen",
         "actieve accounts", "bezoeken", "leveringen", "terugmeldingen", "webdiensten", "machtigingen")

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
    lines.append("Einde van de synthetische editie.")  # a text that ends inside a table reads as cut off
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


# --- the cube ----------------------------------------------------------------------------------


def write_cube(plan: Plan, path: Path, work: Path) -> int:
    """Build the plan's cube with the real converter (`mdo build --out path`); return the observations.

    `work` is a scratch folder for the plan's editions and registry.
    """
    from converter.build import build

    write_data_dir(plan, work)
    return build(work / "data", work / "dist", base_iri=Settings(root=work).base_iri,
                  ontology_dir=work / "ontology", out=path).observations


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
