"""Every failure of `mdo` is one message naming the file and line (or key) and a non-zero exit
status; `--debug` shows the traceback. dist/ is all old or all new, whatever stops a build."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mdo_runner import Ran, run

ROOT = Path(__file__).resolve().parents[1]


def mdo(root: Path, *args: str) -> Ran:
    return run(*args, root=root)


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    for folder in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def _edit(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def test_bytes_that_are_not_utf8_name_their_line(checkout):
    _edit(checkout / "data" / "sources" / "mdo-2024.txt", "publieke".encode(), b"publi\xe9ke")
    result = mdo(checkout, "build")
    assert result.returncode == 1
    assert "sources/mdo-2024.txt:144:" in result.stderr and "byte 0xe9 is not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_key_of_an_edition_is_named(checkout):
    _edit(checkout / "data" / "editions.toml", b'reference_date = "2023-12-31"', b"")
    result = mdo(checkout, "extract")
    assert result.returncode == 2
    assert "data/editions.toml: [[edition]] number 2 (2024): key 'reference_date' is missing" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(checkout):
    _edit(checkout / "data" / "editions.toml", b'reference_date = "2023-12-31"', b"")
    from converter.registry import RegistryError

    result = mdo(checkout, "--debug", "extract")
    assert result.returncode != 0
    assert isinstance(result.exception, RegistryError)  # raised, so Python prints its traceback


def test_unread_lines_stop_the_build_with_their_lines(checkout):
    _edit(checkout / "data" / "sources" / "mdo-2024.txt", b"Indicator\t2019\t2020\t2021\t2022\t2023\t%\nTotaal aantal aangesloten organisaties",
          b"Indicator\nTotaal aantal aangesloten organisaties")
    result = mdo(checkout, "build")
    assert result.returncode == 1
    assert "sources/mdo-2024.txt:147: figures not read (not in a table)" in result.stderr
    assert not (checkout / "dist").exists()
    allowed = mdo(checkout, "build", "--allow-unread")
    assert allowed.returncode == 0, allowed.stderr
    assert "warning: 13 line(s) with figures were not read" in " ".join(allowed.stderr.split())
    report = (checkout / "dist" / "quality.md").read_text(encoding="utf-8")
    assert "## Niet gelezen regels met cijfers (13)" in report


def test_a_folder_that_cannot_be_written_is_named(checkout):
    result = mdo(checkout, "extract", "--out", "/sys/mdo.csv")  # sysfs: no new files, even for root
    assert result.returncode == 1
    assert result.stderr.startswith("error: /sys/mdo.csv: ")
    assert "Traceback" not in result.stderr


def test_a_full_disk_is_a_message():
    from mdo.cli import describe

    message, code = describe(OSError(errno.ENOSPC, "No space left on device", "dist/mdo.nt"))
    assert (message, code) == ("dist/mdo.nt: the disk is full; free some space and run the command again "
                               "(nothing already written was changed)", 1)


def test_a_bug_is_a_message_that_asks_for_debug():
    from mdo.cli import describe

    message, code = describe(KeyError("x"))
    assert code == 1 and "--debug" in message


def test_a_killed_build_leaves_the_old_dist_whole(checkout):
    first = mdo(checkout, "build")
    assert first.returncode == 0, first.stderr
    dist = checkout / "dist"
    before = {p.name: p.read_bytes() for p in dist.iterdir()}
    env = {**os.environ, "MDO_ROOT": str(checkout)}
    process = subprocess.Popen([sys.executable, "-m", "mdo.cli", "build"], env=env, cwd=checkout,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:  # wait until it writes its new dist
        found = list(checkout.glob(".dist.staging-*"))
        if found and any(found[0].iterdir()):
            staging = found[0]
            break
        time.sleep(0.01)
    assert staging is not None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == before
    again = mdo(checkout, "build")
    assert again.returncode == 0, again.stderr
    assert not list(checkout.glob(".dist.*")), "leftovers of the killed build"
    assert sorted(p.name for p in dist.iterdir()) == sorted(before)


def test_a_swap_cut_between_its_two_renames_is_undone(tmp_path):
    """Where the system has no atomic exchange, a kill between the renames leaves the old folder
    aside; the next build puts it back before anything else, and removes the dead staging."""
    from converter.atomic import clean_leftovers, staged_folder

    dist = tmp_path / "dist"
    dead = 4_194_305  # above Linux's highest pid: no such process
    old = tmp_path / f".dist.old-{dead}-0000"
    old.mkdir()
    (old / "mdo.trig").write_text("old", encoding="utf-8")
    staging = tmp_path / f".dist.staging-{dead}-0000"
    staging.mkdir()
    (staging / "mdo.trig").write_text("half", encoding="utf-8")
    clean_leftovers(dist)
    assert (dist / "mdo.trig").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    with staged_folder(dist) as folder:
        (folder / "mdo.trig").write_text("new", encoding="utf-8")
    assert (dist / "mdo.trig").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    with pytest.raises(RuntimeError):
        with staged_folder(dist) as folder:
            (folder / "mdo.trig").write_text("broken", encoding="utf-8")
            raise RuntimeError("stopped")
    assert (dist / "mdo.trig").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize(("variable", "value", "message"), [("MDO_MAX_ROWS", "abc", "MDO_MAX_ROWS='abc': expected an integer"),
                                                            ("MDO_SHORT_BUDGET", "0", "MDO_SHORT_BUDGET='0': must be above 0")])
def test_a_bad_limit_of_the_endpoint_stops_serve_before_it_starts(variable: str, value: str, message: str) -> None:
    result = run("serve", "--port", "1", env={variable: value})
    assert (result.returncode, result.stderr.strip()) == (2, f"error: {message}")


def test_an_unknown_store_is_named(tmp_path: Path) -> None:
    (tmp_path / "mdo.trig").write_text("")
    result = run("serve", "--data", str(tmp_path / "mdo.trig"), "--store", "floppy")
    assert result.returncode == 2
    assert "--store must be one of auto, disk, memory, not 'floppy'" in result.stderr
    assert "Traceback" not in result.stderr
