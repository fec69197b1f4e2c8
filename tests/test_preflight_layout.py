"""The print check ``build`` runs on its own pages, worked out from their layout, finds exactly
what reading the written PDF back with pdfium finds: the same problems, in the same order, with
the same counts, at the same places (to a hundredth of a millimetre).

The letters: every example letter, letters of the typesetting corpus (tables, lists, a serif
font, signatures), and the same letters with content moved where central print forbids it (a
logo in the barcode zone, text in the control-mark margin and at every edge, rules off the page,
whole pages shifted at random), a letter whose characters fill more than one font subset, and a
letter with an appended PDF that breaks the rules on its own page.
"""

from __future__ import annotations

import ctypes
import io
import random
import struct
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import LETTERS, SEED, write_letter
from corpus import generate
from reportlab.pdfgen.canvas import Canvas

from letterpress import body, finish, layout, load
from letterpress.checks.drawn import _metrics, preflight_letter
from letterpress.checks.preflight import Finding, preflight_bytes
from letterpress.fonts import bundled_font_dir, register_font
from letterpress.layout.page import Document, Image, Item, Line, Page, Rect, Text
from letterpress.layout.text import SOFT_HYPHEN
from letterpress.model import Letter
from letterpress.options import Options
from letterpress.reading.merge import Rejected, prepare

MM = 72 / 25.4


def first_letters(path: Path, count: int = 2) -> list[Letter]:
    """The letter of ``path``, or the first ``count`` recipients' letters of a merge."""
    letters = []
    for entry in prepare(load(path)):
        if isinstance(entry, Rejected):
            continue
        letters.append(entry.letter)
        if len(letters) == count:
            break
    return letters


def laid_out(letter: Letter) -> Document:
    return layout.compose(letter, body.parse(letter.body), Options())


def written(letter: Letter, document: Document) -> bytes:
    return finish.finish(layout.paint(document), letter, Options(), [])


def compare(letter: Letter, document: Document, name: str) -> list[Finding]:
    """Both checks over the letter written from ``document``; returns what they found."""
    pdf = written(letter, document)
    appended = any(a.file is not None for a in letter.attachments)
    full = preflight_bytes(pdf, Path(name))
    fast = preflight_letter(pdf, document, Path(name), appended=appended)
    assert [str(f.page) + ": " + f.message for f in fast] == [
        str(f.page) + ": " + f.message for f in full
    ], name
    for quick, read in zip(fast, full, strict=True):
        if read.x is None or read.y is None:
            assert (quick.x, quick.y) == (read.x, read.y)
            continue
        assert quick.x == pytest.approx(read.x, abs=0.002), (name, str(read))
        assert quick.y == pytest.approx(read.y, abs=0.002), (name, str(read))
    return full


def moved(item: Item, dx: float, dy: float) -> Item:
    if isinstance(item, Line):
        return replace(item, x1=item.x1 + dx, x2=item.x2 + dx, y1=item.y1 + dy, y2=item.y2 + dy)
    return replace(item, x=item.x + dx, y=item.y + dy)


def shifted(document: Document, rng: random.Random) -> Document:
    """Every page moved by its own random offset of up to 22 mm in each direction."""
    pages = []
    for page in document.pages:
        dx, dy = rng.uniform(-22, 22), rng.uniform(-22, 22)
        pages.append(Page([moved(item, dx, dy) for item in page.items]))
    return replace(document, pages=pages)


def with_items(document: Document, page: int, change: dict[int, Item]) -> Document:
    """``document`` with the items of one page replaced by index."""
    pages = list(document.pages)
    items = list(pages[page].items)
    for index, item in change.items():
        items[index] = item
    pages[page] = Page(items)
    return replace(document, pages=pages)


def test_example_letters_clean_and_shifted() -> None:
    rng = random.Random(16)
    found = 0
    for path in sorted(LETTERS.glob("*.yaml")):
        for letter in first_letters(path):
            document = laid_out(letter)
            # As they are, the example letters are fit for print (their appended map too).
            assert compare(letter, document, path.name) == []
            for number in range(3):
                found += len(compare(letter, shifted(document, rng), f"{path.name} {number}"))
    assert found > 50  # the shifted letters put every kind of content in every area


def test_corpus_letters_clean_and_shifted(tmp_path: Path) -> None:
    rng = random.Random(3)
    found = 0
    for path in generate(tmp_path, count=8, seed=16):
        (letter,) = first_letters(path, 1)
        document = laid_out(letter)
        assert compare(letter, document, path.name) == []
        for number in range(2):
            found += len(compare(letter, shifted(document, rng), f"{path.name} {number}"))
    assert found > 40


