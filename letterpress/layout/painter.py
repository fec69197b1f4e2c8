"""Painting laid-out pages into PDF with ReportLab, wrapping every drawing in marked content.

Each piece of content is drawn inside ``/Role <</MCID n>> BDC … EMC`` and each piece of
decoration inside ``/Artifact BMC … EMC``; the result records which structure element every
marked-content id and link annotation belongs to, so the finish stage can write the structure
tree without looking at the drawing again.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from reportlab import rl_config
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from letterpress import geometry as g
from letterpress.fonts.embed import reserve_codes
from letterpress.layout.page import Document, Image, Item, Line, Link, Node, Page, Rect, Text
from letterpress.layout.text import SOFT_HYPHEN

SOFT_HYPHEN_TEXT = "<FEFF00AD>"
"""U+00AD as a PDF text string (UTF-16BE with its byte order mark)."""

PAGE_SIZE = (g.PAGE_WIDTH * g.MM, g.PAGE_HEIGHT * g.MM)

# ReportLab wraps compressed streams in ASCII85 by default: a quarter larger, and decoded again
# when the finish stage saves. letterpress writes binary PDF, as PDF/A allows.
rl_config.useA85 = 0


@dataclass
class Painted:
    """The painted PDF and, per page, the structure element of each MCID and link."""

    pdf: bytes
    document: Document
    marks: list[list[Node]] = field(default_factory=list)
    """``marks[page][mcid]`` is the element that marked content belongs to."""
    links: list[list[Node]] = field(default_factory=list)
    """``links[page][i]`` is the element of the page's i-th link annotation."""
    images: list[set[str]] = field(default_factory=list)
    """``images[page]``: keys of the images the page draws (``Document.images``); the finish
    stage adds their XObjects, encoded once per process."""


def paint(document: Document) -> Painted:
    """Draw every page of ``document``."""
    buffer = io.BytesIO()
    regular = _first_font(document)
    canvas = Canvas(
        buffer,
        pagesize=PAGE_SIZE,
        invariant=1,
        pageCompression=1,
        initialFontName=regular,  # type: ignore[arg-type]  # the stubs say float; it is a name
        initialFontSize=11,
    )
    canvas._doc.info = _Info()  # type: ignore[attr-defined]
    # Codes by character, not by first use: letters with the same characters share subsets.
    reserve_codes(canvas._doc, _texts(document))  # type: ignore[attr-defined]
    painted = Painted(b"", document)
    codes = _Codes(canvas._doc)  # type: ignore[attr-defined]
    for page in document.pages:
        marks, links, images = _paint_page(canvas, page, codes)
        painted.marks.append(marks)
        painted.links.append(links)
        painted.images.append(images)
        canvas.showPage()
    canvas.save()
    painted.pdf = buffer.getvalue()
    return painted


class _Info(pdfdoc.PDFInfo):
    """The painted PDF's document information, left empty: the finish stage writes the
    letter's own (``finish/metadata.py``) in its place, so formatting ReportLab's entries
    (title, dates, producer) for every letter only made bytes that were thrown away."""

    def format(self, document: object) -> bytes:
        return b"<<\n>>"


def _texts(document: Document) -> Iterator[tuple[str, str]]:
    """The text each font draws, all of it at once; an inserted hyphen is drawn as "-" (see
    ``_draw_texts``)."""
    by_font: dict[str, list[str]] = {}
    for page in document.pages:
        for item in page.items:
            if isinstance(item, Text):
                by_font.setdefault(item.font, []).append(item.text)
    for font, texts in by_font.items():
        yield font, "".join(texts).replace(SOFT_HYPHEN, "-")


def _first_font(document: Document) -> str:
    for page in document.pages:
        for item in page.items:
            if isinstance(item, Text):
                return item.font
    raise ValueError("a letter without text cannot be painted")


def _paint_page(
    canvas: Canvas, page: Page, codes: _Codes
) -> tuple[list[Node], list[Node], set[str]]:
    marks: list[Node] = []
    links: list[Node] = []
    images: set[str] = set()
    items = page.items
    index = 0
    while index < len(items):
        item = items[index]
        if isinstance(item, Text):
            end = _text_run_end(items, index)
            _open(canvas, item.node, marks)
            _draw_texts(canvas, items[index:end], codes)
            canvas.addLiteral("EMC")
            index = end
            continue
        if isinstance(item, Image):
            _open(canvas, item.node, marks)
            _draw_image(canvas, item)
            canvas.addLiteral("EMC")
            images.add(item.key)
        elif isinstance(item, Line | Rect):
            canvas.addLiteral("/Artifact BMC")
            _draw_shape(canvas, item)
            canvas.addLiteral("EMC")
        elif isinstance(item, Link):
            _draw_link(canvas, item)
            links.append(item.node)
        index += 1
    return marks, links, images


