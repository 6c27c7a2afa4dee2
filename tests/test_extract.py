"""Extraction of both editions: exact figures from the source, accounting, rejects, findings."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from converter.extraction.extract import SPLIT_FROM, UnknownIndicators, extract
from converter.readers import SourceError
from converter.registry import Registry

D = Decimal


def value(extraction, edition, indicator, year, breakdown="totaal"):
    [o] = [o for o in extraction.observations
           if (o.edition, o.indicator, o.year, o.breakdown) == (edition, indicator, year, breakdown)]
    return o


@pytest.mark.parametrize(
    "edition, indicator, year, expected, line",
    [
        ("2020", "digid-actieve-digids", 2017, D(13529391), 286),
        ("2024", "digid-actieve-digids", 2023, D(17179883), 149),
        # values broken over several lines in the raw PDF text
        ("2020", "beheervoorziening-bsn-bevragingen-bv-bsn-webservices", 2019, D(179468785), 415),
        ("2020", "brt-opvragingen-per-product-pdok-views", 2017, D(2_700_000_000), 1142),
        # 179 Mln, 3,5 mlrd, 0,7 miljoen, 2.1 mlrd, 3.05 mlrd, 2647, 100%, 99,5 % van ...
        ("2024", "beheervoorziening-bsn-bevragingen-bv-bsn-webservices", 2019, D(179_000_000), 582),
        ("2024", "bag-bevragingen-bag-bevragen-landelijke-voorziening", 2020, D(3_500_000_000), 386),
        ("2024", "bag-unieke-bezoekers-bag-viewer", 2019, D(700_000), 385),
        ("2024", "brk-kadastrale-kaart-services-inclusief-inspire", 2020, D(2_100_000_000), 437),
        ("2024", "brk-kadastrale-kaart-services-inclusief-inspire", 2021, D(3_050_000_000), 437),
        ("2024", "eherkenning-aangesloten-diensten", 2022, D(2647), 181),
        ("2024", "brp-aangesloten-organisaties", 2023, D(100), 352),
        ("2024", "beheervoorziening-bsn-verificatievragen", 2019, D("99.5"), 583),
        ("2020", "beheervoorziening-bsn-presentievragen", 2019, D("0.5"), 461),
        # footnote mark on a cell
        ("2024", "hr-terugmeldingen", 2022, D(14259), 364),
        ("2024", "bag-bevragingen-bag-bevragen-landelijke-voorziening", 2021, D(1_600_000_000), 386),
    ],
)
def test_exact_figures(extraction, edition, indicator, year, expected, line):
    o = value(extraction, edition, indicator, year)
    assert o.value == expected
    assert o.place.line == line


def test_renamed_indicator_has_both_editions(extraction):
    assert value(extraction, "2020", "digid-machtigen-bevestigingen-door-aangesloten-diensten", 2019).label == \
        "Totaal aantal bevragingen door aangesloten diensten"
    assert value(extraction, "2024", "digid-machtigen-bevestigingen-door-aangesloten-diensten", 2019).label == \
        "Totaal aantal bevestigingen door aangesloten diensten"
    assert value(extraction, "2020", "hr-kvk-dataservice", 2019).label == "HR Dataservice"
    assert value(extraction, "2024", "hr-kvk-dataservice", 2019).value == D(32292659)


def test_blank_and_dash_are_not_available(extraction):
    dash = value(extraction, "2024", "digid-authenticaties-hoog", 2019)
    assert (dash.value, dash.status, dash.raw) == (None, "not-available", "-")
    blank = value(extraction, "2020", "digilevering-berichten-vanuit-brp-geleverd-digilevering", 2017)
    assert (blank.value, blank.status) == (None, "not-available")
    assert value(extraction, "2020", "digilevering-berichten-vanuit-brp-geleverd-digilevering", 2018).value == D(1147882)


def test_lower_bound(extraction):
    o = value(extraction, "2024", "woz-terugmeldingen-e-mail-intranet-brief", 2022)
    assert (o.value, o.status, o.raw) == (D(5000), "lower-bound", ">5.000")


def test_two_figure_cells_become_two_indicators(extraction):
    assert value(extraction, "2024", "eidas-lidstaten-met-erkende-middelen", 2021).value == D(13)
    assert value(extraction, "2024", "eidas-erkende-middelen", 2021).value == D(17)
    assert value(extraction, "2024", "eidas-lidstaten-met-erkende-middelen", 2023).value == D(19)
    assert value(extraction, "2024", "ondernemersplein-aangesloten-partners", 2019).value == D(8)
    assert value(extraction, "2024", "ondernemersplein-aansluitingen", 2019).value == D(390)
    assert value(extraction, "2020", "ondernemersplein-aansluitingen", 2017).value == D(420)
    assert value(extraction, "2024", "mijnoverheid-berichtenbox-geopend-na-3-weken", 2019).value == D(57)
    assert value(extraction, "2024", "mijnoverheid-berichtenbox-geopend-na-6-weken", 2023).value == D(71)


def test_breakdowns(extraction):
    assert value(extraction, "2020", "mijnoverheid-berichtenbox-berichten-per-verzender", 2019, "verzender-uwv").value == D(11656296)
    assert value(extraction, "2020", "mijnoverheid-berichtenbox-geopend-na-3-weken", 2019, "verzender-rdw").value == D(62)
    assert value(extraction, "2020", "mijnoverheid-berichtenbox-geopend-na-6-weken", 2017, "verzender-belastingdienst").value == D(45)
    assert value(extraction, "2020", "mijnoverheid-berichtenbox-geopend-na-3-weken", 2019).value == D(54)
    bro = value(extraction, "2020", "bro-opvragingen-per-product-pdok-servers", 2019, "product-bodemkundige-boormonsterbeschrijvingen")
    assert (bro.value, bro.place.line) == (D(3137768), 1567)


def test_malformed_numbers_corrected_only_when_confirmed(extraction):
    from_other_edition = value(extraction, "2024", "digid-authenticaties-basis", 2019)
    assert (from_other_edition.value, from_other_edition.status) == (D(223949536), "corrected")
    assert "edition 2020" in from_other_edition.status_note
    by_change = value(extraction, "2024", "hr-kvk-dataservice", 2023)
    assert (by_change.value, by_change.status) == (D(62923000), "corrected")
    rejected = {(r.raw, r.year, r.place.line) for r in extraction.rejects}
    assert rejected == {("161.210.55", 2020, 154), ("9.100.00", 2021, 479)}


def test_every_figure_cell_is_published_or_rejected(extraction):
    for account in extraction.accounts.values():
        assert account.cells_seen == account.cells_published + account.cells_rejected, account
    per_edition = {e: sum(a.cells_seen for a in extraction.accounts.values() if a.edition == e) for e in ("2020", "2024")}
    rejects = {e: sum(1 for r in extraction.rejects if r.edition == e) for e in ("2020", "2024")}
    assert rejects == {"2020": 0, "2024": 2}
    assert per_edition["2024"] == sum(a.cells_published for a in extraction.accounts.values() if a.edition == "2024") + 2


def test_accounting_of_one_table_by_hand(extraction):
    """DigiD 2024: 13 rows x 5 years = 65 figure cells, 2 malformed: one corrected, one rejected;
    of the 64 published, one is printed without a figure."""
    account = extraction.accounts["sources/mdo-2024.txt:146"]
    assert (account.cells_seen, account.cells_published, account.cells_rejected) == (65, 64, 1)
    assert (account.observations, account.missing) == (63, 1)


def test_figures_and_cells_without_a_figure_are_counted_apart(extraction):
    """The cube's 1,251 observations, and the 59 printed cells without a figure beside them."""
    assert (extraction.figures, extraction.missing, len(extraction.observations)) == (1251, 59, 1310)
    assert sum(a.observations for a in extraction.accounts.values()) == 1251
    assert sum(a.missing for a in extraction.accounts.values()) == 59


