"""Layout overlay: the envelope windows, print zones and frames drawn over page 1 of a letter.

A proof for the person designing a letterhead or checking a letter: thin coloured outlines with
small labels show where the C5/E65/EC4 windows fall, where central print puts its control marks
and barcode, the 10 mm edge margin, and the frames of the address and reference blocks. The
marks are drawn as a separate page with ReportLab and stamped onto page 1 as marked artifact
content, so the letter's own content and structure are untouched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf
    from reportlab.pdfgen.canvas import Canvas

from letterpress.geometry import (
    ADDRESS_BLOCK,
    ADDRESS_MAX_LINES,
    BARCODE_ZONE,
    CONTROL_MARK_MARGIN,
    EDGE_MARGIN,
    ENVELOPE_WINDOWS,
    MM,
    REFERENCE_BLOCK,
    Box,
)

LABEL_SIZE = 6.0
LINE_WIDTH = 0.5

RGB = tuple[float, float, float]
WINDOW_COLOUR: RGB = (0.05, 0.35, 0.85)
ZONE_COLOUR: RGB = (0.85, 0.1, 0.1)
MARGIN_COLOUR: RGB = (0.95, 0.5, 0.0)
FRAME_COLOUR: RGB = (0.0, 0.55, 0.25)

WINDOW_DASHES: dict[str, list[float]] = {"C5": [], "E65": [3, 1.5], "EC4": [0.8, 1.2]}
"""Each window its own line, so overlapping outlines stay apart."""


@dataclass(frozen=True)
class Mark:
    """One outlined area with its label."""

    box: Box
    label: str
    colour: RGB
    dash: tuple[float, ...] = ()
    fill: float = 0.0
    """Opacity of a tint inside the outline; 0 for none."""
    label_at: str = "right"
    """Where the label stands inside the outline: bottom "right", bottom "left", or "up" the
    right side (for tall, narrow areas). Windows label right and frames left, so labels of
    outlines that share a bottom edge stay apart."""


def marks(width: float, height: float) -> list[Mark]:
    """Everything the overlay draws on a page of ``width`` × ``height`` mm."""
    found = [
        Mark(Box(0, 0, CONTROL_MARK_MARGIN, height),
             f"print control marks (x < {CONTROL_MARK_MARGIN:g} mm)", ZONE_COLOUR, fill=0.08,
             label_at="up"),
        Mark(BARCODE_ZONE, "barcode zone", ZONE_COLOUR, fill=0.2, label_at="up"),
        Mark(Box(EDGE_MARGIN, EDGE_MARGIN, width - 2 * EDGE_MARGIN, height - 2 * EDGE_MARGIN),
             f"{EDGE_MARGIN:g} mm edge margin", MARGIN_COLOUR, dash=(2, 2)),
        Mark(ADDRESS_BLOCK, f"address (≤ {ADDRESS_MAX_LINES} lines)", FRAME_COLOUR,
             label_at="left"),
        Mark(REFERENCE_BLOCK, "reference", FRAME_COLOUR, label_at="left"),
    ]
    for name, window in ENVELOPE_WINDOWS.items():
        dash = tuple(WINDOW_DASHES.get(name, [2, 1]))
        found.append(Mark(window, f"{name} window", WINDOW_COLOUR, dash=dash))
    return found


def overlay(pdf: bytes) -> bytes:
    """``pdf`` with the layout marks drawn over its first page."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        box = [float(v) for v in page.mediabox]
        width, height = box[2] - box[0], box[3] - box[1]
        drawing = draw_marks(width / MM, height / MM)
        with pikepdf.open(io.BytesIO(drawing)) as source:
            _stamp(document, page, source.pages[0], pikepdf.Rectangle(*box))
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()


def _stamp(
    document: pikepdf.Pdf, page: pikepdf.Page, marks_page: pikepdf.Page, rect: pikepdf.Rectangle
) -> None:
    """Draw ``marks_page`` over ``page`` as artifact content (not part of the text structure)."""
    import pikepdf

    form = document.copy_foreign(marks_page.as_form_xobject())
    # A name of our own, not add_resource's random one: the same letter, the same proof bytes.
    name = pikepdf.Name("/LayoutMarks")
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    taken = resources.get("/XObject", pikepdf.Dictionary())
    number = 1
    while name in taken:
        number += 1
        name = pikepdf.Name(f"/LayoutMarks{number}")
    page.add_resource(form, pikepdf.Name.XObject, name)
    placement = page.calc_form_xobject_placement(form, name, rect)
    # Wrap the page's own content so a graphics state it leaves behind cannot shift the marks.
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n/Artifact BMC\n" + placement + b"\nEMC\n")


def draw_marks(width: float, height: float) -> bytes:
    """A one-page PDF of ``width`` × ``height`` mm holding only the layout marks."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width * MM, height * MM), invariant=1, pdfVersion=(1, 4))
    for mark in marks(width, height):
        _draw(canvas, mark, height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, mark: Mark, page_height: float) -> None:
    box = mark.box
    left, bottom = box.x * MM, (page_height - box.bottom) * MM
    canvas.saveState()
    canvas.setStrokeColorRGB(*mark.colour)
    canvas.setFillColorRGB(*mark.colour)
    canvas.setLineWidth(LINE_WIDTH)
    canvas.setDash(list(mark.dash) or [])
    if mark.fill:
        canvas.setFillAlpha(mark.fill)
    canvas.rect(left, bottom, box.width * MM, box.height * MM, stroke=1, fill=1 if mark.fill else 0)
    canvas.setFillAlpha(1)
    canvas.setFont(_label_font(), LABEL_SIZE)
    right = left + box.width * MM
    if mark.label_at == "up":
        canvas.translate(right - 1.5 * MM, bottom + 1.5 * MM)
        canvas.rotate(90)
        canvas.drawString(0, 0, mark.label)
    elif mark.label_at == "left":
        canvas.drawString(left + 1 * MM, bottom + 1 * MM, mark.label)
    else:
        canvas.drawRightString(right - 1 * MM, bottom + 1 * MM, mark.label)
    canvas.restoreState()


def _label_font() -> str:
    """The bundled Liberation Sans, embedded, so the proof passes preflight's font check too."""
    from letterpress.fonts import register_font, regular_font

    return register_font(regular_font())
