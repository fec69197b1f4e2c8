"""The address check warns about what Posten/Bring's machines cannot read, naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from letterpress.model import Recipient
from letterpress.reading import load
from letterpress.reading.address import check_address

ROOT = Path(__file__).resolve().parent.parent


def warnings(*address: str, name: str = "Kari Nordmann", attention: str = "") -> list[str]:
    recipient = Recipient(name=name, attention=attention, address=list(address))
    problems = check_address(recipient, None)
    assert all(problem.warning for problem in problems)
    return [problem.message for problem in problems]


@pytest.mark.parametrize(
    "address",
    [
        ("Postboks 8112 Dep", "0032 OSLO"),
        ("Storgata 1", "9990  BÅTSFJORD"),
        ("Hauptstraße 5", "10115 BERLIN", "TYSKLAND"),
        ("Drottninggatan 1", "SE-111 51 STOCKHOLM", "SVERIGE"),
        ("10 Downing Street", "LONDON SW1A 2AA", "STORBRITANNIA"),
        (),
    ],
)
def test_addresses_posten_can_read_pass(address: tuple[str, ...]) -> None:
    assert warnings(*address) == []


def test_domestic_address_without_postnummer() -> None:
    [message] = warnings("Storgata 1", "Oslo")
    assert "'Oslo'" in message
    assert "0032 OSLO" in message


@pytest.mark.parametrize("last", ["032 OSLO", "0032OSLO", "OSLO 0032"])
def test_malformed_postnummer_line(last: str) -> None:
    [message] = warnings("Storgata 1", last)
    assert "four-digit postnummer" in message


def test_address_abroad_without_country() -> None:
    [message] = warnings("Hauptstraße 5", "10115 BERLIN")
    assert "add the country's name on its own line" in message


def test_norway_named_as_country_in_a_domestic_address() -> None:
    [message] = warnings("Storgata 1", "0032 OSLO", "NORGE")
    assert message.startswith("leave out 'NORGE'")


def test_blank_line() -> None:
    [message] = warnings("Storgata 1", "", "0032 OSLO")
    assert "blank" in message


def test_seven_lines_counting_name_and_attention() -> None:
    messages = warnings("Rådhuset", "Seksjon 4", "Etasje 2", "Storgata 1", "0032 OSLO",
                        attention="Ola Nordmann")
    assert messages == [
        "the address block has 7 lines (name, Att. and address); the envelope window shows "
        "at most 6: shorten it"
    ]
    assert warnings("Seksjon 4", "Etasje 2", "Storgata 1", "0032 OSLO",
                    attention="Ola Nordmann") == []


def test_line_wider_than_the_window_is_reported() -> None:
    long_name = "Kommunal- og distriktsdepartementets avdeling for forvaltningsutvikling"
    [message] = warnings("Postboks 8112 Dep", "0032 OSLO", name=long_name)
    assert message.startswith(f"{long_name!r} is ")
    assert "the window takes 80 mm" in message


def test_problems_name_the_letter_file_and_line(tmp_path: Path) -> None:
    letter_path = tmp_path / "brev.yaml"
    letter_path.write_text(
        "letterhead:\n"
        "  name: Fjordvik kommune\n"
        "title: Svar på søknad\n"
        "recipient:\n"
        "  name: Kari Nordmann\n"
        "  address:\n"
        "    - Storgata 1\n"
        "    - Oslo\n"
        "body: Hei.\n",
        encoding="utf-8",
    )
    letter = load(letter_path)
    assert letter.recipient is not None
    [problem] = check_address(letter.recipient, letter.source)
    assert problem.path == letter_path
    assert problem.line == 8
    assert str(problem).startswith(f"{letter_path}:8: warning: recipient.address.1: ")


def test_the_seed_letter_passes() -> None:
    letter = load(ROOT / "letters" / "ks-storbynettverk-innspill.yaml")
    assert letter.recipient is not None
    assert check_address(letter.recipient, letter.source) == []


@pytest.mark.parametrize("style", ["Regular", "Bold", "Italic", "BoldItalic"])
def test_the_check_measures_a_line_as_the_pdf_sets_it(style: str) -> None:
    # The check reads the font's own tables; the PDF is set with ReportLab's metrics. Every
    # character up to the CJK block (mapped or not) must measure the same in both.
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from letterpress.fonts import bundled_font_dir, register_font
    from letterpress.fonts.metrics import advances

    font = bundled_font_dir() / f"LiberationSans-{style}.ttf"
    text = "".join(map(chr, range(0x20, 0x3000)))
    assert advances(font).width(text, 10) == pytest.approx(
        stringWidth(text, register_font(font), 10), abs=1e-6
    )


@pytest.mark.parametrize("style", ["Regular", "BoldItalic"])
def test_the_check_knows_each_character_as_the_pdf_font_does(style: str) -> None:
    # Character by character: the characters the font's own tables map (read in whole
    # segments and runs of metrics) are those ReportLab embeds, each as wide.
    from reportlab.pdfbase.pdfmetrics import getFont

    from letterpress.fonts import bundled_font_dir, register_font
    from letterpress.fonts.metrics import advances

    font = bundled_font_dir() / f"LiberationSans-{style}.ttf"
    face = getFont(register_font(font)).face
    mapped = {char for char, glyph in face.charToGlyph.items() if glyph and char < 0xFFFF}
    read = advances(font).per_char
    assert set(read) - {0xA0} == mapped - {0xA0}
    assert len(mapped) > 2000
    assert all(read[char] == pytest.approx(face.charWidths[char], abs=1e-9) for char in mapped)