def test_findings_name_their_place(extraction):
    messages = {(f.kind, str(f.place)): f.message for f in extraction.findings}
    assert "93,8%" in messages[("change-mismatch", "sources/mdo-2024.txt:205")]
    assert "'500' in edition 2020" in messages[("revision", "sources/mdo-2024.txt:581")]
    assert "2.910" in messages[("revision", "sources/mdo-2024.txt:581")]
    assert ("inferred-blank", "sources/mdo-2020.txt:1681") in messages


@pytest.mark.parametrize("split_from", [SPLIT_FROM, 0])  # 0: the 2024 edition is read by a forked process
def test_unknown_indicator_is_an_error_naming_it(tmp_path: Path, registry: Registry, split_from: int):
    data = tmp_path / "data"
    shutil.copytree(registry.data_dir, data)
    source = data / "sources" / "mdo-2024.txt"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Aantal actieve DigiD's\t", "Aantal actieve DigiD-accounts\t"), encoding="utf-8")
    with pytest.raises(UnknownIndicators, match=r"sources/mdo-2024.txt:149: .*'Aantal actieve DigiD-accounts'"):
        extract(Registry(data), split_from=split_from)


def test_editions_read_by_two_processes_give_the_same_extraction(registry: Registry, extraction):
    """A large build reads its later editions in a forked process (`split_from` bytes of text or
    more): every observation, reject, finding, account and table is the same, in the same order."""
    assert extract(registry, split_from=0) == extraction