def test_logo_in_the_barcode_zone_and_text_at_every_edge() -> None:
    (letter,) = first_letters(SEED, 1)
    document = laid_out(letter)
    first = document.pages[0].items
    logo = next(i for i, item in enumerate(first) if isinstance(item, Image))
    texts = [i for i, item in enumerate(first) if isinstance(item, Text)]
    rule = next(i for i, item in enumerate(first) if isinstance(item, Line))
    change: dict[int, Item] = {
        logo: replace(first[logo], x=2.0, y=120.0),  # the logo in the barcode zone
        texts[0]: replace(first[texts[0]], x=6.0),  # left of 18 mm, above the barcode zone
        texts[1]: replace(first[texts[1]], y=4.0),  # at the top edge
        texts[2]: replace(first[texts[2]], x=195.0),  # across the right edge
        texts[3]: replace(first[texts[3]], y=295.0),  # at the bottom edge
        rule: moved(first[rule], 0, 290 - first[rule].y1),  # type: ignore[union-attr]
    }
    found = compare(letter, with_items(document, 0, change), "edges")
    messages = [f.message for f in found]
    assert any(m.startswith("image in the barcode zone") for m in messages), messages
    for expected in ("text left of 18 mm", "text within 10 mm of the top edge",
                     "text within 10 mm of the right edge", "text within 10 mm of the bottom edge",
                     "graphics within 10 mm of the bottom edge"):
        assert any(m.startswith(expected) for m in messages), (expected, messages)
    logo_finding = next(f for f in found if f.message.startswith("image"))
    assert logo_finding.page == 1
    assert (logo_finding.x, logo_finding.y) == (pytest.approx(2, abs=0.01),
                                                pytest.approx(120, abs=0.01))


def test_rules_and_rectangles_of_every_kind() -> None:
    """Shapes layout may draw: outlined, filled, white (which prints nothing), hairlines,
    slanted rules; each where central print forbids it."""
    (letter,) = first_letters(SEED, 1)
    document = laid_out(letter)
    shapes: list[Item] = [
        Rect(5, 30, 40, 20),
        Rect(195, 150, 30, 10, stroke=(0, 0, 0), fill=(1, 0, 0), line_width=2),
        Rect(2, 100, 10, 10, stroke=None, fill=(0.2, 0.2, 0.2)),
        Rect(2, 120, 10, 10, stroke=None, fill=(1, 1, 1)),
        Rect(50, 290, 20, 3, line_width=0),
        Line(5, 5, 30, 40, 1.0),
        Line(100, 2, 100, 8, 0),
        Line(5, 60, 30, 60, 1.0),
    ]
    pages = [Page([*document.pages[0].items, *shapes]), *document.pages[1:]]
    found = compare(letter, replace(document, pages=pages), "shapes")
    assert {f.message.split(" (and")[0] for f in found} == {
        "graphics left of 18 mm, where central print puts its control marks",
        "graphics within 10 mm of the right edge",
        "graphics in the barcode zone (x 0–15 mm, y 95–175 mm)",
        "graphics within 10 mm of the bottom edge",
        "graphics within 10 mm of the top edge",
    }


GREEK = "".join(chr(c) for c in range(0x03B1, 0x03CA) if c != 0x03C2)
CYRILLIC = "".join(chr(c) for c in range(0x0430, 0x0450))
LATIN = "".join(chr(c) for c in range(0x00E0, 0x0100) if c != 0x00F7)
UPPER = (GREEK + CYRILLIC + LATIN).upper()


