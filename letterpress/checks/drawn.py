"""Preflight of a letter letterpress has just made, its own pages checked from their layout.

``build`` checks every PDF it writes. Reading the file back with pdfium costs more than 2 ms a
letter, yet the pages letterpress draws itself are known exactly before they are written: every
text run, image and rule with its font, size and position (``layout.Document``). Their bounds
follow from that as pdfium works them out when it parses the written page:

- a text object (one ``Tj``: a run of one font subset) spans the outlines of its glyphs, each
  measured to the thousandth of an em (rounded the way pdfium rounds), placed at the advances of
  the font's ``/Widths``; a space adds its origin;
- an image spans the box it is scaled into;
- a rule spans its ends carried on along it and out to either side by its line width (pdfium
  takes the whole width where half would do, and the check reports what pdfium reports); a
  rectangle spans its box, widened so when it is outlined, and prints nothing when it is
  neither outlined nor filled with a colour other than white.

The boxes then go through the same rules, in the same order, as pdfium's objects do in
``preflight.py``. Pages after the letter's own (appended attachments, drawn by someone else)
are still read with pdfium, and so is a file whose header or trailer is not the plain one
letterpress writes. ``tests/test_preflight_layout.py`` runs both checks over many letters, clean
ones and ones with content in forbidden places, and asserts that they find the same problems.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from letterpress.checks.preflight import (
    MAX_FILE_BYTES,
    POSITION_TOLERANCE,
    VERSIONS,
    Finding,
    Placement,
    _file_size,
    _pages,
    preflight_bytes,
)
from letterpress.geometry import CONTROL_MARK_MARGIN, EDGE_MARGIN, MM, PAGE_HEIGHT, PAGE_WIDTH, Box
from letterpress.layout.page import Document, Image, Line, Page, Rect, Text
from letterpress.layout.text import SOFT_HYPHEN

SAFE_LEFT = CONTROL_MARK_MARGIN - POSITION_TOLERANCE
SAFE_TOP = EDGE_MARGIN - POSITION_TOLERANCE
SAFE_RIGHT = PAGE_WIDTH - EDGE_MARGIN + POSITION_TOLERANCE
SAFE_BOTTOM = PAGE_HEIGHT - EDGE_MARGIN + POSITION_TOLERANCE
"""The part of an A4 page no rule forbids (mm): right of the control-mark margin (which holds the
barcode zone), inside the edge margins. Content inside it needs no closer look."""

PAGE_TOP = PAGE_HEIGHT * MM
"""The top of a letter's page in PDF points, where the y axis starts at the bottom."""

SUBSET_ZERO_EXTRA = 31 + 128
"""Characters outside ASCII that fit ReportLab's first subset of a font (codes 1-31 and 128-255;
32-127 hold ASCII): with more, a text run can switch subsets, one text object per subset."""


