"""The synthetic editions of `bench/synthetic.py` are read by the real converter, and the cube it
streams is the one the converter builds from them (observations and source cells), and valid.

Small sizes only: the large runs are in `bench/run.py`, never in the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from converter.cube import build_dataset
from converter.extract import extract
from converter.registry import Registry
from converter.settings import Settings
from converter.validate import format_report, validate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import Plan, write_cube, write_data_dir  # noqa: E402

OBSERVATION = "https://data.monitordigitaleoverheid.nl/id/observatie/"
CELL = "https://data.monitordigitaleoverheid.nl/id/broncel/"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return Plan.for_size(1200)


def cube_quads(quads: object) -> set[str]:
    """The observations and source cells of a cube, as N-Quads lines."""
    return {str(q) for q in quads if isinstance(q.subject, ox.NamedNode)  # type: ignore[attr-defined]
            and q.subject.value.startswith((OBSERVATION, CELL))}  # type: ignore[attr-defined]


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

    built = build_dataset(registry, extraction, settings)
    cube = write_cube(plan, tmp_path / "cube.nq", tmp_path / "work")
    streamed = list(ox.parse(path=str(tmp_path / "cube.nq"), format=ox.RdfFormat.N_QUADS))
    assert cube == len(extraction.observations)
    assert cube_quads(streamed) == cube_quads(built)


def test_streamed_cube_conforms(plan: Plan, tmp_path: Path) -> None:
    write_cube(plan, tmp_path / "cube.nq", tmp_path / "work")
    result = validate(tmp_path / "cube.nq")
    assert result.conforms, format_report(result)