def _text_run_end(items: list[Item], start: int) -> int:
    """Consecutive texts of one element share one marked-content sequence."""
    node = items[start].node  # type: ignore[union-attr]
    end = start + 1
    while end < len(items) and isinstance(following := items[end], Text) and following.node is node:
        end += 1
    return end


def _open(canvas: Canvas, node: Node | None, marks: list[Node]) -> None:
    if node is None:
        canvas.addLiteral("/Artifact BMC")
        return
    canvas.addLiteral(f"/{_marked_role(node)} <</MCID {len(marks)}>> BDC")
    marks.append(node)


def _marked_role(node: Node) -> str:
    return node.role


def _y(mm: float) -> float:
    return (g.PAGE_HEIGHT - mm) * g.MM


class _Codes:
    """The bytes that show a text in one document's font subsets.

    ReportLab's ``splitString`` finds each character's code in a Python loop, character by
    character, which was a third of painting. Once ``reserve_codes`` has given every
    character of the letter its code, a text whose characters all sit in a font's first
    subset is encoded with the same codes (``_Table``) in one pass; anything else (a
    character without a code yet, or in a later subset) goes to ``splitString`` as before.
    """

    def __init__(self, document: object) -> None:
        self.document = document
        self.tables: dict[str, _Table] = {}
        self.fonts: dict[str, TTFont] = {}
        self.names: dict[str, str] = {}
        """Each font's first subset's name in the document, once it has been used."""

    def font(self, name: str) -> TTFont:
        """The registered font called ``name``, looked up once per document."""
        found = self.fonts.get(name)
        if found is None:
            registered = pdfmetrics.getFont(name)
            assert isinstance(registered, TTFont)  # letterpress registers TrueType fonts only
            found = self.fonts[name] = registered
        return found

    def runs(self, font: TTFont, text: str) -> list[tuple[str, bytes]]:
        """(subset font name, bytes) for each run of ``text`` in one subset."""
        table = self.tables.get(font.fontName) or self._table(font)
        if text:
            shown = table.latin1(text)
            if shown is None and table.chars.issuperset(text):
                shown = text.translate(table.codes).encode("latin-1")
            if shown is not None:
                name = self.names.get(font.fontName)
                if name is None:
                    # The first use names the subset in the document (and orders its fonts);
                    # later uses get the same name.
                    name = self.names[font.fontName] = font.getSubsetInternalName(
                        0, self.document
                    )
                return [(name, shown)]
        return [
            (font.getSubsetInternalName(subset, self.document), chunk)
            for subset, chunk in font.splitString(text, self.document)
        ]

    def _table(self, font: TTFont) -> _Table:
        font.splitString("", self.document)  # makes the font's state in the document
        assignments = font.state[self.document].assignments  # type: ignore[attr-defined]
        codes = {char: code for char, code in assignments.items() if code < 256}
        if 32 in codes:
            codes[0xA0] = codes[32]  # splitString shows a no-break space as a space
        table = self.tables[font.fontName] = _Table(codes)
        return table


class _Table:
    """The codes of a font's first subset in one document, by character."""

    def __init__(self, codes: dict[int, int]) -> None:
        self.codes = codes
        # Latin-1 characters (nearly every character of a Norwegian letter) go through two
        # byte translations, which need no lookup per character in Python's dictionaries.
        table = bytearray(256)
        for char, code in codes.items():
            if char < 256:
                table[char] = code
        self.bytes = bytes(table)
        self.known = bytes(sorted(char for char in codes if char < 256))

    @cached_property
    def chars(self) -> frozenset[str]:
        """Every character with a code (for texts that are not Latin-1)."""
        return frozenset(map(chr, self.codes))

    def latin1(self, text: str) -> bytes | None:
        """``text`` in the subset's codes, or None when a character is not Latin-1 or has no
        code in the subset."""
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            return None
        if raw.translate(None, self.known):
            return None
        return raw.translate(self.bytes)


