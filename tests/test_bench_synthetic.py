"""The synthetic editions of `bench/synthetic.py` are read by the real converter, every figure,
and the cube it builds from them (what the benchmark serves) is valid.

Small sizes only: the large runs are in `bench/run.py`, never in the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS, SH

from converter.extraction.extract import extract
from converter.registry import Registry
from mdo.settings import Settings
from shapes.validate import format_report, validate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from synthetic import Plan, write_cube, write_data_dir  # noqa: E402

@pytest.fixture(scope="module")
def plan() -> Plan:
    return Plan.for_size(1200)


def test_converter_reads_every_synthetic_figure(plan: Plan, tmp_path: Path) -> None:
    write_data_dir(plan, tmp_path)
    text = (tmp_path / "data" / plan.editions[-1].file).read_text(encoding="utf-8")
    assert "\n## Bijlage A: Identificeren en authenticeren\n" in text and "\n### 1. DigiD\n" in text
    assert "Indicator\t2019\t2020\t2021\t2022\t2023\t%" in text
    for printed in ("\t-\t", "> 5.000", " mlrd\t", ",", "%\t"):
        assert printed in text, printed
    settings = Settings(root=tmp_path)
    registry = Registry(settings.data_dir)
    extraction = extract(registry)
    assert not extraction.rejects
    assert len(extraction.observations) == len(plan.indicators) * 4 * 5
    assert {o.status for o in extraction.observations} == {"normal", "lower-bound", "not-available"}
    assert {f.kind for f in extraction.findings} <= {"revision"}  # printed changes all agree

    revised = {(o.indicator, o.year) for o in extraction.observations if o.edition == "2023" and
               any(f.kind == "revision" and f.indicator == o.indicator and f.year == o.year for f in extraction.findings)}
    assert revised, "the plan prints revisions between editions"


def test_synthetic_cube_conforms(plan: Plan, tmp_path: Path) -> None:
    """The converter's cube of the synthetic editions (what the benchmark serves) is valid."""
    observations = write_cube(plan, tmp_path / "cube.trig", tmp_path / "work")
    assert observations == len(plan.indicators) * 4 * 5 - 24  # the 24 cells printed '-' are no observations
    result = validate(tmp_path / "cube.trig")
    assert result.conforms, format_report(result)


def test_shape_costs_lists_every_constraint_of_the_shapes(built_trig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bench/shape_costs.py` times every shape that has a target, and on the real (valid) cube
    none finds anything."""
    import shape_costs

    assert shape_costs.main(["--real", str(built_trig), "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()[3:-1]
    rules = {line.split(None, 2)[2] for line in lines}
    rows = {int(line.split()[1]) for line in lines}
    assert rows == {0}
    shapes = Graph()
    for path in (ROOT / "shapes").glob("*.ttl"):
        shapes.parse(path, format="turtle")
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = {str(shapes.value(shape, RDFS.label)) for target in targets for shape in shapes.subjects(target, None)}
    assert rules == targeted and "MDO-16 The change against the year before" in rules


def test_lookup_cost_measures_on_the_store_beside_the_data(built_trig: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`bench/lookup_cost.py` builds the store `mdo serve` would beside the file and measures on it,
    driven by one figure per series: the row names the real cube's 1,251 observations and as many
    series as the TriG marks `mdo:laatsteJaar true`."""
    import lookup_cost

    data = tmp_path / "mdo.trig"
    data.write_bytes(built_trig.read_bytes())
    assert lookup_cost.main([str(data), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "mdo.trig.oxigraph").is_dir()
    assert out.startswith(lookup_cost.START) and out.rstrip().endswith(lookup_cost.END)
    assert f"Made by `.venv/bin/python bench/lookup_cost.py {data} --repeat 1` at " in out
    series = data.read_text(encoding="utf-8").count("mdo:laatsteJaar true")
    row = next(line for line in out.splitlines() if line.startswith("| 1,251 |"))
    assert row.split(" | ")[2] == f"{series:,}" and series > 100