def test_an_error_in_an_edition_read_by_the_forked_process_is_raised_as_itself(tmp_path: Path, registry: Registry):
    data = tmp_path / "data"
    shutil.copytree(registry.data_dir, data)
    source = data / "sources" / "mdo-2024.txt"
    source.write_bytes(source.read_bytes().replace("publieke".encode(), b"publi\xe9ke", 1))
    with pytest.raises(SourceError) as one:
        extract(Registry(data), split_from=10**12)
    with pytest.raises(SourceError) as two:
        extract(Registry(data), split_from=0)
    assert str(two.value) == str(one.value)
    assert str(one.value).startswith("sources/mdo-2024.txt:") and "byte 0xe9 is not UTF-8" in str(one.value)


def test_a_label_printed_as_in_another_edition_needs_no_edit(tmp_path: Path, registry: Registry):
    """Without its labels.2024, the 2024 label is found as the 2020 edition printed it (’ and ' alike)."""
    data = tmp_path / "data"
    shutil.copytree(registry.data_dir, data)
    indicators = data / "indicators.toml"
    text = indicators.read_text(encoding="utf-8")
    indicators.write_text(text.replace('labels.2024 = ["Aantal actieve DigiD\'s"]', ""), encoding="utf-8")
    assert value(extract(Registry(data)), "2024", "digid-actieve-digids", 2023).value == D(17179883)


def test_summary_text_that_disagrees_with_its_table(extraction):
    found = [f for f in extraction.findings if f.kind == "text-mismatch"]
    assert [(str(f.place), f.indicator, f.year) for f in found] == [
        ("sources/mdo-2024.txt:124", "stelselcatalogus-bezoeken-website-excl-machinale-bevragingen", 2023)]
    assert "stijgt met 14%" in found[0].message and "15.6%" in found[0].message


@pytest.mark.parametrize(
    "qualifier, stated, computed, agrees",
    [("", "14", "15.6", False), ("", "60", "63.0", True), ("ruim", "50", "55.9", True),
     ("bijna", "3000", "2979.6", True), ("", "1,3", "1.3", True), ("bijna", "40", "37.3", True), ("ruim", "10", "8", False)],
)
def test_stated_change_tolerates_the_rounding_it_shows(qualifier, stated, computed, agrees):
    from converter.extraction.textcheck import _change_agrees, _number

    assert _change_agrees(_number(qualifier, stated, None), D(computed)) is agrees