def _draw_texts(canvas: Canvas, texts: list[Item], codes: _Codes) -> None:
    """One BT … ET block for a run of texts, written the way ReportLab's own documentation
    shows for TrueType fonts (``splitString`` and ``getSubsetInternalName``): ReportLab's text
    object does the same with a great deal more bookkeeping per run."""
    operators = ["BT"]
    current_font, colour = None, None
    for item in texts:
        assert isinstance(item, Text)
        if item.colour != colour:
            colour = item.colour
            operators.append(f"{fp_str(*colour)} rg")
        operators.append(f"1 0 0 1 {fp_str(item.x * g.MM, _y(item.y))} Tm")
        font = codes.font(item.font)
        if SOFT_HYPHEN not in item.text:
            current_font = _show(operators, codes.runs(font, item.text), item.size, current_font)
            continue
        for index, part in enumerate(item.text.split(SOFT_HYPHEN)):
            if index:
                # A hyphen that hyphenation inserted reads as a soft hyphen, so the word it
                # splits reads whole; a hyphen that is part of the text stays a hyphen.
                operators.append(f"/Span <</ActualText {SOFT_HYPHEN_TEXT}>> BDC")
                current_font = _show(operators, codes.runs(font, "-"), item.size, current_font)
                operators.append("EMC")
            if part:
                current_font = _show(operators, codes.runs(font, part), item.size, current_font)
    operators.append("ET")
    canvas.addLiteral("\n".join(operators))


def _show(
    operators: list[str],
    runs: list[tuple[str, bytes]],
    size: float,
    current_font: tuple[str, float] | None,
) -> tuple[str, float] | None:
    """Append the operators that show ``runs``; returns the font and size now selected."""
    for name, chunk in runs:
        if (name, size) != current_font:
            current_font = (name, size)
            operators.append(f"{name} {fp_str(size)} Tf")
        operators.append(f"({escapePDF(chunk)}) Tj")
    return current_font


def _draw_image(canvas: Canvas, item: Image) -> None:
    """Place the image XObject named by its key; the finish stage supplies the XObject."""
    width, height = item.width * g.MM, item.height * g.MM
    x, y = item.x * g.MM, _y(item.y + item.height)
    canvas.addLiteral(f"q {width:.3f} 0 0 {height:.3f} {x:.3f} {y:.3f} cm /{item.key} Do Q")


def _draw_shape(canvas: Canvas, item: Line | Rect) -> None:
    canvas.saveState()
    if isinstance(item, Line):
        canvas.setStrokeColorRGB(*item.colour)
        canvas.setLineWidth(item.width)
        canvas.line(item.x1 * g.MM, _y(item.y1), item.x2 * g.MM, _y(item.y2))
    else:
        canvas.setLineWidth(item.line_width)
        if item.stroke:
            canvas.setStrokeColorRGB(*item.stroke)
        if item.fill:
            canvas.setFillColorRGB(*item.fill)
        canvas.rect(
            item.x * g.MM,
            _y(item.y + item.height),
            item.width * g.MM,
            item.height * g.MM,
            stroke=1 if item.stroke else 0,
            fill=1 if item.fill else 0,
        )
    canvas.restoreState()


def _draw_link(canvas: Canvas, item: Link) -> None:
    rect = (
        item.x * g.MM,
        _y(item.y + item.height),
        (item.x + item.width) * g.MM,
        _y(item.y),
    )
    canvas._addAnnotation(_LinkAnnotation(item.url, rect))  # type: ignore[attr-defined]


class _LinkAnnotation(pdfdoc.PDFObject):
    """A link to ``url`` without a border: the dictionary ``Canvas.linkURL(url, rect,
    thickness=0)`` writes, formatted in one piece rather than through three nested ReportLab
    dictionaries."""

    def __init__(self, url: str, rect: tuple[float, float, float, float]) -> None:
        self.url = url
        self.rect = rect

    def format(self, document: object) -> bytes:
        uri = pdfdoc.PDFString(self.url).format(document)
        rect = fp_str(*self.rect).encode("ascii")
        return (
            b"<<\n/A <<\n/S /URI /Type /Action /URI " + uri + b"\n>> /Border [ 0 0 0 ] /Rect [ "
            + rect + b" ] /Subtype /Link /Type /Annot\n>>"
        )
