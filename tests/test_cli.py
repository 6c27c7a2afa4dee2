"""The `mdo` commands as a user runs them, in this process (`mdo_runner`): real files, real data.

`tests/test_endpoint_server.py` runs `mdo serve` as a real process, end to end.
"""

import csv
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from mdo_runner import run
from rdflib import Dataset


def test_extract_writes_the_tidy_csv(tmp_path):
    out = tmp_path / "obs.csv"
    result = run("extract", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert " ".join(result.stderr.split()).startswith("1,251 observations and 59 cells without a figure -> ")
    with out.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    digid = [r for r in table if r["indicator"] == "digid-actieve-digids" and r["edition"] == "2020" and r["year"] == "2018"]
    assert [(r["value"], r["source_line"], r["raw"]) for r in digid] == [("13772269", "286", "13.772.269")]
    rejects = list(csv.DictReader((tmp_path / "obs-rejects.csv").read_text(encoding="utf-8").splitlines()))
    assert sorted(r["raw"] for r in rejects) == ["161.210.55", "9.100.00"]


@pytest.mark.parametrize("suffix", [".trig", ".nq", ".jsonld"])
def test_build_out_follows_the_extension(tmp_path, suffix, built_dataset):
    out = tmp_path / f"mdo{suffix}"
    result = run("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert " ".join(result.stderr.split()).startswith("32,967 quads (1,251 observations and 59 cells without a figure) in ")
    assert set(ox.parse(path=str(out))) == set(built_dataset)  # the format the extension names, every quad
    if suffix == ".trig":  # the converter writes this text itself: a parser of another make reads it too
        graph = Dataset()
        graph.parse(out, format="trig")
        assert len(list(graph.quads((None, None, None, None)))) == 32967


def test_build_rejects_an_unknown_extension_and_keeps_nothing(tmp_path):
    out = tmp_path / "mdo.xyz"
    result = run("build", "--out", str(out))
    assert result.returncode == 2
    assert "unknown extension '.xyz'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_quality_report_lists_anomalies_with_places():
    result = run("quality")
    assert result.returncode == 0, result.stderr
    assert "`sources/mdo-2024.txt:205`" in result.stdout and "93,8%" in result.stdout
    assert "'9.100.00'" in result.stdout
    assert "'500' in editie 2020" in result.stdout
    assert result.stdout.startswith("# Kwaliteitsrapport van de bron")
    assert result.stdout.splitlines()[4] == ("1.251 waarnemingen en 59 ontbrekende cijfers uit 1.298 cijfercellen: "
                                             "1.296 gepubliceerd, 2 afgewezen; 28 bevindingen.")
    english = run("quality", "--lang", "en")
    assert "'500' in edition 2020" in english.stdout and english.stdout.startswith("# Source quality report")
    assert english.stdout.splitlines()[4] == ("1251 observations and 59 cells without a figure from 1298 figure cells: "
                                              "1296 published, 2 rejected; 28 findings.")


def test_registry_propose_knows_every_label():
    result = run("registry", "propose")
    assert result.returncode == 0
    assert "0 unknown label(s)" in result.stderr


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    from converter.atomic import atomic_open

    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write("half")
            raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_write_leaves_nothing_when_the_file_cannot_be_prepared(tmp_path, monkeypatch):
    from converter import atomic

    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    def refuse(fd: int, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")  # as on some FUSE, SMB or vfat mounts

    monkeypatch.setattr(atomic.os, "fchmod", refuse)
    with pytest.raises(PermissionError):
        with atomic.atomic_open(target) as handle:
            handle.write("new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_validate_passes_the_real_cube_and_fails_a_broken_one(built_trig, tmp_path):
    ok = run("validate", str(built_trig))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("Conforms")
    broken = tmp_path / "broken.nq"
    obs = "<https://data.monitordigitaleoverheid.nl/id/observatie/2024/digid-actieve-digids/totaal/2023>"
    lines = [line for line in built_trig.with_suffix(".nq").read_text(encoding="utf-8").splitlines()
             if not (line.startswith(obs) and "def/mdo#jaar>" in line)]
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = run("validate", str(broken))
    assert bad.returncode == 1
    assert "digid-actieve-digids/totaal/2023" in bad.stdout
    assert "sources/mdo-2024.txt:149" in bad.stdout


def _commands() -> dict[str, list[str]]:
    """Each `mdo` command, by name as typed, with the long options its own --help lists."""
    import typer.main

    from mdo.cli import app

    found: dict[str, list[str]] = {}

    def walk(command: object, prefix: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "commands", None):
                walk(sub, f"{prefix}{name} ")
            else:
                found[prefix + name] = [o for param in sub.params for o in param.opts if o.startswith("--")]

    walk(typer.main.get_command(app), "")
    return found


def test_the_readme_command_table_matches_the_help():
    """Each command of `mdo --help` has a row in the README's table, and that row names every
    option the command's own --help lists (and no option it lacks)."""
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## The `mdo` command", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `mdo ([a-z]+(?: [a-z]+)?)\b[^`]*`.*$", table, re.M)}
    commands = _commands()
    assert sorted(rows) == sorted(commands)
    for name, options in commands.items():
        usage = rows[name].split("` |", 1)[0]
        assert [o for o in options if o not in rows[name]] == [], name
        assert [o for o in re.findall(r"--[a-z-]+", usage) if o not in options] == [], name


def test_every_entry_point_starts():
    for args in (["--help"], ["build", "--help"], ["serve", "--help"], ["registry", "propose", "--help"],
                 ["edition", "add", "--help"], ["quality", "--help"]):
        result = run(*args)
        assert result.returncode == 0, (args, result.stderr)
    installed = subprocess.run([str(Path(sys.executable).with_name("mdo")), "--help"], capture_output=True, text=True)
    assert installed.returncode == 0 and "Monitor Digitale Overheid" in installed.stdout, installed.stderr
