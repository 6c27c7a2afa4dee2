"""Validation in chunks (shapes/blocks.py, shapes/validate.py) gives what one store gives.

The real cube is cut with a tiny chunk size, so its 1,251 observations and 59 cells without a
figure fall in about a dozen chunks, and faults are written into its text at the places the
converter would print them.
"""

from __future__ import annotations

import fcntl
import pickle
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from chunk_workers import in_this_process
from shapes import blocks
from shapes.blocks import LayoutError, cut
from converter.rdf.trig import MARKER
from mdo.settings import Settings
from shapes.chunks import _ContextSplit
from shapes.validate import SHAPE_FILES, ValidateError, validate

SMALL = 150_000  # bytes per chunk: the real TriG's 2.2 MB then makes about a dozen chunks
WHOLE = 10**12  # bytes per chunk: never cut
B = "https://data.monitordigitaleoverheid.nl"


@pytest.fixture()
def trig_text(built_trig: Path) -> str:
    return built_trig.read_text(encoding="utf-8")


@pytest.fixture()
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunked validation's workers in this process (`chunk_workers`), for the tests of what the
    cut decides; the tests of what the worker processes do run them as processes."""
    in_this_process(monkeypatch)


def _units(text: str) -> list[str]:
    """The observation units (an observation and its cell) after the marker, in file order
    (not the units of cells without a figure, `mdo:OntbrekendCijfer`)."""
    body = text[text.index(MARKER) :]
    return re.findall(r"\n\t<[^>]+> a qb:Observation ;\n.*?\n\t<[^>]+> a mdo:Broncel ;\n.*? \.(?=\n)", body, re.S)


def _write(tmp_path: Path, text: str, name: str = "cube.trig") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _quads(*paths: Path) -> list[str]:
    formats = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}
    return [str(quad) for path in paths for quad in ox.parse(path=str(path), format=formats[path.suffix])]


def test_cut_keeps_every_quad_once_and_each_indicator_in_one_chunk(built_trig: Path, tmp_path: Path) -> None:
    chunks = cut(built_trig, tmp_path, SMALL)
    assert chunks is not None
    assert chunks.observations == 1310  # units: 1,251 observations and 59 cells without a figure
    assert len(chunks.chunks) >= 10
    assert chunks.datasets == {f"{B}/id/dataset/monitor-digitale-overheid"}
    parts = [_quads(chunk) for chunk in chunks.chunks]
    context = _quads(chunks.context)
    assert sum(len(part) for part in parts) + len(context) == 32967
    assert sorted([*context, *(quad for part in parts for quad in part)]) == sorted(set(_quads(built_trig)))
    homes: dict[str, set[int]] = {}
    for number, part in enumerate(parts):
        for quad in part:
            if f"<{B}/def/mdo#indicator>" in quad:
                homes.setdefault(quad.split(" ")[2], set()).add(number)
    assert homes and all(len(chunk_numbers) == 1 for chunk_numbers in homes.values())


def test_small_files_and_files_without_the_marker_are_not_cut(built_trig: Path, tmp_path: Path, trig_text: str) -> None:
    assert cut(built_trig, tmp_path, WHOLE) is None
    assert cut(_write(tmp_path, trig_text.replace(MARKER, "")), tmp_path, SMALL) is None


def test_the_real_cube_conforms_in_chunks_as_in_one_store(built_trig: Path) -> None:
    chunked = validate(built_trig, chunk_bytes=SMALL, workers=2)
    assert re.fullmatch(r"\d+ chunks of observations, 2 processes", chunked.mode)
    assert list(built_trig.parent.glob(".mdo-validate-*")) == []  # the processes' scratch folder is gone
    assert chunked.conforms
    assert chunked.violations == []
    assert chunked.triples == validate(built_trig).triples == 32967


def test_faults_are_reported_in_chunks_exactly_as_in_one_store(tmp_path: Path, trig_text: str, in_process: None) -> None:
    units = _units(trig_text)
    assert len(units) == 1251
    first, second, third = units[0], units[1], units[2]
    # IC-12: a copy of the first observation under new names, at the end of another graph block
    copy = first.replace("/totaal/2017>", "/totaal/2017-kopie>").replace("-totaal-2017>", "-totaal-2017-kopie>")
    assert copy != first
    text = trig_text.rstrip("\n")
    assert text.endswith("}")
    text = text[:-1] + copy.lstrip("\n") + "\n}\n"
    # IC-11: an observation without its year (MDO-1 leaves that to IC-11)
    text = text.replace(second, re.sub(r"\n\t\tmdo:jaar <[^>]+> ;", "", second, count=1))
    # MDO-1: an observation with a second edition
    fifth = units[4]
    text = text.replace(fifth, re.sub(r"(\n\t\tmdo:editie <[^>]+> ;)", rf"\1\n\t\tmdo:editie <{B}/id/editie/1999> ;", fifth, count=1))
    # MDO-6: a source cell on line 0
    text = text.replace(third, re.sub(r"mdo:regel \d+ ;", "mdo:regel 0 ;", third, count=1))
    # MDO-8 and IC-19: an indicator no code list has
    fourth = units[3]
    text = text.replace(fourth, re.sub(r"(mdo:indicator <[^>]+)>", r"\1-onbekend>", fourth, count=1))
    # MDO-5: a percentage of 250
    percent = next(u for u in units if "/id/eenheid/procent>" in u and "mdo:waarde " in u)
    text = text.replace(percent, re.sub(r"mdo:waarde [0-9.]+", "mdo:waarde 250", percent, count=1))
    # MDO-4 and MDO-8: an indicator with a second unit, in the context (only its chunk loads it)
    described = re.compile(rf"(\t<{B}/id/indicator/digid-actieve-digids> a skos:Concept ;\n(?:\t\t.*\n)*?\t\tsdmx-attribute:unitMeasure <[^>]+>)")
    assert len(described.findall(text)) == 1
    text = described.sub(rf"\1 , <{B}/id/eenheid/procent>", text)
    # MDO-11: a second current figure for a series and year (an older edition's, made current)
    older = next(u for u in units[10:] if "mdo:actueel false" in u)
    text = text.replace(older, older.replace("mdo:actueel false", "mdo:actueel true"))
    # MDO-12: a revision of an observation that does not exist
    revision = next(u for u in units[10:] if "mdo:herziet" in u and u != older)
    text = text.replace(revision, re.sub(r"(mdo:herziet <[^>]+)/(\d{4})>", r"\1/1999>", revision, count=1))
    # MDO-13: an observation under another voorziening than its indicator's
    moved = next(u for u in units[10:] if "/id/voorziening/digid>" in u and u not in (older, revision))
    text = text.replace(moved, moved.replace("mdo:voorziening <" + B + "/id/voorziening/digid>", "mdo:voorziening <" + B + "/id/voorziening/brp>"))
    path = _write(tmp_path, text)

    one = validate(path, chunk_bytes=WHOLE)
    chunked = validate(path, chunk_bytes=SMALL, workers=2)
    assert one.mode == "one store"
    assert chunked.mode.endswith("chunks of observations, 2 processes")
    rules = {v.rule.split(" ")[0] for v in one.violations}
    assert {"IC-11", "IC-12", "IC-19", "MDO-1", "MDO-4", "MDO-5", "MDO-6", "MDO-8", "MDO-11", "MDO-12", "MDO-13"} <= rules
    assert any(v.rule.startswith("MDO-8") and str(v.value).endswith("digid-actieve-digids") for v in one.violations)
    assert chunked.violations == one.violations
    assert (chunked.conforms, chunked.triples) == (one.conforms, one.triples) == (False, 32967 + 21 - 1 + 1 + 1)  # copy, year, edition, unit


CELL = (
    '\n\t<{B}/o> a qb:Observation ;\n\t\tqb:dataSet <{B}/d> ;\n\t\tprov:wasDerivedFrom <{B}/c> .'
    '\n\t<{B}/c> a mdo:Broncel ;\n\t\tmdo:editie <{B}/e> ;\n\t\tmdo:bestand "f" ;\n\t\tmdo:regel 1 ;\n\t\tmdo:ruweTekst "5" ;'
    '\n\t\tmdo:rijlabel "r"@nl ;\n\t\tmdo:sectie "s"@nl ;\n\t\trdfs:label "f:1: \'5\'" .\n}}\n'
).format(B=B)


def test_a_chunk_loads_without_the_descriptions_of_its_cells() -> None:
    lean, dropped = blocks.without_descriptions(CELL.encode())
    assert dropped == 3
    assert lean.decode() == CELL.split("\n\t\tmdo:rijlabel")[0] + " .\n}\n"


@pytest.mark.parametrize(("old", "new"), [
    ("\n\t\tmdo:editie", f"\n\t\tqb:dataSet <{B}/d> ;\n\t\tmdo:editie"),  # a cell in a data set is an observation
    ('"s"@nl', '"s"@en'),  # a language the grammar allows and the converter does not write
    ('"r"', '"r\\u0041"'),  # an escape the converter does not write
    ("mdo:ruweTekst", "mdo:voetnoot"),  # another predicate in the cell
])
def test_a_cell_not_as_the_converter_writes_it_keeps_its_description(old: str, new: str) -> None:
    text = CELL.replace(old, new, 1).encode()
    assert blocks.without_descriptions(text) == (text, 0)


def test_a_chunk_that_is_not_utf8_keeps_every_line() -> None:
    text = CELL.encode().replace(b'"r"', b'"r\xff"')
    assert blocks.without_descriptions(text) == (text, 0)
    assert blocks.without_descriptions(text.replace(b"\xff", "é".encode()))[1] == 3


def test_the_context_is_split_by_indicator_without_losing_a_quad(built_trig: Path, tmp_path: Path) -> None:
    chunks = cut(built_trig, tmp_path, SMALL)
    assert chunks is not None
    context = ox.Store()
    context.load(path=str(chunks.context), format=ox.RdfFormat.TRIG)
    split = _ContextSplit(tmp_path, chunks.count)
    split.write(context)
    assert split.ready.exists()
    common = set(_quads(split.parts(0)[0]))
    own = [set(_quads(split.parts(number)[1])) for number in range(chunks.count)]
    assert sorted(common.union(*own)) == sorted(set(_quads(chunks.context)))
    assert sum(map(len, own)) + len(common) == len(context)  # each quad in one part
    indicator = f"<{B}/id/indicator/digid-actieve-digids>"
    home = blocks.chunk_of(indicator.encode(), chunks.count)
    assert [number for number, quads in enumerate(own) if any(q.startswith(indicator + " ") for q in quads)] == [home]
    assert not any(q.startswith(indicator + " ") for q in common)
    assert any(q.startswith(f"<{B}/id/voorziening/digid> ") for q in common)
    chunk = tmp_path / f"chunk-{home}.trig"  # the chunk the cut gave that indicator's observations
    assert f"mdo:indicator {indicator} ;" in chunk.read_text(encoding="utf-8")


def test_an_observation_of_two_indicators_is_checked_in_one_store(tmp_path: Path, trig_text: str) -> None:
    """It could duplicate an observation of either indicator (IC-12), which may be in another chunk."""
    unit = _units(trig_text)[7]
    other = f"<{B}/id/indicator/digid-aangesloten-webdiensten>"
    assert other not in unit
    text = trig_text.replace(unit, re.sub(r"(\n\t\tmdo:indicator <[^>]+> ;)", rf"\1\n\t\tmdo:indicator {other} ;", unit, count=1))
    path = _write(tmp_path, text)
    line = trig_text[: trig_text.index(unit) + 1].count("\n") + 1  # the observation's line (nothing before it changed)
    result = validate(path, chunk_bytes=SMALL, workers=2)
    assert result.mode == f"one store (not cut into chunks: {path}:{line}: an observation with two mdo:indicator values)"
    # MDO-11 too: the other indicator's series now has a second current figure for that year;
    # MDO-16: in that series its derived change (and the one of the year after it) is wrong
    assert {v.rule.split(" ")[0] for v in result.violations} == {"IC-12", "MDO-1", "MDO-11", "MDO-16"}


def test_a_file_not_laid_out_as_promised_is_checked_in_one_store(tmp_path: Path, trig_text: str) -> None:
    unit = _units(trig_text)[5]
    extra = '\n\t<urn:x:los> <http://www.w3.org/2000/01/rdf-schema#label> "los" .'
    text = trig_text.replace(unit, unit + extra)
    path = _write(tmp_path, text)
    line = text[: text.index(unit) + 1].count("\n") + 1  # the line of the unit's observation
    (tmp_path / "cut").mkdir()
    with pytest.raises(LayoutError, match=rf"cube\.trig:{line}: expected an observation"):
        cut(path, tmp_path / "cut", SMALL)
    (tmp_path / "cut" / "context.trig").unlink()
    result = validate(path, chunk_bytes=SMALL)
    assert result.mode.startswith(f"one store (not cut into chunks: {path}:{line}: ")
    assert result.conforms and result.triples == 32968


def test_an_observation_described_twice_is_not_cut(tmp_path: Path, trig_text: str) -> None:
    unit = _units(trig_text)[7]
    path = _write(tmp_path, trig_text.replace(unit, unit + unit))
    result = validate(path, chunk_bytes=SMALL)
    assert "is described twice" in result.mode
    assert result.conforms and result.triples == 32967


def test_chunks_need_the_indicator_to_be_a_dimension(tmp_path: Path, trig_text: str, in_process: None) -> None:
    assert trig_text.count("qb:dimension mdo:indicator ;") == trig_text.count("qb:componentProperty mdo:indicator ;") == 1
    text = trig_text.replace("qb:dimension mdo:indicator ;", "qb:attribute mdo:indicator ;")
    path = _write(tmp_path, text.replace("qb:componentProperty mdo:indicator ;", ""))  # and mdo:indicator no qb:DimensionProperty of it
    result = validate(path, chunk_bytes=SMALL)
    assert result.mode == (
        f"one store (not cut into chunks: mdo:indicator is not a dimension of <{B}/id/dataset/monitor-digitale-overheid>, "
        "so duplicates could fall in different chunks)"
    )


def test_chunks_are_cleaned_up(tmp_path: Path, trig_text: str, in_process: None) -> None:
    path = _write(tmp_path, trig_text)
    assert validate(path, chunk_bytes=SMALL).mode.endswith("chunks of observations, 2 processes")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.trig"]


def test_what_a_killed_validation_left_behind_the_next_one_removes(
    tmp_path: Path, trig_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, trig_text)
    code = f"from shapes.validate import validate; validate({str(path)!r}, chunk_bytes={SMALL})"
    killed = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".mdo-validate-*/in-use")):  # the scratch folder, and its lock held
            assert killed.poll() is None and time.monotonic() < deadline, "the validation never made its folder"
            time.sleep(0.01)
    finally:
        killed.send_signal(signal.SIGKILL)  # no clean-up runs
        killed.wait()
    left = list(tmp_path.glob(".mdo-validate-*"))
    assert len(left) == 1
    held = tmp_path / ".mdo-validate-running"  # one that another validation is using now
    held.mkdir()
    making = tmp_path / ".mdo-validate-being-made"  # one whose lock is not taken yet
    making.mkdir()
    in_this_process(monkeypatch)  # the next validation: the parent removes what is abandoned
    with open(held / "in-use", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert validate(path, chunk_bytes=SMALL).conforms
    assert sorted(p.name for p in tmp_path.iterdir()) == [".mdo-validate-being-made", ".mdo-validate-running", "cube.trig"]


@pytest.mark.parametrize("read", [997, 4099, 64 * 2**20])
def test_the_unit_lines_are_checked_whatever_the_reads(tmp_path: Path, trig_text: str, read: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "_READ", read)
    blocks.check_units(_write(tmp_path, trig_text, "good.trig"))
    unit = _units(trig_text)[11]
    extra = "\n\t\ta <http://www.w3.org/2004/02/skos/core#Concept> ;"
    text = trig_text.replace(unit, unit.replace(" a qb:Observation ;", " a qb:Observation ;" + extra, 1))
    line = trig_text[: trig_text.index(unit) + 1].count("\n") + 2  # the line after the observation's head
    with pytest.raises(LayoutError, match=rf"bad\.trig:{line}: not a unit line of the converter: b'\\t\\ta <http"):
        blocks.check_units(_write(tmp_path, text, "bad.trig"))
    with pytest.raises(LayoutError, match=rf"end\.trig:{trig_text.count(chr(10)) + 1}: not a unit line"):
        blocks.check_units(_write(tmp_path, trig_text + "\tlos", "end.trig"))


@pytest.mark.parametrize(
    ("change", "why", "processes"),
    [
        # a second indicator as a comma list: the cut would read only the first
        (lambda u: re.sub(r"(mdo:indicator <[^>]+>)", r"\1, <urn:x:tweede>", u, count=1), "not a unit line", True),
        # a type more: the observation would become a code the context's shapes never see
        (lambda u: u.replace(" a qb:Observation ;\n", " a qb:Observation ;\n\t\ta <http://www.w3.org/2004/02/skos/core#Concept> ;\n", 1),
         "not a unit line", False),
        # the same IRI written with an escape is another text
        (lambda u: u.replace("/id/observatie/", "/id/observ\\u0061tie/", 1), "not a unit line", False),
        # a blank node as an object; with real worker processes: the context's worker refuses it
        # (`shapes.worker` reports {"refused": why}), the parent then checks one store
        (lambda u: u.replace("mdo:actueel true", "mdo:actueel [ ]", 1).replace("mdo:actueel false", "mdo:actueel [ ]", 1),
         "not a unit line", True),
    ],
    ids=["comma-list", "extra-type", "escaped-iri", "blank-node"],
)
def test_units_off_the_converter_grammar_are_checked_in_one_store(  # type: ignore[no-untyped-def]
    tmp_path: Path, trig_text: str, change, why: str, processes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not processes:
        in_this_process(monkeypatch)
    unit = _units(trig_text)[11]
    changed = change(unit)
    assert changed != unit
    path = _write(tmp_path, trig_text.replace(unit, changed))
    one = validate(path, chunk_bytes=WHOLE)
    result = validate(path, chunk_bytes=SMALL)
    assert result.mode.startswith("one store (not cut into chunks: ") and why in result.mode
    assert (result.violations, result.triples) == (one.violations, one.triples)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.trig"]


def test_prefixes_of_its_own_after_the_marker_are_not_cut(tmp_path: Path, trig_text: str) -> None:
    text = trig_text.replace(MARKER, MARKER + "@prefix obs: <https://data.monitordigitaleoverheid.nl/id/observatie/> .\n")
    result = validate(_write(tmp_path, text), chunk_bytes=SMALL)
    assert "the prefixes after the marker are not the converter's" in result.mode


def test_an_observation_of_another_data_set_is_seen_by_the_cut(tmp_path: Path, trig_text: str, in_process: None) -> None:
    unit = _units(trig_text)[900]
    other = unit.replace("/id/dataset/monitor-digitale-overheid>", "/id/dataset/ander>")
    assert other != unit
    result = validate(_write(tmp_path, trig_text.replace(unit, other)), chunk_bytes=SMALL)
    assert result.mode.startswith(f"one store (not cut into chunks: mdo:indicator is not a dimension of <{B}/id/dataset/ander>")


@pytest.mark.parametrize("read", [997, 4099, 65_537])
def test_small_reads_cut_the_same_chunks(built_trig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: int) -> None:
    """Units, heads and graph lines split across reads: each chunk gets the same quads."""
    whole = cut(built_trig, _folder(tmp_path / "whole"), SMALL)
    monkeypatch.setattr(blocks, "_READ", read)
    pieces = cut(built_trig, _folder(tmp_path / "pieces"), SMALL)
    assert whole is not None and pieces is not None
    assert [sorted(_quads(c)) for c in pieces.chunks] == [sorted(_quads(c)) for c in whole.chunks]
    assert (pieces.observations, pieces.datasets, pieces.subjects) == (whole.observations, whole.datasets, whole.subjects)


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def test_a_worker_that_fails_is_an_error_not_a_fallback(tmp_path: Path, trig_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, trig_text)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # every worker exits 1 at once
    with pytest.raises(ValidateError, match=r"a validation worker failed \(exit 1\)"):
        validate(path, chunk_bytes=SMALL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.trig"]


def test_a_worker_ends_when_its_parent_does(built_trig: Path, tmp_path: Path, settings: Settings) -> None:
    """A parent killed outright runs no clean-up; its workers see their stdin close and exit."""
    chunks = cut(built_trig, tmp_path, SMALL)
    assert chunks is not None
    job = tmp_path / "job.pickle"  # the context checked a thousand times: minutes of work
    job.write_bytes(pickle.dumps({"tasks": [([chunks.context], None)] * 1000, "split": None, "units": None, "shapes_dir": settings.shapes_dir,
                                  "names": SHAPE_FILES, "out": tmp_path / "out.pickle"}))
    worker = subprocess.Popen([sys.executable, "-m", "shapes.worker", str(job)], stdin=subprocess.PIPE)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=1)  # it works, and would for minutes
        assert worker.stdin is not None
        worker.stdin.close()  # what the parent's death does to the pipe
        assert worker.wait(timeout=10) == 3
    finally:
        worker.kill()
        worker.wait()
    assert not (tmp_path / "out.pickle").exists()
