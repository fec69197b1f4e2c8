"""The ReportLab anchor: the benchmark letter drawn by hand on a ReportLab canvas.

This is the floor of letterpress's own stack (ReportLab paints letterpress's pages): a greedy,
ragged-right line breaker measuring with ``pdfmetrics.stringWidth``, Norwegian hyphenation
with pyphen for a word that does not fit, pages composed first (so "Side N av M" knows M) and
then painted. Fonts are registered once per process and embedded as subsets, as ReportLab
does with TrueType fonts. The logo is encoded once per process, not once per letter, and line
breaks of a paragraph are memoised (a merge repeats its body): what any engine that renders
batches can reuse, this floor reuses too.

Run it alone to write the seed letter: ``python bench/reportlab_anchor.py -o seed-rl.pdf``.
"""

from __future__ import annotations

import argparse
import copy
import io
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pyphen
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFImageXObject, PDFObjectReference, xObjectName
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from workload import FONTS, REPO, LetterData, seed_data

MM = 72 / 25.4
PAGE_HEIGHT_MM = A4[1] / MM
LEFT, TEXT_WIDTH = 25.0, 160.0
REGULAR, BOLD = "BenchSans", "BenchSans-Bold"
BODY_SIZE, BODY_LEADING = 11.0, 15.0
TITLE_SIZE, TITLE_LEADING = 14.0, 18.0
PARAGRAPH_GAP, HEADING_GAP = 3.0, 4.0
FIRST_TOP, LATER_TOP = 85.0, 28.0
FIRST_BOTTOM, LATER_BOTTOM = 258.0, 280.0


@dataclass(frozen=True)
class Line:
    """One line of text: left edge and baseline in mm from the top-left corner."""

    x: float
    baseline: float
    font: str
    size: float
    text: str


@dataclass
class Page:
    """The flowing text of one page; fixed furniture is added when it is painted."""

    lines: list[Line] = field(default_factory=list)


@cache
def register_fonts() -> None:
    """Register Liberation Sans once per process."""
    for name, file in ((REGULAR, "Regular"), (BOLD, "Bold")):
        pdfmetrics.registerFont(TTFont(name, str(FONTS / f"LiberationSans-{file}.ttf")))


@dataclass(frozen=True)
class Logo:
    """An image encoded for PDF once per process: the XObject and its soft mask (alpha)."""

    image: PDFImageXObject
    mask: PDFImageXObject | None


@cache
def _logo(path: str) -> Logo:
    # ReportLab's drawImage compresses and hashes the pixels again for every document; a
    # batch needs that once. A reference by name resolves in whichever document it is put.
    image = PDFImageXObject("BenchLogo", ImageReader(str(REPO / path)), mask="auto")
    mask = getattr(image, "_smask", None)
    if mask is not None:
        del image._smask
        mask.name = "BenchLogoMask"
        image.smask = PDFObjectReference(xObjectName(mask.name))
    return Logo(image, mask)


def _draw_logo(canvas: Canvas, logo: Logo, x: float, y: float, width: float,
               height: float) -> None:
    """Draw the cached logo: what drawImage does once it has the encoded XObject."""
    document = canvas._doc
    name = xObjectName(logo.image.name)
    if name not in document.idToObject:
        # A document marks what it registers, so each gets a copy; the encoded bytes are shared.
        document.addForm(logo.image.name, copy.copy(logo.image))
        if logo.mask is not None:
            document.Reference(copy.copy(logo.mask), xObjectName(logo.mask.name))
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{name} Do")
    canvas.restoreState()
    canvas._formsinuse.append(logo.image.name)


@cache
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="nb_NO")


@lru_cache(maxsize=1024)
def wrap(text: str, font: str, size: float, width_mm: float) -> tuple[str, ...]:
    """Break ``text`` into ragged-right lines no wider than ``width_mm``."""
    width = width_mm * MM
    space = pdfmetrics.stringWidth(" ", font, size)
    lines: list[str] = []
    current: list[str] = []
    used = -space
    for word in text.split():
        word_width = pdfmetrics.stringWidth(word, font, size)
        if used + space + word_width <= width:
            current.append(word)
            used += space + word_width
            continue
        head, tail = _hyphenate(word, font, size, width - used - space)
        if head:
            current.append(head)
        lines.append(" ".join(current))
        current, used = [tail], pdfmetrics.stringWidth(tail, font, size)
    if current:
        lines.append(" ".join(current))
    return tuple(lines)


