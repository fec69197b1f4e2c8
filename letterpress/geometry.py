"""The fixed geometry of a letter on A4, in millimetres from the top-left corner of the sheet.

Sources: Posten/Bring's addressing rules (window envelopes), Digdir's and Digipost's print
requirements (control-mark and barcode zones), and the templates of Norwegian public bodies.
The comment beside each group of numbers gives its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4
"""PostScript points in one millimetre."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the page: left and top edge, width and height, all in mm."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.right and self.y <= y <= self.bottom


PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0

# Print safety: control marks are printed left of 18 mm; nothing may come within 10 mm of an edge.
CONTROL_MARK_MARGIN = 18.0
EDGE_MARGIN = 10.0
BARCODE_ZONE = Box(0, 95, 15, 80)
"""x 0–15 mm, y 95–175 mm: where central print puts its barcode."""

# The column everything on a page aligns to.
LEFT = 25.0
RIGHT = 185.0
TEXT_WIDTH = RIGHT - LEFT

# Page 1: the letterhead.
LOGO_BOX = Box(LEFT, 12, 75, 18)
"""The logo is scaled to fit this box, never stretched, and drawn at its top left."""
SENDER_RIGHT = RIGHT
SENDER_TOP = 14.0

# Page 1: the address block, placed to show through the window of C5, E65 and EC4 envelopes.
ADDRESS_BLOCK = Box(LEFT, 45, 80, 25)
ADDRESS_MAX_LINES = 6
ADDRESS_FONT_SIZE = 10.0
ADDRESS_LEADING = 11.5
ENVELOPE_WINDOWS = {
    "C5": Box(20, 44, 105, 35),
    "E65": Box(20, 40, 95, 30),
    "EC4": Box(20, 42, 100, 40),
}

# Page 1: the reference block, level with the address, in a right-hand column that starts
# right of the widest window (C5 and EC4 reach x 125 mm), so only the address shows through.
REFERENCE_BLOCK = Box(128, 45, 62, 40)
REFERENCE_FONT_SIZE = 9.0
REFERENCE_LEADING = 11.5
REFERENCE_LABEL_GAP = 3.0
REFERENCE_ROW_GAP = 1.2
"""Between the rows of a reference block whose labels take two lines."""
REFERENCE_LABEL_MAX = 30.0
"""The label column is at most this wide, so values keep 29 mm: the longest one-language label
with its "/" (Áššemeannudeaddji/, 29.7 mm in 9 pt) fits on a line, and a bilingual label
breaks after its "/"."""

# Page 1: the title never starts above 85 mm, below the lowest envelope window (EC4 ends at
# 82 mm) with room for the sheet to move in the envelope, and keeps clear of the address and
# reference blocks.
TITLE_MIN_TOP = 85.0
TITLE_CLEARANCE = 10.0

# Page 1: the footer with the sender's addresses and numbers.
FOOTER_RULE = 266.0
FOOTER_TOP = 269.0
FOOTER_FONT_SIZE = 7.5
FOOTER_LEADING = 9.5
FOOTER_MAX_LINES = 4
"""Lines a footer column takes at most when it can choose: page 1's number stands below."""
BODY_BOTTOM_FIRST = 260.0

# Later pages: a header with the organisation, Vår referanse and "Side N av M".
HEADER_BASELINE = 15.0
HEADER_RULE = 18.5
HEADER_FONT_SIZE = 8.5
BODY_TOP_LATER = 26.0
BODY_BOTTOM_LATER = 285.0
PAGE_NUMBER_FIRST_BASELINE = FOOTER_TOP + 4 * FOOTER_LEADING / MM + 2.5

# The body.
BODY_FONT_SIZE = 11.0
BODY_LEADING = 14.5
TITLE_FONT_SIZE = 14.0
HEADING_FONT_SIZES = (13.0, 12.0, 11.0)
PARAGRAPH_GAP = 2.5
LIST_INDENT = 6.0
QUOTE_INDENT = 8.0
TABLE_PADDING = 1.5

# Signatories, side by side.
SIGNATORY_COLUMN = 80.0
SIGNATURE_BOX = (55.0, 16.0)
"""Width and height in mm a signature image is scaled to fit."""
HANDWRITTEN_SPACE = 16.0
"""Blank space above a name for a handwritten signature when there is no image."""
