"""The body as set on the page: breaking, hyphenation, tables over pages, keeping together."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from conftest import LETTERS, find, page_texts, words, write_letter

import letterpress
from letterpress import geometry as g
from letterpress.body import Heading, ListBlock, Paragraph, Quote, Rule, Table, parse

FILLER = (
    "Kommunen har behandlet saken etter plan- og bygningsloven, og vurderingen bygger på de "
    "opplysningene som fulgte søknaden, befaring på eiendommen og uttalelser fra naboene. "
)


def test_markdown_blocks() -> None:
    blocks = parse(
        "## Overskrift\n\nTekst med **fet** og *kursiv*.\n\n- a\n  1. b\n\n> sitat\n\n***\n\n"
        "| a | b |\n|---|--:|\n| 1 | 2 |\n"
    )
    kinds = [type(b) for b in blocks]
    assert kinds == [Heading, Paragraph, ListBlock, Quote, Rule, Table]
    assert blocks[0].level == 1  # the body's top level, whatever its number of #
    bold = [s for s in blocks[1].spans if s.bold]
    assert bold[0].text == "fet"
    nested = blocks[2].items[0].blocks[1]
    assert isinstance(nested, ListBlock) and nested.ordered
    assert blocks[5].align == ("left", "right")


def test_long_url_and_word_stay_inside_the_margins(render_letter) -> None:
    url = "https://www.example.kommune.no/" + "/".join(["tjenester-og-soknader"] * 8)
    word = "Rettighetsforvaltningsomstillingsprosjektgjennomføringsdokumentasjon" * 3
    pdf = render_letter(body=f"Se {url} for mer.\n\nOrdet {word} er langt.\n")
    for found in words(pdf):
        assert found.right <= g.RIGHT + 0.5, found
        assert found.left >= g.LEFT - 0.5, found
    # A line may end at a hyphen of the URL itself; pdfium reports that hyphen as U+FFFE.
    joined = "".join(page_texts(pdf)[0].split()).replace("\ufffe", "").replace("-", "")
    assert url.replace("-", "") in joined


def test_norwegian_hyphenation_breaks_long_compounds(render_letter) -> None:
    text = " ".join(
        ["Fylkeskommunens samferdselsavdeling gjennomfører trafikksikkerhetstiltak."] * 12
    )
    pdf = render_letter(body=text + "\n")
    page = page_texts(pdf)[0]
    # pdfium reports a hyphen that ends a line as U+FFFE.
    assert "\ufffe" in page


def test_table_header_repeats_on_a_new_page(render_letter) -> None:
    rows = "\n".join(f"| Post {i} | {i * 100} kr |" for i in range(1, 90))
    pdf = render_letter(body="| Post | Beløp |\n|---|--:|\n" + rows + "\n")
    texts = page_texts(pdf)
    assert len(texts) >= 3
    for text in texts[1:]:
        lines = text.split("\r\n")
        assert lines[1].startswith("Post Beløp") or lines[1] == "Post Beløp", lines[:3]


def test_heading_is_kept_with_what_follows(render_letter) -> None:
    for count in range(14, 24):
        body = (FILLER * 3 + "\n\n") * count + "## Vurdering\n\n" + FILLER * 4 + "\n"
        pdf = render_letter(body=body)
        found = words(pdf)
        heading = find(found, "Vurdering")
        below = [
            w for w in found if w.page == heading.page and w.top > heading.top + 1 and w.left < 100
        ]
        assert below, f"heading left alone at the bottom of page {heading.page + 1}"


def test_no_orphans_or_widows(render_letter) -> None:
    for count in range(6, 16):
        paragraphs = [f"Avsnitt {i}. " + FILLER * (2 + i % 3) for i in range(count)]
        pdf = render_letter(body="\n\n".join(paragraphs) + "\n")
        texts = page_texts(pdf)
        if len(texts) < 2:
            continue
        first_lines = texts[1].split("\r\n")[1:3]
        # The first body line of page 2 never ends a paragraph alone (a widow)...
        assert not (first_lines[0].endswith(".") and first_lines[1].startswith("Avsnitt")), count


def test_closing_stays_with_the_signatories(render_letter) -> None:
    for count in range(8, 18):
        pdf = render_letter(
            body="\n\n".join([FILLER * 3] * count) + "\n",
            signatories=[{"name": "Sigrid Solberg", "title": "rådgiver"}],
        )
        found = words(pdf)
        assert find(found, "hilsen").page == find(found, "Sigrid").page


def test_letterhead_fonts_are_used_and_embedded(tmp_path: Path) -> None:
    fonts = Path(letterpress.__file__).resolve().parents[1] / "fonts"
    if not (fonts / "LiberationSans-Bold.ttf").is_file():
        from letterpress.fonts import bundled_font_dir

        fonts = bundled_font_dir()
    letterhead = {
        "name": "Testkommune",
        "fonts": {"regular": str(fonts / "LiberationSans-Bold.ttf")},
    }
    path = write_letter(tmp_path, letterhead=letterhead)
    pdf = letterpress.render(letterpress.load(path))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        names = {str(f.BaseFont) for f in doc.pages[0].Resources.Font.values()}
    assert names and all(name.endswith("LiberationSans-Bold") for name in names)


def test_palette_logo_with_transparency_keeps_its_proportions() -> None:
    pdf = letterpress.render(letterpress.load(LETTERS / "fjordvik-exempt-english.yaml"))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        images = [x for x in doc.pages[0].Resources.XObject.values() if x.Subtype == "/Image"]
        logo = images[0]
        assert "/SMask" in logo  # transparency became a soft mask, not a colour key
        assert str(logo.ColorSpace) in ("/DeviceRGB", "/DeviceGray") or logo.ColorSpace
        ratio = int(logo.Width) / int(logo.Height)
    assert ratio == pytest.approx(400 / 480, rel=0.02)


def test_missing_logo_is_named(tmp_path: Path) -> None:
    letterhead = {"name": "Testkommune", "logo": "finnes-ikke.png"}
    path = write_letter(tmp_path, letterhead=letterhead)
    with pytest.raises(letterpress.LetterError) as caught:
        letterpress.load(path)
    assert "letterhead.logo: file not found" in str(caught.value)


def test_an_image_that_is_not_an_image_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "logo.png"
    fake.write_text("not an image")
    path = write_letter(tmp_path, letterhead={"name": "Testkommune", "logo": str(fake)})
    with pytest.raises(letterpress.LetterError) as caught:
        letterpress.render(letterpress.load(path))
    assert "logo" in str(caught.value) and "PNG or JPEG" in str(caught.value)