def _hyphenate(word: str, font: str, size: float, room: float) -> tuple[str, str]:
    """The longest hyphenated head of ``word`` that fits in ``room`` points, and the rest."""
    for head, tail in _hyphenator().iterate(word):
        # A compound that already has a hyphen ("kommune-Norge") breaks after it, adding none.
        shown = head if head.endswith("-") else head + "-"
        if pdfmetrics.stringWidth(shown, font, size) <= room:
            return shown, tail
    return "", word


class Composer:
    """Flows the title and body into pages, tracking a cursor in mm from the page top."""

    def __init__(self) -> None:
        self.pages = [Page()]
        self.cursor = FIRST_TOP

    @property
    def bottom(self) -> float:
        return FIRST_BOTTOM if len(self.pages) == 1 else LATER_BOTTOM

    def new_page(self) -> None:
        self.pages.append(Page())
        self.cursor = LATER_TOP

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.cursor + height > self.bottom:
            self.new_page()

    def space(self, gap: float) -> None:
        # Space at the top of a page is dropped, as in any typesetter.
        if self.cursor > LATER_TOP:
            self.cursor += gap

    def text(self, text: str, font: str, size: float, leading: float, keep: int = 1) -> None:
        """Flow ``text``; the first ``keep`` lines stay together on one page."""
        step, ascent = leading / MM, size * 0.8 / MM
        lines = wrap(text, font, size, TEXT_WIDTH)
        # A line fits when its baseline does; the leading below the last line may overhang.
        self.need(step * (min(keep, len(lines)) - 1) + ascent)
        for line in lines:
            self.need(ascent)
            baseline = self.cursor + ascent
            self.pages[-1].lines.append(Line(LEFT, baseline, font, size, line))
            self.cursor += step


def compose(letter: LetterData) -> list[Page]:
    """Lay out the title, body, closing and signatories."""
    flow = Composer()
    flow.text(letter["title"], BOLD, TITLE_SIZE, TITLE_LEADING)
    flow.space(6.0 - PARAGRAPH_GAP)
    for block in letter["blocks"]:
        if block["kind"] == "heading":
            flow.space(HEADING_GAP - PARAGRAPH_GAP)
            # A heading never ends a page: it keeps itself and two lines of what follows.
            flow.text(block["text"], BOLD, BODY_SIZE, BODY_LEADING, keep=3)
        else:
            flow.text(block["text"], REGULAR, BODY_SIZE, BODY_LEADING, keep=2)
            flow.space(PARAGRAPH_GAP)
    flow.space(6.0 - PARAGRAPH_GAP)
    # The closing, the names and the approval sentence stay together on one page.
    names = len(letter["signatories"])
    flow.need((1 + names) * BODY_LEADING / MM + 3.0 + 1.0 + 11.5 / MM)
    flow.text(letter["closing"], REGULAR, BODY_SIZE, BODY_LEADING)
    flow.space(3.0)
    for name in letter["signatories"]:
        flow.text(name, REGULAR, BODY_SIZE, BODY_LEADING)
    if letter["approval"]:
        flow.space(1.0)
        flow.text(letter["approval"], REGULAR, 9.0, 11.5)
    return flow.pages


def _y(mm: float) -> float:
    return (PAGE_HEIGHT_MM - mm) * MM


def _lines_at(canvas: Canvas, x: float, top: float, lines: list[str], font: str, size: float,
              leading: float) -> None:
    text = canvas.beginText(x * MM, _y(top) - size * 0.8)
    text.setFont(font, size, leading)
    for line in lines:
        text.textLine(line)
    canvas.drawText(text)


