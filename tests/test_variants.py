"""The real editions, perturbed as an export or a hand edit would: identical figures or a clear error.

Each variant changes one source file (or its entry) the way a re-export, an editor or a cut
download does. The converter must then give exactly the figures of the untouched editions (same
values, statuses and source lines), or stop with an error naming the file and the line to fix.
It must never give fewer figures, or other ones, without saying so.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from converter.extraction.extract import DuplicateObservations, Extraction, UnreadLines, UnknownIndicators, extract
from converter.readers import SourceError
from converter.registry import Registry, RegistryError

ROOT = Path(__file__).resolve().parents[1]
E20, E24 = "sources/mdo-2020.txt", "sources/mdo-2024.txt"
ERRORS = (SourceError, UnreadLines, UnknownIndicators, DuplicateObservations, RegistryError)


def figures(extraction: Extraction) -> tuple[set, set]:
    observations = {(o.edition, o.indicator, o.breakdown, o.year, o.value, o.status, o.place.line, o.footnote_marks)
                    for o in extraction.observations}
    rejects = {(r.edition, r.place.line, r.year, r.raw) for r in extraction.rejects}
    return observations, rejects


def without_lines(found: tuple[set, set]) -> tuple[set, set]:
    observations, rejects = found
    return {o[:6] + o[7:] for o in observations}, {(r[0],) + r[2:] for r in rejects}


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def edit_line(number: int, change: Callable[[str], str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        lines = lines_of(text)
        lines[number - 1] = change(lines[number - 1])
        return "\n".join(lines)
    return apply


def every_line(change: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: "\n".join(change(line) for line in lines_of(text))


def keep_lines(last: int) -> Callable[[str], str]:
    return lambda text: "\n".join(lines_of(text)[:last]) + "\n"


def duplicate_lines(first: int, last: int) -> Callable[[str], str]:
    def apply(text: str) -> str:
        lines = lines_of(text)
        return "\n".join(lines[:last] + [""] + lines[first - 1 : last] + lines[last:])
    return apply


SAME = "same"
SAME_VALUES = "same values"  # the variant adds lines: the same figures, each on its moved line
# (id, file, change of the text, SAME or a pattern the error message must hold)
VARIANTS: list[tuple[str, str, Callable[[str], str], str]] = [
    ("trailing-tab-2024", E24, every_line(lambda line: line + "\t"), SAME),
    ("trailing-spaces-2024", E24, every_line(lambda line: line + "   "), SAME),
    ("crlf-2024", E24, lambda t: t.replace("\n", "\r\n"), SAME),
    ("bom-2024", E24, lambda t: "\ufeff" + t, SAME),
    ("nbsp-in-labels-2024", E24, edit_line(149, lambda line: line.replace(" ", "\u00a0")), SAME),
    ("nbsp-around-cells-2024", E24, edit_line(149, lambda line: line.replace("\t", "\u00a0\t\u00a0")), SAME),
    ("spaces-around-cells-2024", E24, every_line(lambda line: line.replace("\t", " \t ")), SAME),
    ("header-spaces-2024", E24, edit_line(146, lambda line: line.replace("\t", " ")), SAME),
    ("header-spaces-two-label-columns-2024", E24, edit_line(432, lambda line: line.replace("\t", " ")), SAME),
    ("row-spaces-2024", E24, edit_line(149, lambda line: line.replace("\t", " ")), SAME),
    ("row-double-spaces-2024", E24, edit_line(362, lambda line: line.replace("\t", "   ")), SAME),
    ("u2028-in-paragraph-2024", E24, edit_line(144, lambda line: line.replace(". ", ".\u2028", 1)), SAME),
    ("form-feed-in-paragraph-2024", E24, edit_line(144, lambda line: line.replace(". ", ".\x0c", 1)), SAME),
    ("blank-lines-in-table-2024", E24, edit_line(149, lambda line: "\n" + line + "\n"), SAME_VALUES),
    ("row-spaces-two-figure-cell-2024", E24, edit_line(190, lambda line: line.replace("\t", " ")), r"sources/mdo-2024.txt:190: .*cannot be told apart"),
    ("row-missing-cell-2024", E24, edit_line(147, lambda line: line.replace("\t701", "", 1)), r"sources/mdo-2024.txt:147: row has 6"),
    ("row-extra-cell-2024", E24, edit_line(147, lambda line: line.replace("\t701", "\t701\t702", 1)), r"sources/mdo-2024.txt:147: row has 8"),
    ("header-lost-2024", E24, edit_line(146, lambda line: "Indicator"), r"sources/mdo-2024.txt:147: figures not read"),
    ("duplicated-table-2024", E24, duplicate_lines(146, 159), r"sources/mdo-2024.txt:16\d: edition 2024: digid-"),
    ("cut-at-row-2024", E24, keep_lines(151), r"sources/mdo-2024.txt:151: the file ends inside the table"),
    ("empty-2024", E24, lambda t: "", r"sources/mdo-2024.txt:1: edition 2024: no table was read"),
    ("unrelated-text-2024", E24, lambda t: (ROOT / "README.md").read_text(encoding="utf-8"),
     r"sources/mdo-2024.txt:\d+: edition 2024: no table was read"),
    ("cp1252-byte-2024", E24, lambda t: t.replace("publieke", "publi\udce9ke", 1), r"sources/mdo-2024.txt:144:\d+: byte 0xe9 is not UTF-8"),
    ("trailing-tab-2020", E20, every_line(lambda line: line + "\t"), SAME),
    ("crlf-2020", E20, lambda t: t.replace("\n", "\r\n"), SAME),
    ("bom-2020", E20, lambda t: "\ufeff" + t, SAME),
    ("u2028-in-paragraph-2020", E20, edit_line(1730, lambda line: line.replace(" een ", " een\u2028", 1)), SAME),
    ("nbsp-2020", E20, edit_line(286, lambda line: line.replace(" ", "\u00a0")), SAME),
    ("row-cut-2020", E20, edit_line(286, lambda line: "Aantal actieve DigiD’s 13.529.391 13.77"), r"sources/mdo-2020.txt:286: figures not read"),
    ("row-cut-last-of-table-2020", E20, edit_line(286, lambda line: "Aantal actieve DigiD’s 13.529.391 13.772.269"),
     r"sources/mdo-2020.txt:286: figures not read"),
    ("empty-2020", E20, lambda t: "", r"sources/mdo-2020.txt:1: edition 2020: no table was read"),
    ("cut-at-row-2020", E20, keep_lines(289), r"sources/mdo-2020.txt:289: the file ends inside the table"),
]


def _write(text: str, path: Path) -> None:
    # `\udcXX` stands for a raw byte that is not UTF-8 (surrogateescape)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))


@pytest.fixture(scope="module")
def baseline(extraction: Extraction) -> tuple[set, set]:
    return figures(extraction)


def _variant_root(tmp_path: Path, file: str, change: Callable[[str], str]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    source = data / file
    _write(change(source.read_text(encoding="utf-8")), source)
    return data


@pytest.mark.parametrize("name, file, change, expected", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_variant_gives_the_same_figures_or_names_its_line(tmp_path, baseline, name, file, change, expected):
    data = _variant_root(tmp_path, file, change)
    if expected == SAME:
        assert figures(extract(Registry(data))) == baseline
    elif expected == SAME_VALUES:
        assert without_lines(figures(extract(Registry(data)))) == without_lines(baseline)
    else:
        with pytest.raises(ERRORS) as caught:
            extract(Registry(data))
        assert re.search(expected, str(caught.value)), str(caught.value)


def test_unread_lines_may_be_listed_instead(tmp_path, baseline):
    """--allow-unread: the build goes on, and each unread line is a finding with its place."""
    data = _variant_root(tmp_path, E24, edit_line(146, lambda line: "Indicator"))
    extraction = extract(Registry(data), allow_unread=True)
    unread = sorted(f.place.line for f in extraction.findings if f.kind == "unread-line")
    assert unread == list(range(147, 160))
    # 13 rows of 5 figures, less the one figure of them that is rejected anyway (161.210.55)
    assert len(baseline[0]) - len(extraction.observations) == 13 * 5 - 1


def test_footnote_markup_is_split_off_before_the_number(tmp_path):
    """`663<sup>1</sup>` is 663 with footnote 1, never 6631."""
    data = _variant_root(tmp_path, E24, edit_line(147, lambda line: line.replace("\t663\t", "\t663<sup>1</sup>\t")))
    extraction = extract(Registry(data))
    [o] = [o for o in extraction.observations
           if (o.edition, o.indicator, o.year) == ("2024", "digid-aangesloten-organisaties", 2019)]
    assert (o.value, o.footnote_marks) == (663, ("1",))


def test_a_short_row_is_not_shifted_into_other_years(tmp_path, baseline):
    """A row missing a figure is rejected with its line unless its printed change confirms the years."""
    data = _variant_root(tmp_path, E20, edit_line(286, lambda line: line.replace("13.772.269 ", "")))
    # the row now reads 13.529.391 15.023.119 +9,1%: two figures for three years
    extraction = extract(Registry(data))
    got = {(o.year, o.value) for o in extraction.observations
           if (o.edition, o.indicator) == ("2020", "digid-actieve-digids")}
    assert got == set()
    assert {(r.place.line, r.raw) for r in extraction.rejects if r.edition == "2020"} == {
        (286, "13.529.391"), (286, "15.023.119")}


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda t: t.replace('reference_date = "2023-12-31"', ""), r"\(2024\): key 'reference_date' is missing"),
        (lambda t: t.replace('reference_date = "2023-12-31"', 'reference_date = "31-12-2023"'), r"\(2024\): reference_date '31-12-2023' is not a date"),
        (lambda t: t.replace('id = "2024"', 'id = "2020"'), r"edition id '2020' is listed twice"),
        (lambda t: t.replace('form = "markdown-tsv"', 'from = "markdown-tsv"'), r"key 'form' is missing"),
        (lambda t: t.replace('file = "sources/mdo-2024.txt"', 'file = "sources/mdo-2020.txt"'),
         r"\(2024\): file 'sources/mdo-2020.txt' is already edition 2020's text"),
    ],
    ids=["no-reference-date", "date-form", "same-id", "misspelt-key", "another-editions-file"],
)
def test_an_edition_entry_with_a_bad_key_names_it(tmp_path, change, expected):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    editions = data / "editions.toml"
    editions.write_text(change(editions.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RegistryError, match=expected):
        Registry(data)