def preflight_letter(
    data: bytes,
    document: Document,
    path: Path,
    *,
    appended: bool,
    signed: bool = False,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> list[Finding]:
    """What ``preflight_bytes(data, path)`` finds in the letter ``data`` that letterpress made
    from the laid-out ``document``. ``appended``: pages from attachments follow the letter's
    own; ``signed``: the file was signed after it was written (an incremental update by
    pyHanko, which letterpress does not write itself), and is read back whole."""
    if signed or not _written_as_letterpress_writes(data):
        return preflight_bytes(data, path, max_bytes=max_bytes)
    findings = _file_size(data, path, max_bytes) if max_bytes is not None else []
    try:
        findings += laid_out_findings(document, path)
    except Unmeasurable:  # a damaged outline (fonts are read through on loading: rare)
        return preflight_bytes(data, path, max_bytes=max_bytes)
    if appended:
        findings += _pages(data, path, first=len(document.pages))
    return findings


def _written_as_letterpress_writes(data: bytes) -> bool:
    """The header names a version print takes.

    The rest of what the full check reads with pikepdf is fixed by how the finish stage saves
    (``finish/pdfa.py``): never encrypted, the version forced into the header, no catalog
    /Version (ReportLab writes none, appended PDFs bring no catalog, the PDF/A step removes
    any). A file that does not even start as expected is read back whole.
    """
    return data.startswith(b"%PDF-") and data[5:8].decode("latin-1") in VERSIONS


def laid_out_findings(document: Document, path: Path) -> list[Finding]:
    """Content in forbidden places on the letter's own pages, from the layout alone.

    Fonts need no check: layout draws with TrueType fonts only, and every one is embedded.
    The pages are A4 portrait by construction (``layout/painter.py``).
    """
    fonts = _Fonts(document)
    findings: list[Finding] = []
    for number, page in enumerate(document.pages, start=1):
        drawn = _outside_safe_area(page, fonts)
        if not drawn:
            continue  # nearly every page: nothing comes near a forbidden area
        placement = Placement(PAGE_WIDTH, PAGE_HEIGHT)
        for kind, box in drawn:
            placement.add(kind, box)
        findings += placement.findings(number, path)
    return findings


def _outside_safe_area(page: Page, fonts: _Fonts) -> list[tuple[str, Box]]:
    """What the page draws outside the safe area, as pdfium would see its objects, in order.

    Every text run is first measured loosely (its font's reach over all characters measured so
    far, ReportLab's unrounded widths): a run whose loose bounds lie inside the safe area is
    done with; only the others are measured glyph by glyph.
    """
    found: list[tuple[str, Box]] = []
    reach = fonts.reach
    for item in page.items:
        if type(item) is Text:
            left, bottom, top, overhang, measure = reach[item.font]
            scale = item.size / 1000 / MM
            x, y, text = item.x, item.y, item.text
            if SOFT_HYPHEN in text:
                text = text.replace(SOFT_HYPHEN, "-")  # as the painter draws it
            if (
                x + left * scale >= SAFE_LEFT
                and y - top * scale >= SAFE_TOP
                and y - bottom * scale <= SAFE_BOTTOM
                and x + measure(text, item.size) / MM + overhang * scale <= SAFE_RIGHT
            ):
                continue
            found.extend(("text", box) for box in fonts.boxes(item))
        elif isinstance(item, Image):
            box = Box(item.x, item.y, item.width, item.height)
            if not _inside_safe_area(box):
                found.append(("image", box))
        elif isinstance(item, Line):
            box = _line_box(item)
            if not _inside_safe_area(box):
                found.append(("graphics", box))
        elif isinstance(item, Rect):
            rect = _rect_box(item)
            if rect is not None and not _inside_safe_area(rect):
                found.append(("graphics", rect))
    return found


def _inside_safe_area(box: Box) -> bool:
    return (
        box.x >= SAFE_LEFT
        and box.y >= SAFE_TOP
        and box.x + box.width <= SAFE_RIGHT
        and box.y + box.height <= SAFE_BOTTOM
    )


def _line_box(item: Line) -> Box:
    """The bounds pdfium gives a stroked line: each end carried on along the line by the
    widening, then that far to either side of it."""
    widen = _stroke_widening(item.width)
    dx, dy = item.x2 - item.x1, item.y2 - item.y1
    length = math.hypot(dx, dy)
    if length == 0:
        return Box(item.x1 - widen, item.y1 - widen, 2 * widen, 2 * widen)
    ux, uy = dx / length * widen, dy / length * widen
    corners = [
        (x + along * ux + side * uy, y + along * uy - side * ux)
        for x, y, along in ((item.x2, item.y2, 1), (item.x1, item.y1, -1))
        for side in (1, -1)
    ]
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def _rect_box(item: Rect) -> Box | None:
    """The rectangle's bounds, or None when it paints nothing (no stroke, no or white fill)."""
    if item.stroke is None:
        if item.fill is None or tuple(round(c * 255) for c in item.fill) == (255, 255, 255):
            return None
        return Box(item.x, item.y, item.width, item.height)
    widen = _stroke_widening(item.line_width)
    return Box(item.x - widen, item.y - widen, item.width + 2 * widen, item.height + 2 * widen)


def _stroke_widening(width: float) -> float:
    """How far (mm) pdfium widens a stroked path's bounds: the line width (points), or half a
    point for a hairline."""
    return (width if width else 0.5) / MM


class Unmeasurable(ValueError):
    """A glyph whose outline cannot be read: the letter is checked by reading it back."""


@dataclass(frozen=True)
class _Extent:
    """One character's glyph outline bounds and advance, in thousandths of the font size."""

    left: int
    bottom: int
    right: int
    top: int
    advance: int


_ASCII = frozenset(map(chr, range(128)))


class _Fonts:
    """The fonts of one document: how far their glyphs reach, and their subsets."""

    def __init__(self, document: Document) -> None:
        texts: dict[str, list[str]] = {}
        for page in document.pages:
            for item in page.items:
                if type(item) is Text:
                    texts.setdefault(item.font, []).append(item.text)
        self.reach: dict[str, tuple[float, float, float, float, Any]] = {}
        """Per font: the furthest a glyph reaches left of its origin, below and above the
        baseline, and right beyond its advance (thousandths of the size), over every character
        of the font measured in this process, which include the document's; and ReportLab's
        measure of a text's width (its widths unrounded: never less than the /Widths in the
        PDF)."""
        self.subsets: dict[str, dict[str, int]] = {}
        """Per font with more characters than its first subset holds: each character's subset."""
        for name, parts in texts.items():
            chars = set("".join(parts))
            metrics = _metrics(name)
            self.reach[name] = metrics.reach(chars)
            extra = chars - _ASCII
            if len(extra) > SUBSET_ZERO_EXTRA:
                self.subsets[name] = metrics.subsets(sorted(extra - {SOFT_HYPHEN}))

    def boxes(self, item: Text) -> Iterator[Box]:
        """The bounds of each text object the painter draws for ``item`` (``_draw_texts``):
        the parts between inserted hyphens, each hyphen, each split where the subset changes."""
        metrics = _metrics(item.font)
        subsets = self.subsets.get(item.font)
        scale = item.size / 1000
        origin = item.x * MM
        baseline = PAGE_TOP - item.y * MM
        pen = 0.0
        for index, part in enumerate(item.text.split(SOFT_HYPHEN)):
            runs = [part] if subsets is None or not part else _split(part, subsets)
            if index:
                runs.insert(0, "-")
            for run in runs:
                if not run:
                    continue
                left, bottom, right, top, advance = metrics.run(run)
                x = origin + pen
                pen += advance * scale
                yield _page_box(x + left * scale, baseline + bottom * scale,
                                x + right * scale, baseline + top * scale)


def _split(text: str, subsets: dict[str, int]) -> list[str]:
    """``text`` cut where consecutive characters lie in different subsets."""
    runs: list[str] = []
    start = 0
    for index in range(1, len(text)):
        if subsets.get(text[index], 0) != subsets.get(text[index - 1], 0):
            runs.append(text[start:index])
            start = index
    runs.append(text[start:])
    return runs


def _page_box(left: float, bottom: float, right: float, top: float) -> Box:
    """PDF points (y up from the bottom) to mm from the page's top-left corner."""
    return Box(left / MM, (PAGE_TOP - top) / MM, (right - left) / MM, (top - bottom) / MM)


class _Metrics:
    """Glyph extents of one registered font, measured on first use and kept for the process
    (the font's registered name is taken from its content, so a name means one font)."""

    def __init__(self, name: str) -> None:
        from reportlab.pdfbase import pdfmetrics

        font: Any = pdfmetrics.getFont(name)  # a TrueType font: layout registers no other kind
        self.font = font
        face: Any = font.face
        self.face = face
        self.units_per_em: int = struct.unpack_from(">H", face.get_table("head"), 18)[0]
        self.glyf: int = face.get_table_pos("glyf")[0]
        self.extents: dict[str, _Extent] = {}
        self.measured: set[str] = set()
        self.furthest = (0, 0, 0, 0, self.font.stringWidth)

    def reach(self, chars: set[str]) -> tuple[float, float, float, float, Any]:
        """How far the glyphs of ``chars`` reach at most (see ``_Fonts.reach``)."""
        if chars <= self.measured:
            return self.furthest
        new = chars - self.measured
        if SOFT_HYPHEN in new:
            new.add("-")  # drawn for a hyphen that hyphenation inserted
        left, bottom, top, overhang, measure = self.furthest
        for char in new:
            extent = self.extent(char)
            left, bottom = min(left, extent.left), min(bottom, extent.bottom)
            top, overhang = max(top, extent.top), max(overhang, extent.right - extent.advance)
        self.measured |= new
        self.furthest = (left, bottom, top, overhang, measure)
        return self.furthest

    def extent(self, char: str) -> _Extent:
        found = self.extents.get(char)
        if found is None:
            found = self.extents[char] = self._measure(char)
        return found

    def run(self, text: str) -> tuple[float, float, float, float, float]:
        """Left, bottom, right and top of the glyphs of ``text`` set from its origin, and its
        advance, in thousandths of the size; as pdfium's ``CPDF_TextObject`` works them out."""
        pen = 0
        left = bottom = 10_000.0
        right = top = -10_000.0
        for char in text:
            extent = self.extents.get(char) or self.extent(char)
            left = min(left, pen + extent.left)
            right = max(right, pen + extent.right)
            bottom = min(bottom, extent.bottom)
            top = max(top, extent.top)
            pen += extent.advance
        return left, bottom, right, top, pen

    def _measure(self, char: str) -> _Extent:
        face = self.face
        code = 0x20 if char == "\u00a0" else ord(char)  # ReportLab draws a no-break space as 32
        glyph = face.charToGlyph.get(code, 0)
        advance = int(face.getCharWidth(code))  # as written into /Widths (embed.py: %d)
        try:
            points = glyph_points(face._ttf_data, self.glyf, face.glyphPos, glyph)
        except (struct.error, IndexError):
            raise Unmeasurable(f"glyph {glyph} of {self.font.fontName} is damaged") from None
        if not points:
            return _Extent(0, 0, 0, 0, advance)
        # FreeType places the outline so that the header's xMin falls on the left side bearing.
        header = self.glyf + face.glyphPos[glyph]
        (header_left,) = struct.unpack_from(">h", face._ttf_data, header + 2)
        # ReportLab reads the side bearing as unsigned.
        (bearing,) = struct.unpack("<h", struct.pack("<H", face.hmetrics[glyph][1]))
        shift = bearing - header_left
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        return _Extent(
            self._thousandths(_floor(min(xs)) + shift),
            self._thousandths(_floor(min(ys))),
            self._thousandths(_ceil(max(xs)) + shift),
            self._thousandths(_ceil(max(ys))),
            advance,
        )

    def _thousandths(self, units: int) -> int:
        """Font units to thousandths of an em, rounded as pdfium does (C integer division)."""
        return int((units * 1000 + self.units_per_em // 2) / self.units_per_em)

    def subsets(self, extra: list[str]) -> dict[str, int]:
        """The subset of each character, as ReportLab assigns them when the painter reserves the
        characters outside ASCII in sorted order (``fonts/embed.py``)."""
        key = _StandIn()  # ReportLab keeps its assignments per document
        try:
            self.font.splitString("".join(extra), key)
            assignments = self.font.state[key].assignments
        finally:
            self.font.state.pop(key, None)
        return {chr(code): number >> 8 for code, number in assignments.items()}


class _StandIn:
    """A document for ReportLab to assign subsets in, weakly referenced as documents are."""


@lru_cache(maxsize=32)
def _metrics(name: str) -> _Metrics:
    return _Metrics(name)


def _floor(value: float) -> int:
    return int(value // 1)


def _ceil(value: float) -> int:
    return -int(-value // 1)


_ARGS_ARE_WORDS = 0x0001
_ARGS_ARE_XY = 0x0002
_HAVE_SCALE = 0x0008
_MORE_COMPONENTS = 0x0020
_HAVE_XY_SCALE = 0x0040
_HAVE_2X2 = 0x0080
_MAX_NESTING = 8


def glyph_points(
    data: bytes, glyf: int, offsets: list[int], glyph: int, depth: int = 0
) -> list[tuple[float, float]]:
    """Every point of a TrueType glyph's outline (on and off the curve), in font units.

    The bounds pdfium gives a glyph are those of its points as FreeType loads them, which are
    not always the bounds its ``glyf`` header states; composite glyphs are assembled from their
    components, moved and scaled as the component records say.

    Raises ``struct.error`` or ``IndexError`` for a glyph whose data is damaged: it is read
    within its own bytes only.
    """
    if glyph + 1 >= len(offsets) or depth > _MAX_NESTING:
        return []
    start, end = glyf + offsets[glyph], glyf + offsets[glyph + 1]
    if end <= start:
        return []
    piece = data[start:end]
    (contours,) = struct.unpack_from(">h", piece, 0)
    if contours >= 0:
        return _simple_points(piece, contours)
    return _composite_points(data, glyf, offsets, piece, depth)


def _simple_points(piece: bytes, contours: int) -> list[tuple[float, float]]:
    if contours == 0:
        return []
    ends = struct.unpack_from(f">{contours}H", piece, 10)
    count = ends[-1] + 1
    at = 10 + 2 * contours
    (instructions,) = struct.unpack_from(">H", piece, at)
    at += 2 + instructions
    flags: list[int] = []
    while len(flags) < count:
        flag = piece[at]
        at += 1
        flags.append(flag)
        if flag & 0x08:  # repeated
            flags.extend([flag] * piece[at])
            at += 1
    del flags[count:]
    xs, at = _coordinates(piece, at, flags, short=0x02, same=0x10)
    ys, _ = _coordinates(piece, at, flags, short=0x04, same=0x20)
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]


def _coordinates(
    data: bytes, at: int, flags: list[int], *, short: int, same: int
) -> tuple[list[int], int]:
    values: list[int] = []
    value = 0
    for flag in flags:
        if flag & short:
            delta = data[at]
            at += 1
            value += delta if flag & same else -delta
        elif not flag & same:
            (delta,) = struct.unpack_from(">h", data, at)
            at += 2
            value += delta
        values.append(value)
    return values, at


def _composite_points(
    data: bytes, glyf: int, offsets: list[int], piece: bytes, depth: int
) -> list[tuple[float, float]]:
    at = 10
    found: list[tuple[float, float]] = []
    while True:
        flags, glyph = struct.unpack_from(">HH", piece, at)
        at += 4
        signed = flags & _ARGS_ARE_XY
        if flags & _ARGS_ARE_WORDS:
            args = struct.unpack_from(">hh" if signed else ">HH", piece, at)
            at += 4
        else:
            args = struct.unpack_from(">bb" if signed else ">BB", piece, at)
            at += 2
        a, b, c, d = 1.0, 0.0, 0.0, 1.0
        if flags & _HAVE_SCALE:
            a = d = struct.unpack_from(">h", piece, at)[0] / 16384
            at += 2
        elif flags & _HAVE_XY_SCALE:
            a, d = (value / 16384 for value in struct.unpack_from(">hh", piece, at))
            at += 4
        elif flags & _HAVE_2X2:
            a, b, c, d = (value / 16384 for value in struct.unpack_from(">hhhh", piece, at))
            at += 8
        part = [(a * x + c * y, b * x + d * y)
                for x, y in glyph_points(data, glyf, offsets, glyph, depth + 1)]
        dx, dy = _offset(args, signed, found, part)
        found.extend((x + dx, y + dy) for x, y in part)
        if not flags & _MORE_COMPONENTS:
            return found


def _offset(
    args: tuple[int, ...], signed: int, found: list[tuple[float, float]],
    part: list[tuple[float, float]],
) -> tuple[float, float]:
    """A component's offset: given, or the distance between two points that must meet."""
    if signed:
        return float(args[0]), float(args[1])
    ours, theirs = args
    if ours < len(found) and theirs < len(part):
        return found[ours][0] - part[theirs][0], found[ours][1] - part[theirs][1]
    return 0.0, 0.0
