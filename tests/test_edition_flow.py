"""A third edition, as the publishing team adds it: add, propose, apply, build, validate, quality.

The fixture `tests/fixtures/mdo-2025.txt` is the 2024 text moved on one year, with two labels
reworded, two rows added, one dropped and the layout quirks of a re-export (made by
`tests/fixtures/make_edition_2025.py`). Only the reworded and the new rows need a decision.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from mdo_runner import Ran, run

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "mdo-2025.txt"
ADD = ["edition", "add", str(FIXTURE), "--id", "2025", "--title", "Monitor Digitale Overheid 2025",
       "--reference-date", "2024-12-31"]


def mdo(root: Path, *args: str) -> Ran:
    """`mdo ARGS` in a copy of the checkout, in this process (`test_endpoint_server.py` runs the
    one end-to-end `mdo` process)."""
    return run(*args, root=root)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checkout")
    for folder in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def added(checkout: Path) -> Ran:
    return mdo(checkout, *ADD)


def test_add_registers_reads_and_matches(checkout, added):
    assert added.returncode == 0, added.stderr
    assert (checkout / "data" / "sources" / "mdo-2025.txt").read_bytes() == FIXTURE.read_bytes()
    assert 'file = "sources/mdo-2025.txt"' in (checkout / "data" / "editions.toml").read_text(encoding="utf-8")
    assert "38 tables, 164 rows" in added.stderr and "none unread" in added.stderr
    assert "4 unknown label(s): 2 continue an indicator, 2 new, 0 question(s)" in " ".join(added.stderr.split())
    assert "# continues digid-actieve-digids: add to its entry" in added.stdout
    assert "equal figures for 2020, 2021, 2022, 2023" in added.stdout
    assert 'id = "digid-authenticaties-met-app-hoog"' in added.stdout


def test_adding_it_twice_is_refused(checkout, added):
    again = mdo(checkout, *ADD)
    assert again.returncode == 1
    assert "--id 2025: data/editions.toml already has this edition" in again.stderr
    assert "Traceback" not in again.stderr
    known = [a if a != str(FIXTURE) else str(ROOT / "data" / "sources" / "mdo-2024.txt") for a in ADD]
    same_text = mdo(checkout, *[a if a != "2025" else "2026" for a in known])
    assert same_text.returncode == 1
    assert "this is the text of edition 2024 (data/sources/mdo-2024.txt)" in " ".join(same_text.stderr.split())


@pytest.fixture(scope="module")
def applied(checkout: Path, added) -> Ran:
    return mdo(checkout, "registry", "propose", "--edition", "2025", "--apply")


def test_apply_writes_only_the_decisions_and_shows_them(checkout, applied):
    assert applied.returncode == 0, applied.stderr
    added_lines = [line[1:] for line in applied.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert 'labels.2025 = ["Aantal actieve DigiD-accounts"]' in added_lines
    assert 'labels.2025 = ["Aantal gebruikte DigiD-machtigingen"]' in added_lines
    assert 'id = "eherkenning-diensten-met-niveau-eh4"' in added_lines
    assert sum(line.startswith("labels.2025") for line in added_lines) == 4
    assert not [line for line in applied.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
    again = mdo(checkout, "registry", "propose", "--edition", "2025")
    assert again.returncode == 0 and "0 unknown label(s)" in again.stderr


@pytest.fixture(scope="module")
def built(checkout: Path, applied) -> Ran:
    return mdo(checkout, "build")


def _observations(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_build_reads_the_new_edition_exactly(checkout, built):
    assert built.returncode == 0, built.stderr
    rows = _observations(checkout / "dist" / "observations.csv")
    new = {(r["indicator"], r["year"]): r for r in rows if r["edition"] == "2025"}
    # a reworded label, continued: the 2024 column is new, earlier years as before
    assert (new[("digid-actieve-digids", "2024")]["value"], new[("digid-actieve-digids", "2024")]["source_line"]) == ("18038877", "149")
    assert new[("digid-actieve-digids", "2020")]["value"] == "18320835"
    # a header whose tabs became spaces (DigiD Machtigen)
    assert new[("digid-machtigen-gebruikte-machtigingen", "2024")]["value"] == "3884636"
    # a footnote mark as <sup>1</sup>: 1.066.175, never 10661751
    sup = new[("eherkenning-uitgegeven-eherkenningmiddelen", "2024")]
    assert (sup["value"], sup["footnote_marks"]) == ("1066175", "1")
    # a no-break space in a label, new rows, and no dropped row
    assert new[("eherkenning-aangesloten-dienstverleners", "2024")]["value"] == "639"
    assert new[("eherkenning-diensten-met-niveau-eh4", "2022")]["value"] == "212"
    assert new[("digid-authenticaties-met-app-hoog", "2024")]["value"] == "2500"
    assert not [k for k in new if k[0] == "digid-authenticaties-hoog"]


def test_the_known_editions_keep_their_figures(checkout, built, extraction):
    rows = [r for r in _observations(checkout / "dist" / "observations.csv") if r["edition"] != "2025"]
    got = {(r["edition"], r["indicator"], r["breakdown"], r["year"], r["value"], r["source_line"]) for r in rows}
    expected = {(o.edition, o.indicator, o.breakdown, str(o.year), "" if o.value is None else format(o.value, "f"),
                 str(o.place.line)) for o in extraction.observations}
    assert got == expected


def test_the_new_dataset_validates(checkout, built):
    result = mdo(checkout, "validate", str(checkout / "dist" / "mdo.trig"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Conforms")


def test_the_quality_report_of_the_new_edition(checkout, built):
    result = mdo(checkout, "quality", "--edition", "2025")
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert report.startswith("# Kwaliteitsrapport van de bron\n\nEditie 2025 (Monitor Digitale Overheid 2025)")
    assert "## Nieuwe indicatoren (2)" in report
    assert "## Vervallen indicatoren (wel in de vorige editie, niet in deze) (1)" in report
    assert "digid-authenticaties-hoog: 'Aantal authenticaties op Hoog' (laatst gedrukt in editie 2024)" in report
    assert "## Hernoemde indicatoren (ander label dan in de vorige editie) (2)" in report
    assert "## Niet gelezen regels met cijfers (0)" in report
    assert "| `sources/mdo-2025.txt` | 697 |" in report
    failing = mdo(checkout, "quality", "--edition", "2025", "--fail-on", "reject,unread-line")
    assert failing.returncode == 1
    assert "reject 3" in failing.stderr
    assert mdo(checkout, "quality", "--edition", "2025", "--fail-on", "unread-line").returncode == 0


def test_an_ambiguous_match_is_a_question_not_a_guess(tmp_path):
    """Two rows with the figures of one indicator: neither is decided; --choose answers, --apply writes."""
    for folder in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    text = FIXTURE.read_bytes()
    row = next(line for line in text.split(b"\r\n") if line.startswith(b"Aantal actieve DigiD-accounts\t"))
    twin = row.replace(b"Aantal actieve DigiD-accounts", b"Aantal actieve DigiD-accounts van inwoners")
    source = tmp_path / "mdo-2025.txt"
    source.write_bytes(text.replace(row + b"\r\n", row + b"\r\n" + twin + b"\r\n", 1))
    indicators = (tmp_path / "data" / "indicators.toml").read_bytes()
    args = [a if a != str(FIXTURE) else str(source) for a in ADD]
    asked = mdo(tmp_path, *args, "--apply")
    assert asked.returncode == 2, asked.stderr
    message = " ".join(asked.stderr.split())
    assert ("sources/mdo-2025.txt:149: rows sources/mdo-2025.txt:149, sources/mdo-2025.txt:150 would all continue "
            "digid-actieve-digids; answer for each with --choose 149=ID (or =new)") in message
    assert "Nothing was written." in message and "Traceback" not in asked.stderr
    assert (tmp_path / "data" / "indicators.toml").read_bytes() == indicators
    answered = mdo(tmp_path, "registry", "propose", "--edition", "2025", "--choose", "149=digid-actieve-digids",
                   "--choose", "150=new", "--apply")
    assert answered.returncode == 0, answered.stderr
    assert '+id = "digid-actieve-accounts-inwoners"' in answered.stdout
    assert mdo(tmp_path, "build", "--out", str(tmp_path / "mdo.nq")).returncode == 0
