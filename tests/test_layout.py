"""The letter as a reader finds it: what is printed, and where on the sheet (in mm)."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from conftest import SEED, find, page_texts, words

import letterpress
from letterpress import geometry as g


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    return letterpress.render(letterpress.load(SEED))


def test_seed_letter_prints_its_text_unchanged(seed_pdf: bytes) -> None:
    seed_body = letterpress.load(SEED).body
    pages = page_texts(seed_pdf)
    # The running text without the footer of page 1 and the header line of later pages.
    printed = (
        pages[0].split("\r\nPostadresse")[0]
        + " "
        + " ".join(page.split("\r\n", 1)[1] for page in pages[1:])
    )
    # pdfium reports a hyphen at a line end as U+FFFE and joins the word's halves.
    printed = re.sub(r"\ufffe|-\r?\n", "", printed)
    printed = re.sub(r"\s+", " ", printed)
    for paragraph in seed_body.split("\n\n"):
        plain = re.sub(r"^#+ |\*\*", "", paragraph.strip())
        # A word split by hyphenation is glued back above; a real hyphen at a line end too.
        assert re.sub(r"\s+", " ", plain).replace("-", "") in printed.replace("-", "")


def test_address_sits_inside_every_window(seed_pdf: bytes) -> None:
    found = words(seed_pdf)
    for text in ("Generalistkommuneutvalget", "sekretariatet", "Postboks", "0032", "OSLO"):
        word = find(found, text, page=0)
        assert word.left >= g.ADDRESS_BLOCK.x - 0.5
        assert word.top >= g.ADDRESS_BLOCK.y - 0.5
        for window in (g.ENVELOPE_WINDOWS["C5"], g.ENVELOPE_WINDOWS["E65"]):
            assert window.contains(word.left, word.top), (text, window)
            assert window.contains(word.right, word.bottom), (text, window)
    first = find(found, "Generalistkommuneutvalget", page=0)
    assert first.left == pytest.approx(25, abs=0.6)
    assert first.top == pytest.approx(45, abs=1.0)


def test_reference_block_has_all_labels_level_with_the_address(seed_pdf: bytes) -> None:
    page_one = [w for w in words(seed_pdf) if w.page == 0]
    text = page_texts(seed_pdf)[0]
    for label in ("Vår referanse", "Deres referanse", "Arkivkode", "Saksbehandler", "Dato"):
        assert label in text
    assert "21/02732-67" in text and "13.09.2022" in text and "035" in text
    vaar = find(page_one, "Vår")
    # Right of every envelope window, so only the address shows through.
    assert vaar.left >= max(w.right for w in g.ENVELOPE_WINDOWS.values())
    assert abs(vaar.top - find(page_one, "Generalistkommuneutvalget").top) < 1.5


def test_title_is_bold_and_not_above_70_mm(seed_pdf: bytes) -> None:
    title = find(words(seed_pdf), "storbynettverk", page=0)
    assert title.top >= 70
    # Below every window too: the sheet moves in the envelope.
    assert title.top >= max(w.bottom for w in g.ENVELOPE_WINDOWS.values())
    with pikepdf.open(__import__("io").BytesIO(seed_pdf)) as pdf:
        fonts = {str(f.BaseFont) for f in pdf.pages[0].Resources.Font.values()}
    assert any("Bold" in name for name in fonts)


def test_nothing_in_control_zone_or_near_edges(seed_pdf: bytes) -> None:
    for word in words(seed_pdf):
        assert word.left >= g.CONTROL_MARK_MARGIN, word
        assert word.top >= g.EDGE_MARGIN and word.bottom <= g.PAGE_HEIGHT - g.EDGE_MARGIN, word
        assert word.right <= g.PAGE_WIDTH - g.EDGE_MARGIN, word


def test_later_pages_carry_organisation_reference_and_page_number(seed_pdf: bytes) -> None:
    texts = page_texts(seed_pdf)
    assert len(texts) == 2
    for number, text in enumerate(texts[1:], start=2):
        assert "KS" in text.split("\n")[0]
        assert "21/02732-67" in text
        assert f"Side {number} av {len(texts)}" in text
    assert "Side 1 av 2" in texts[0]


def test_fonts_are_embedded_subsets_and_no_standard_font_leaks(seed_pdf: bytes) -> None:
    with pikepdf.open(__import__("io").BytesIO(seed_pdf)) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                name = str(font.BaseFont)
                assert "Helvetica" not in name and "Times" not in name
                assert re.match(r"/[A-Z]{6}\+", name), name
                descendant = font.get("/DescendantFonts")
                descriptor = (descendant[0] if descendant else font).FontDescriptor
                assert "/FontFile2" in descriptor


def test_document_properties(seed_pdf: bytes) -> None:
    with pikepdf.open(__import__("io").BytesIO(seed_pdf)) as pdf:
        assert (
            str(pdf.docinfo.Title) == "KS storbynettverk - innspill til generalistkommuneutvalget"
        )
        assert str(pdf.docinfo.Author) == "KS"
        assert str(pdf.Root.Lang) == "nb-NO"
        assert pdf.pdf_version <= "1.7"
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == "KS storbynettverk - innspill til generalistkommuneutvalget"


def test_same_input_same_bytes() -> None:
    first = letterpress.render(letterpress.load(SEED))
    second = letterpress.render(letterpress.load(SEED))
    assert first == second


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("nb", ["Vår referanse", "Deres referanse", "Saksbehandler", "Med hilsen", "Vedlegg"]),
        ("nn", ["Vår referanse", "Dykkar referanse", "Sakshandsamar", "Med helsing", "Vedlegg"]),
        (
            "en",
            ["Our reference", "Your reference", "Case officer", "Yours sincerely", "Attachments"],
        ),
    ],
)
def test_labels_per_language(render_letter, language: str, labels: list[str]) -> None:
    pdf = render_letter(
        language=language,
        attachments=["Søknad"],
        signatories=[{"name": "Kari Nordmann"}],
        approved_electronically="true",
    )
    text = page_texts(pdf)[0]
    for label in labels:
        assert label in text
    approval = {
        "nb": "Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer.",
        "nn": "Dokumentet er elektronisk godkjent og vert sendt utan signatur.",
        "en": "The document is electronically approved",
    }[language]
    assert approval in text.replace("\r\n", " ").replace("\n", " ")
    date = {"nb": "02.05.2024", "nn": "02.05.2024", "en": "2 May 2024"}[language]
    assert date in text


def test_exempt_marking(render_letter) -> None:
    pdf = render_letter(exempt="Offl. § 13 jf. fvl. § 13")
    text = page_texts(pdf)[0]
    assert "Unntatt offentlighet" in text and "Offl. § 13 jf. fvl. § 13" in text


def test_markup_prints_as_written_everywhere(render_letter) -> None:
    pdf = render_letter(
        title="AT&T <b>vilkår</b>",
        recipient={"name": "Smith & Co <i>AS</i>", "address": ["<br/>gate 1", "0150 OSLO"]},
        body="Avtalen med AT&T <b> gjelder &amp; fortsatt <font color=red>x</font>.\n",
    )
    text = " ".join(page_texts(pdf))
    for written in (
        "AT&T <b>vilkår</b>",
        "Smith & Co <i>AS</i>",
        "<br/>gate 1",
        "AT&T <b> gjelder &amp; fortsatt <font color=red>x</font>.",
    ):
        assert written in text


def test_two_signatories_side_by_side_with_images() -> None:
    pdf = letterpress.render(letterpress.load(SEED.parent / "fjordvik-byggesak-vedtak.yaml"))
    found = words(pdf)
    per = find(found, "Per")
    ingrid = [w for w in found if w.text == "Ingrid" and w.page == per.page and w.left > 60]
    assert ingrid and abs(ingrid[0].top - per.top) < 1
    with pikepdf.open(__import__("io").BytesIO(pdf)) as doc:
        page = doc.pages[per.page]
        images = [x for x in page.Resources.XObject.values() if x.Subtype == "/Image"]
        assert len(images) >= 2
        for image in images:
            width, height = int(image.Width), int(image.Height)
            assert width > 0 and height > 0


def test_appended_attachment_pages_follow_the_letter() -> None:
    letter = letterpress.load(SEED.parent / "fjordvik-byggesak-vedtak.yaml")
    texts = page_texts(letterpress.render(letter))
    assert "Situasjonskart, gnr. 12 bnr. 45" in texts[-1]
    letter_pages = [t for t in texts if "Side" in t]
    assert all("av 2" in t for t in letter_pages)


def test_embedded_fonts_keep_their_outlines_without_hinting(seed_pdf: bytes) -> None:
    from fontTools.ttLib import TTFont

    from letterpress.fonts import regular_font

    original = TTFont(regular_font())
    with pikepdf.open(io.BytesIO(seed_pdf)) as pdf:
        fonts = [f for f in pdf.pages[0].Resources.Font.values() if "Bold" not in str(f.BaseFont)]
        data = fonts[0].FontDescriptor.FontFile2.read_bytes()
    embedded = TTFont(io.BytesIO(data))
    assert not {"fpgm", "prep", "cvt "} & set(embedded.keys())
    outlines = {
        tuple(original["glyf"][name].getCoordinates(original["glyf"])[0])
        for name in original.getGlyphOrder()
    }
    embedded_glyf = embedded["glyf"]
    shapes = [
        tuple(embedded_glyf[name].getCoordinates(embedded_glyf)[0])
        for name in embedded.getGlyphOrder()
    ]
    assert len(shapes) > 40 and all(shape in outlines for shape in shapes)
