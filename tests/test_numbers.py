"""Every kind of printed cell the editions hold, read to exact figures."""

from decimal import Decimal

import pytest

from converter.numbers import MalformedNumber, parse_cell, parse_change

D = Decimal


@pytest.mark.parametrize(
    "raw, value, unit, status, marks",
    [
        ("1.234.567", D(1234567), "count", "normal", ()),
        ("2647", D(2647), "count", "normal", ()),
        ("6,9%", D("6.9"), "percent", "normal", ()),
        ("100%", D(100), "percent", "normal", ()),
        ("179 Mln", D(179_000_000), "count", "normal", ()),
        ("331 mln", D(331_000_000), "count", "normal", ()),
        ("3,5 mlrd", D(3_500_000_000), "count", "normal", ()),
        ("0,7 miljoen", D(700_000), "count", "normal", ()),
        ("2.1 mlrd", D(2_100_000_000), "count", "normal", ()),
        ("3.05 mlrd", D(3_050_000_000), "count", "normal", ()),
        ("> 5.000", D(5000), "count", "lower-bound", ()),
        (">5.000", D(5000), "count", "lower-bound", ()),
        ("99,5 % van het aantal bevragingen", D("99.5"), "percent", "normal", ()),
        ("14.259*", D(14259), "count", "normal", ("*",)),
        ("1,6 mlrd *", D(1_600_000_000), "count", "normal", ("*",)),
        ("-", None, "count", "not-available", ()),
        ("", None, "count", "not-available", ()),
    ],
)
def test_single_figure_cells(raw, value, unit, status, marks):
    [figure] = parse_cell(raw)
    assert (figure.value, figure.unit, figure.status, figure.marks) == (value, unit, status, marks)


@pytest.mark.parametrize(
    "raw, parts",
    [
        ("13 lidstaten met 17 middelen", [("lidstaten", D(13)), ("middelen", D(17))]),
        ("15 lidstaten", [("lidstaten", D(15))]),
        ("8 partners 390 aansluitingen", [("partners", D(8)), ("aansluitingen", D(390))]),
        ("7 partners, 420 aansluitingen", [("partners", D(7)), ("aansluitingen", D(420))]),
        ("Na 3 weken: 57% Na 6 weken: 62%", [("na 3 weken", D(57)), ("na 6 weken", D(62))]),
    ],
)
def test_cells_with_two_figures(raw, parts):
    assert [(f.part, f.value) for f in parse_cell(raw)] == parts


@pytest.mark.parametrize(
    "raw, candidate",
    [("9.100.00", D(9_100_000)), ("62.923.00", D(62_923_000)), ("223.949.53", D(223_949_530))],
)
def test_malformed_numbers_are_never_read_silently(raw, candidate):
    with pytest.raises(MalformedNumber) as caught:
        parse_cell(raw)
    assert caught.value.candidate == candidate
    assert "3" in caught.value.reason


def test_malformed_number_completes_only_to_matching_digits():
    with pytest.raises(MalformedNumber) as caught:
        parse_cell("223.949.53")
    assert caught.value.completes_to(D(223_949_536))
    assert not caught.value.completes_to(D(223_949_636))
    assert not caught.value.completes_to(D(22_394_953))


def test_text_that_is_no_figure_is_an_error():
    with pytest.raises(ValueError, match="not a figure"):
        parse_cell("nieuw systeem")


@pytest.mark.parametrize(
    "raw, change",
    [("+2,5%", D("2.5")), ("-1.2%", D("-1.2")), ("- 3,7%", D("-3.7")), ("469,9%", D("469.9")),
     ("+2.979,6%", D("2979.6")), ("nieuw", None), ("-", None)],
)
def test_printed_change_column(raw, change):
    assert parse_change(raw) == change


def test_a_long_run_of_spaces_inside_a_number_is_an_error():
    """Whitespace is collapsed before any pattern runs: this reads at once, as `1 2` does."""
    from converter.numbers import NotAFigure

    with pytest.raises(NotAFigure, match="is not a figure"):
        parse_cell("1" + " " * 100_000 + "2")
    with pytest.raises(NotAFigure):
        parse_cell("<" * 50_000 + "1")