def test_text_in_more_than_one_subset_and_hyphenated_words(tmp_path: Path) -> None:
    """More characters outside ASCII than ReportLab's first subset holds: a line switches
    subsets, each switch a text object of its own, and every one must be counted."""
    words = [GREEK, CYRILLIC, LATIN, UPPER, "kommunestyrebehandlingsprosessene"]
    paragraph = " ".join(f"{w[i:i + 7]} ord" for w in words for i in range(0, len(w), 7))
    long_words = " ".join(["forvaltningsrevisjonsrapportene og planleggingsarbeidet"] * 12)
    path = write_letter(tmp_path, body=f"{paragraph}\n\n{long_words}\n")
    (letter,) = first_letters(path, 1)
    document = laid_out(letter)
    drawn = [item for page in document.pages for item in page.items if isinstance(item, Text)]
    assert any(SOFT_HYPHEN in item.text for item in drawn)
    assert len({c for item in drawn for c in item.text if ord(c) > 127}) > 159
    # Every page 15 mm to the left: each line of the body crosses the control-mark margin.
    pages = [Page([moved(item, -15, 0) for item in page.items]) for page in document.pages]
    found = compare(letter, replace(document, pages=pages), "subsets, left")
    assert any(f.message.startswith("text left of 18 mm") for f in found)
    # Every line on one baseline at the bottom edge: each text object of a line is a hit.
    pages = [Page([replace(item, y=292.0) if isinstance(item, Text) else item
                   for item in page.items]) for page in document.pages]
    found = compare(letter, replace(document, pages=pages), "subsets, bottom")
    hit = next(f for f in found if f.message.startswith("text within 10 mm of the bottom edge"))
    lines = sum(isinstance(item, Text) for item in document.pages[0].items)
    assert f"(and {lines - 1} more on this page)" not in hit.message  # runs split by subset


def test_an_appended_page_is_read_back(tmp_path: Path) -> None:
    attachment = tmp_path / "kart.pdf"
    canvas = Canvas(str(attachment), pagesize=(210 * MM, 297 * MM), invariant=1)
    canvas.drawString(5 * MM, (297 - 130) * MM, "Kopi")
    canvas.showPage()
    canvas.save()
    path = write_letter(tmp_path, attachments=[{"title": "Kart", "file": str(attachment)}])
    (letter,) = first_letters(path, 1)
    document = laid_out(letter)
    found = compare(letter, document, "appended")
    own = len(document.pages)
    assert [f.page for f in found if "barcode zone" in f.message] == [own + 1]
    assert any("Helvetica is not embedded" in f.message for f in found)


ITALIC_SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf")
"""Many of its glyphs' outlines are narrower than their headers say, and its side bearings
differ from the headers' left edges: where pdfium's measure departs from the obvious one."""


@pytest.mark.parametrize("font", [bundled_font_dir() / "LiberationSans-Regular.ttf", ITALIC_SERIF])
def test_every_glyph_measures_as_pdfium_measures_it(font: Path) -> None:
    if not font.is_file():
        pytest.skip(f"{font} is not installed")
    name = register_font(font)
    metrics = _metrics(name)
    chars = [chr(c) for c in sorted(metrics.face.charToGlyph) if 32 < c < 0x10000 and c != 0xA0]
    size = 1000.0  # a point per thousandth of an em: pdfium's bounds are the extents themselves
    for start in range(0, len(chars), 400):
        batch = chars[start:start + 400]
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(4000, 4000))
        canvas.setFont(name, size)
        for char in batch:
            canvas.drawString(1000, 1000, char)  # one text object each
        canvas.showPage()
        canvas.save()
        document = pdfium.PdfDocument(buffer.getvalue())
        page = document[0]
        assert pdfium_c.FPDFPage_CountObjects(page) == len(batch)
        edges = [ctypes.c_float() for _ in range(4)]
        for index, char in enumerate(batch):
            pdfium_c.FPDFPageObj_GetBounds(pdfium_c.FPDFPage_GetObject(page, index), *edges)
            seen = tuple(round(edge.value) - 1000 for edge in edges)
            extent = metrics.extent(char)
            ours = (extent.left, extent.bottom, extent.right, extent.top)
            if extent == replace(extent, left=0, bottom=0, right=0, top=0):
                continue  # no outline: pdfium's bounds of a lone space are no box at all
            assert ours == seen, (font.name, f"U+{ord(char):04X}")
        page.close()
        document.close()



def test_a_glyph_that_cannot_be_measured_leaves_the_check_to_pdfium(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Letterhead fonts are read through with fontTools when the letter is loaded, so a
    damaged outline is refused before it is drawn; should one get through, the letter is
    checked by reading the file, not failed by its check."""
    from letterpress.checks import drawn

    def damaged(*args: object, **kwargs: object) -> list[tuple[float, float]]:
        raise struct.error("unpack_from requires a buffer of at least 2 bytes")

    (letter,) = first_letters(SEED, 1)
    document = laid_out(letter)
    pages = [Page([moved(item, -15, 0) for item in page.items]) for page in document.pages]
    document = replace(document, pages=pages)
    monkeypatch.setattr(drawn, "glyph_points", damaged)
    drawn._metrics.cache_clear()
    try:
        found = compare(letter, document, "damaged glyph")
    finally:
        drawn._metrics.cache_clear()
    assert any(f.message.startswith("text left of 18 mm") for f in found)
