"""Properties of the number grammar: any Dutch figure as the report prints it reads back exactly,
and any text either parses or raises the project's own error (never another exception)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from converter.numbers import SCALES, FigureError, parse_cell, split_marks

PROPERTY = settings(max_examples=300, deadline=None)


def dutch(value: int) -> str:
    """An integer as the report prints it: dots between groups of three digits."""
    return f"{value:,}".replace(",", ".")


# Up to two marks: stars, then a superscript (two star marks or two superscripts side by side
# read as one mark, `**` and `¹²`, as the report means them).
marks = st.tuples(st.sampled_from(["", "*", "**", "*)"]), st.sampled_from(["", "<sup>1</sup>", "<sup>2</sup>", "¹", "²"])).map(
    lambda pair: [m for m in pair if m])
spaces = st.sampled_from(["", " ", "  ", "\u00a0", "\t"])


def with_marks(text: str, chosen: list[str], gap: str) -> str:
    return text + "".join(gap + m for m in chosen)


def read_marks(chosen: list[str]) -> tuple[str, ...]:
    return tuple(m.replace("<sup>", "").replace("</sup>", "").replace(")", "").replace("¹", "1").replace("²", "2")
                 for m in chosen)


@PROPERTY
@given(st.integers(min_value=0, max_value=10**15), marks, spaces)
@example(663, ["<sup>1</sup>"], "")
def test_counts_read_back_exactly(value, chosen, gap):
    [figure] = parse_cell(with_marks(dutch(value), chosen, gap))
    assert (figure.value, figure.unit, figure.status) == (Decimal(value), "count", "normal")
    assert figure.marks == read_marks(chosen)


@PROPERTY
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99), st.booleans(), marks)
def test_percentages_read_back_exactly(whole, hundredths, spaced, chosen):
    text = f"{dutch(whole)},{hundredths:02d}" + (" %" if spaced else "%")
    [figure] = parse_cell(with_marks(text, chosen, " "))
    assert (figure.value, figure.unit) == (Decimal(whole) + Decimal(hundredths) / 100, "percent")
    assert figure.marks == read_marks(chosen)


@PROPERTY
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9),
       st.sampled_from(sorted(SCALES)), st.booleans())
def test_scale_words_read_back_exactly(whole, tenth, word, capital):
    text = f"{whole},{tenth} {word.capitalize() if capital else word}"
    [figure] = parse_cell(text)
    assert figure.value == (Decimal(whole) + Decimal(tenth) / 10) * SCALES[word]
    assert figure.half_width == Decimal("0.05") * SCALES[word]


@PROPERTY
@given(st.integers(min_value=0, max_value=10**9))
def test_lower_bounds_read_back_exactly(value):
    [figure] = parse_cell("> " + dutch(value))
    assert (figure.value, figure.status) == (Decimal(value), "lower-bound")


@PROPERTY
@given(st.integers(min_value=1000, max_value=10**12), st.integers(min_value=1, max_value=2))
def test_a_cut_last_group_is_never_read_as_a_number(value, cut):
    printed = dutch(value)[:-cut]
    try:
        parse_cell(printed)
    except FigureError as error:
        assert error.__class__.__name__ == "MalformedNumber"
    else:
        raise AssertionError(f"{printed!r} was read as a number")


alphabet = st.sampled_from(list("0123456789.,%-–>≥* <>/supbMlnrdmiljoenartwk:¹²\u00a0\t") + ["<sup>", "</sup>", "mln", "mlrd", "Na 3 weken:"])


@PROPERTY
@given(st.lists(alphabet, max_size=30).map("".join))
def test_any_text_parses_or_raises_the_projects_error(text):
    try:
        figures = parse_cell(text)
    except FigureError:
        return
    assert figures and all(f.value is None or isinstance(f.value, Decimal) for f in figures)


@PROPERTY
@given(st.text(max_size=60))
def test_any_unicode_text_parses_or_raises_the_projects_error(text):
    try:
        parse_cell(text)
    except FigureError:
        pass


@PROPERTY
@given(st.text(max_size=40), marks)
def test_marks_split_off_from_any_text(text, chosen):
    base, found = split_marks(with_marks("x" + text.rstrip("*)¹²³⁴⁵⁶⁷⁸⁹⁰>"), chosen, " "))
    assert found[len(found) - len(chosen):] == read_marks(chosen)