def _letterhead(canvas: Canvas, letter: LetterData) -> None:
    sender = letter["sender"]
    logo = _logo(sender["logo"])
    width, height = logo.image.width, logo.image.height
    scale = min(70 * MM / width, 22 * MM / height)
    _draw_logo(canvas, logo, LEFT * MM, _y(12) - height * scale, width * scale, height * scale)
    canvas.setFillColor(HexColor(sender["colour"]))
    canvas.setFont(BOLD, 14)
    canvas.drawRightString(185 * MM, _y(14) - 14 * 0.8, sender["name"])
    canvas.setFillColor(HexColor("#000000"))
    canvas.setFont(REGULAR, 9)
    canvas.drawRightString(185 * MM, _y(14) - 14 * 0.8 - 12, sender["unit"])


def _address_and_reference(canvas: Canvas, letter: LetterData) -> None:
    _lines_at(canvas, LEFT, 45, letter["recipient"], REGULAR, 10, 11.5)
    labels = [label for label, _ in letter["reference"]]
    values = [value for _, value in letter["reference"]]
    label_width = max(pdfmetrics.stringWidth(label, REGULAR, 9) for label in labels) / MM
    _lines_at(canvas, 118, 45, labels, REGULAR, 9, 11.5)
    _lines_at(canvas, 118 + label_width + 3, 45, values, REGULAR, 9, 11.5)


def _footer(canvas: Canvas, letter: LetterData, total: int) -> None:
    sender = letter["sender"]
    canvas.setStrokeColor(HexColor(sender["colour"]))
    canvas.setLineWidth(0.4)
    canvas.line(LEFT * MM, _y(266), 185 * MM, _y(266))
    groups = sender["footer"]
    for column, (label, lines) in enumerate(groups[:2]):
        x = LEFT + column * 160 / 3.3
        _lines_at(canvas, x, 269, [label], BOLD, 7.5, 9.5)
        _lines_at(canvas, x, 269 + 9.5 / MM, lines, REGULAR, 7.5, 9.5)
    rest = [f"{label}: {', '.join(lines)}" for label, lines in groups[2:]]
    _lines_at(canvas, LEFT + 2 * 160 / 3.3, 269, rest, REGULAR, 7.5, 9.5)
    canvas.setFont(REGULAR, 8.5)
    canvas.drawRightString(185 * MM, _y(283) - 8.5 * 0.8, f"Side 1 av {total}")


def _header(canvas: Canvas, letter: LetterData, number: int, total: int) -> None:
    ours = letter["reference"][0][1]
    baseline = _y(12) - 8.5 * 0.8
    canvas.setFont(REGULAR, 8.5)
    canvas.drawString(LEFT * MM, baseline, f"{letter['sender']['name']} · Vår referanse {ours}")
    canvas.drawRightString(185 * MM, baseline, f"Side {number} av {total}")
    canvas.setStrokeColor(HexColor(letter["sender"]["colour"]))
    canvas.setLineWidth(0.4)
    canvas.line(LEFT * MM, _y(18.5), 185 * MM, _y(18.5))


def _flow(canvas: Canvas, page: Page) -> None:
    for line in page.lines:
        canvas.setFont(line.font, line.size)
        canvas.drawString(line.x * MM, _y(line.baseline), line.text)


def render(letter: LetterData) -> bytes:
    """The PDF of ``letter``."""
    register_fonts()
    pages = compose(letter)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, lang="nb-NO", invariant=1)
    canvas.setTitle(letter["title"])
    canvas.setAuthor(letter["sender"]["name"])
    for number, page in enumerate(pages, start=1):
        if number == 1:
            _letterhead(canvas, letter)
            _address_and_reference(canvas, letter)
            _footer(canvas, letter, len(pages))
        else:
            _header(canvas, letter, number, len(pages))
        _flow(canvas, page)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def main() -> None:
    """Write the seed letter as drawn by the ReportLab anchor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="seed-reportlab.pdf", type=Path)
    args = parser.parse_args()
    args.output.write_bytes(render(seed_data()))


if __name__ == "__main__":
    main()
