"""The vertical metrics of a font, read from the font file that prints the text.

Baselines, line boxes and link areas are placed from these numbers, so a letterhead that names
its own font (a serif with a taller ascender and deeper descender than Liberation Sans) is set
by the same rules as the bundled one.

Ascent and descent come from the ``hhea`` table (what ReportLab, browsers and word processors
use for the line box). Cap height and x-height come from ``OS/2`` (version 2 and later); older
fonts do not carry them, so they are measured from the outlines of ``H`` and ``x``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from letterpress.fonts.dehint import NotTrueType, _tables

FALLBACK_CAP_HEIGHT = 0.7
FALLBACK_X_HEIGHT = 0.5
"""Used only when a font carries neither the OS/2 values nor an ``H`` or ``x`` glyph."""


@dataclass(frozen=True)
class Metrics:
    """Vertical metrics as fractions of the font size; ``descent`` is positive (below the
    baseline)."""

    ascent: float
    descent: float
    cap_height: float
    x_height: float


@lru_cache(maxsize=32)
def font_metrics(name: str) -> Metrics:
    """The metrics of the font registered with ReportLab as ``name``."""
    font = pdfmetrics.getFont(name)
    assert isinstance(font, TTFont)  # letterpress registers TrueType fonts only
    data = getattr(font.face, "_ttf_data", b"")  # the file ReportLab parsed (without hinting)
    try:
        tables = _tables(data)
    except NotTrueType:
        face = font.face
        return Metrics(
            face.ascent / 1000,
            -face.descent / 1000,
            face.capHeight / 1000,
            FALLBACK_X_HEIGHT,
        )
    units = struct.unpack_from(">H", tables[b"head"], 18)[0]
    ascender, descender = struct.unpack_from(">hh", tables[b"hhea"], 4)
    cap, x_height = _os2_heights(tables.get(b"OS/2", b""))
    glyph_of = font.face.charToGlyph
    if not cap:
        cap = _glyph_top(tables, glyph_of.get(ord("H")))
    if not x_height:
        x_height = _glyph_top(tables, glyph_of.get(ord("x")))
    return Metrics(
        ascender / units,
        -descender / units,
        cap / units if cap else FALLBACK_CAP_HEIGHT,
        x_height / units if x_height else FALLBACK_X_HEIGHT,
    )


def _os2_heights(os2: bytes) -> tuple[int, int]:
    """(sCapHeight, sxHeight) of an OS/2 table of version 2 or later, else (0, 0)."""
    if len(os2) < 90 or struct.unpack_from(">H", os2, 0)[0] < 2:
        return 0, 0
    x_height, cap = struct.unpack_from(">hh", os2, 86)
    return max(cap, 0), max(x_height, 0)


def _glyph_top(tables: dict[bytes, bytes], glyph: int | None) -> int:
    """yMax of a glyph's outline, from ``loca`` and ``glyf``; 0 when there is none."""
    if glyph is None or b"loca" not in tables or b"glyf" not in tables:
        return 0
    long_offsets = struct.unpack_from(">h", tables[b"head"], 50)[0] == 1
    loca = tables[b"loca"]
    if long_offsets:
        start, end = struct.unpack_from(">II", loca, 4 * glyph)
    else:
        start, end = (2 * v for v in struct.unpack_from(">HH", loca, 2 * glyph))
    if end - start < 10:
        return 0
    top: int = struct.unpack_from(">h", tables[b"glyf"], start + 8)[0]
    return max(top, 0)
