"""Preflight: is a PDF (a letter, or an attachment from elsewhere) fit for central print and
digital mailboxes?

The rules are those of Digdir's print service, Digipost and SvarUt: A4 portrait, PDF 1.4–1.7,
every font embedded, no encryption, nothing left of 18 mm (control marks) and in particular
nothing in the barcode zone, nothing within 10 mm of an edge, and a file small enough to send.
Each problem becomes one :class:`Finding` naming the page and, for content in a forbidden area,
where on the page it is (mm from the top-left corner).
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from letterpress.errors import Problem
from letterpress.geometry import (
    BARCODE_ZONE,
    CONTROL_MARK_MARGIN,
    EDGE_MARGIN,
    MM,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Box,
)

SIZE_TOLERANCE = 1.0
"""How far (mm) a page may differ from A4 and still count as A4."""

POSITION_TOLERANCE = 0.05
"""Rounding noise (mm) in object bounds; content exactly on a boundary is allowed."""

VERSIONS = ("1.4", "1.5", "1.6", "1.7")

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Digital mailboxes charge by size and recipients download the file; a letter larger than this
almost always carries images at print resolution that nobody needs."""

_BARCODE = (
    f"in the barcode zone (x {BARCODE_ZONE.x:g}–{BARCODE_ZONE.right:g} mm, "
    f"y {BARCODE_ZONE.y:g}–{BARCODE_ZONE.bottom:g} mm)"
)
_CONTROL = f"left of {CONTROL_MARK_MARGIN:g} mm, where central print puts its control marks"


@dataclass(frozen=True)
class Finding:
    """One reason a PDF may be refused or mangled by central print or a digital mailbox."""

    path: Path
    message: str
    page: int | None = None
    x: float | None = None
    y: float | None = None

    def __str__(self) -> str:
        parts = [str(self.path)]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.x is not None and self.y is not None:
            parts.append(f"x {self.x:.1f} mm, y {self.y:.1f} mm")
        parts.append(self.message)
        return ": ".join(parts)

    def as_problem(self) -> Problem:
        """The finding as a warning, for front ends that report ``Problem``s."""
        where = str(self).removeprefix(f"{self.path}: ")
        return Problem(self.path, None, "", where, warning=True)


def preflight(path: Path) -> list[Finding]:
    """Check the PDF file at ``path``; an empty list means it is fit to send."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [Finding(path, f"cannot read the file: {exc.strerror}")]
    return preflight_bytes(data, path)


def preflight_bytes(
    data: bytes, path: Path, *, max_bytes: int | None = MAX_FILE_BYTES
) -> list[Finding]:
    """Check a PDF held in memory; ``path`` only names it in the findings.

    ``max_bytes=None`` leaves out the size check (a print run for a print shop is large).
    """
    import pikepdf

    path = Path(path)
    findings = _file_size(data, path, max_bytes) if max_bytes is not None else []
    if b"%PDF-" not in data[:1024]:
        return [*findings, Finding(path, "not a PDF (it does not begin with %PDF-); name a PDF")]
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return [*findings, Finding(path, "the file needs a password to open; "
                                         "save it without a password or encryption")]
    except pikepdf.PdfError as exc:
        # qpdf starts its message with the stream's name, which here is a memory buffer.
        detail = str(exc).rsplit(": ", 1)[-1].strip() or "unreadable"
        return [*findings, Finding(path, f"not a readable PDF ({detail}); export it again")]
    with pdf:
        findings += _version(pdf, path)
        findings += _encryption(pdf, path)
    findings += _pages(data, path)
    return findings


def _file_size(data: bytes, path: Path, max_bytes: int) -> list[Finding]:
    if len(data) <= max_bytes:
        return []
    return [Finding(
        path,
        f"the file is {len(data) / 1024 / 1024:.1f} MB; keep it under "
        f"{max_bytes // 1024 // 1024} MB (scale images down to 300 dpi or less)",
    )]


def _version(pdf: Any, path: Path) -> list[Finding]:
    # The catalog's /Version overrides the header when it is later (ISO 32000-1, 7.7.2).
    version = str(pdf.pdf_version)
    catalog = pdf.Root.get("/Version")
    if catalog is not None and _version_key(str(catalog).lstrip("/")) > _version_key(version):
        version = str(catalog).lstrip("/")
    if version in VERSIONS:
        return []
    return [Finding(
        path, f"PDF version {version}; central print takes PDF 1.4–1.7 (export as PDF/A-2 or 1.7)"
    )]


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


def _encryption(pdf: Any, path: Path) -> list[Finding]:
    if not pdf.is_encrypted:
        return []
    return [Finding(path, "the file is encrypted; save it without encryption or restrictions")]


def _pages(data: bytes, path: Path, first: int = 0) -> list[Finding]:
    """Findings on the pages from number ``first + 1`` on, as pdfium reads them."""
    import pypdfium2 as pdfium

    findings: list[Finding] = []
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return [Finding(path, f"the pages cannot be read ({exc})")]
    fonts_reported: set[str] = set()
    try:
        for index in range(first, len(document)):
            page = document[index]
            try:
                findings += _page_size(page, index + 1, path)
                findings += _content(page, index + 1, path, fonts_reported)
            except pdfium.PdfiumError as exc:
                findings.append(Finding(path, f"the page cannot be read ({exc})", page=index + 1))
            finally:
                page.close()
    finally:
        document.close()
    return findings


def _content(page: Any, number: int, path: Path, reported: set[str]) -> list[Finding]:
    """What the page draws, read once: content in forbidden areas, and fonts not embedded."""
    import pypdfium2.raw as raw

    fonts = _FontCheck(number, path, reported)
    placement = _PdfiumPlacement(page)
    for obj, kind in _visible_objects(page):
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            fonts.check(obj)
        placement.check(obj, kind)
    return placement.findings(number, path) + fonts.findings


class _FontCheck:
    """Fonts that visible text uses and the file does not carry, each named once.

    Fonts are found through the text drawn, not the pages' resource dictionaries: those often
    list fonts no text uses (ReportLab always lists Helvetica), which print does not need.
    """

    def __init__(self, number: int, path: Path, reported: set[str]) -> None:
        self.number, self.path, self.reported = number, path, reported
        self.seen: set[int | None] = set()
        """pdfium's handles of the fonts already looked at on this page."""
        self.findings: list[Finding] = []

    def check(self, obj: Any) -> None:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        raw_font = raw.FPDFTextObj_GetFont(obj)
        handle = ctypes.cast(raw_font, ctypes.c_void_p).value
        if handle in self.seen:
            return  # a page's text runs share a handful of fonts; each is looked at once
        self.seen.add(handle)
        font = pdfium.PdfFont(raw_font, obj, needs_free=False)  # as PdfTextObj.get_font makes it
        if font.is_embedded:
            return
        name = _font_name(font.get_base_name())
        if name in self.reported:
            return
        self.reported.add(name)
        self.findings.append(Finding(
            self.path, f"the font {name} is not embedded; export with all fonts embedded",
            page=self.number,
        ))


def _font_name(name: str) -> str:
    # A subset font's name starts with six capitals and a plus: ABCDEF+LiberationSans.
    prefix, plus, rest = name.partition("+")
    return rest if plus and len(prefix) == 6 and prefix.isupper() else name


def _page_size(page: Any, number: int, path: Path) -> list[Finding]:
    width, height = (value / MM for value in page.get_size())
    if abs(width - PAGE_WIDTH) <= SIZE_TOLERANCE and abs(height - PAGE_HEIGHT) <= SIZE_TOLERANCE:
        return []
    size = f"{width:.1f} × {height:.1f} mm"
    if abs(width - PAGE_HEIGHT) <= SIZE_TOLERANCE and abs(height - PAGE_WIDTH) <= SIZE_TOLERANCE:
        message = f"the page is A4 landscape ({size}); central print takes A4 portrait only"
    else:
        message = f"the page is {size}; central print takes A4 portrait (210 × 297 mm) only"
    return [Finding(path, message, page=number)]


@dataclass(frozen=True)
class _Rule:
    """A forbidden area of the page and how to name content found in it."""

    name: str
    box: Box


def _rules(width: float, height: float) -> list[_Rule]:
    """The forbidden areas of a page, most specific first.

    The left edge strip is not a rule of its own: the control-mark margin (18 mm) covers it.
    """
    edge = f"within {EDGE_MARGIN:g} mm of the"
    return [
        _Rule(_BARCODE, BARCODE_ZONE),
        _Rule(_CONTROL, Box(0, 0, CONTROL_MARK_MARGIN, height)),
        _Rule(f"{edge} top edge", Box(0, 0, width, EDGE_MARGIN)),
        _Rule(f"{edge} right edge", Box(width - EDGE_MARGIN, 0, EDGE_MARGIN, height)),
        _Rule(f"{edge} bottom edge", Box(0, height - EDGE_MARGIN, width, EDGE_MARGIN)),
    ]


@dataclass
class _Hit:
    """Where content of one kind first breaks one rule on a page, and how often it does."""

    kind: str
    rule: str
    x: float
    y: float
    count: int = 1


class Placement:
    """Visible content in a page's forbidden areas, one hit per kind of content and rule.

    Boxes are added in the order the page draws them: the first hit of a kind and rule is the
    finding's position unless a later one lies higher up (or as high and further left).
    """

    def __init__(self, width: float, height: float) -> None:
        self.limits = _limits(_rules(width, height))
        self.hits: dict[tuple[str, str], _Hit] = {}

    def add(self, kind: str, box: Box) -> None:
        """Content of ``kind`` (text, image, graphics...) drawn in ``box`` (mm, from the top-left
        corner of the page as seen)."""
        for rule in _broken_rules(box, self.limits):
            part = _intersection(box, rule.box)
            key = (kind, rule.name)
            hit = self.hits.get(key)
            if hit is None:
                self.hits[key] = _Hit(kind, rule.name, part.x, part.y)
                continue
            hit.count += 1
            if (part.y, part.x) < (hit.y, hit.x):
                hit.x, hit.y = part.x, part.y

    def findings(self, number: int, path: Path) -> list[Finding]:
        return [_finding(hit, number, path) for hit in self.hits.values()]


class _PdfiumPlacement(Placement):
    """A page's placement read from pdfium's objects."""

    def __init__(self, page: Any) -> None:
        super().__init__(*(value / MM for value in page.get_size()))
        self.crop = page.get_cropbox()
        self.rotation = page.get_rotation()
        self.edges = [ctypes.c_float() for _ in range(4)]

    def check(self, obj: Any, kind: int) -> None:
        import pypdfium2.raw as raw

        left, bottom, right, top = self.edges
        if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            return  # pdfium cannot place it (e.g. an empty path); nothing is drawn
        bounds = (left.value, bottom.value, right.value, top.value)
        box = _to_page_box(_in_page_space(obj, bounds), self.crop, self.rotation)
        if box.width < 0 or box.height < 0:
            return
        self.add(_KINDS.get(kind, "content"), box)


def _finding(hit: _Hit, number: int, path: Path) -> Finding:
    more = f" (and {hit.count - 1} more on this page)" if hit.count > 1 else ""
    return Finding(path, f"{hit.kind} {hit.rule}{more}", page=number, x=hit.x, y=hit.y)


def _limits(rules: list[_Rule]) -> list[tuple[_Rule, float, float, float, float]]:
    """Each rule with its box's left, right, top and bottom edges, the last two less the
    tolerance, worked out once per page (a letter's page has a hundred text runs)."""
    t = POSITION_TOLERANCE
    return [(r, r.box.x, r.box.right - t, r.box.y, r.box.bottom - t) for r in rules]


def _broken_rules(box: Box, limits: list[tuple[_Rule, float, float, float, float]]) -> list[_Rule]:
    """The rules whose area ``box`` overlaps by more than the tolerance."""
    t = POSITION_TOLERANCE
    x, right, y, bottom = box.x, box.right - t, box.y, box.bottom - t
    broken = [
        rule
        for rule, left_edge, right_edge, top_edge, bottom_edge in limits
        if x < right_edge and left_edge < right and y < bottom_edge and top_edge < bottom
    ]
    # Content in the barcode zone is also left of 18 mm; say only the more specific thing.
    if broken and broken[0].name == _BARCODE:
        broken = [rule for rule in broken if rule.name != _CONTROL]
    return broken


def _intersection(a: Box, b: Box) -> Box:
    x, y = max(a.x, b.x), max(a.y, b.y)
    return Box(x, y, min(a.right, b.right) - x, min(a.bottom, b.bottom) - y)


_KINDS = {1: "text", 2: "graphics", 3: "image", 4: "shading"}


def _visible_objects(page: Any) -> Iterator[tuple[Any, int]]:
    """Every visible text, image, path and shading object with its type, inside forms too."""
    import pypdfium2.raw as raw

    for obj, kind in _objects(page):
        if kind != raw.FPDF_PAGEOBJ_FORM and _is_visible(obj, kind):
            yield obj, kind


def _objects(page: Any) -> Iterable[tuple[Any, int]]:
    """The page's objects and their types: pdfium's own handles when the page holds no form
    XObject (a letter's pages: no wrapper object per text run), else pypdfium2's objects,
    which descend into forms and know the form each object is in."""
    import pypdfium2.raw as raw

    handles = [raw.FPDFPage_GetObject(page, i) for i in range(raw.FPDFPage_CountObjects(page))]
    kinds = [raw.FPDFPageObj_GetType(handle) for handle in handles]
    if raw.FPDF_PAGEOBJ_FORM not in kinds:
        return zip(handles, kinds, strict=True)
    return ((obj, obj.type) for obj in page.get_objects())


def _in_page_space(obj: Any, bounds: tuple[float, ...]) -> tuple[float, ...]:
    """pdfium gives an object's bounds in its form XObject's space; apply each form's matrix."""
    container = getattr(obj, "container", None)  # None for a handle: the page holds it
    while container is not None:
        bounds = container.get_matrix().on_rect(*bounds)
        container = container.container
    return bounds


def _is_visible(obj: Any, kind: int) -> bool:
    """False for invisible text (OCR layers of scans) and paths that paint nothing or only white."""
    import pypdfium2.raw as raw

    if kind == raw.FPDF_PAGEOBJ_TEXT:
        return bool(raw.FPDFTextObj_GetTextRenderMode(obj) != raw.FPDF_TEXTRENDERMODE_INVISIBLE)
    if kind != raw.FPDF_PAGEOBJ_PATH:
        return True
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
        return True
    if stroke.value:
        return True
    if fill_mode.value == raw.FPDF_FILLMODE_NONE:
        return False
    return not _is_white_fill(obj)


def _is_white_fill(obj: Any) -> bool:
    import pypdfium2.raw as raw

    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return False
    return a.value == 0 or (r.value, g.value, b.value) == (255, 255, 255)


def _to_page_box(bounds: tuple[float, ...], crop: tuple[float, ...], rotation: int) -> Box:
    """PDF user-space bounds to a box in mm from the top-left corner of the page as seen."""
    left, bottom, right, top = bounds
    c_left, c_bottom, c_right, c_top = crop
    if rotation == 90:
        x0, x1, y0, y1 = bottom - c_bottom, top - c_bottom, left - c_left, right - c_left
    elif rotation == 180:
        x0, x1, y0, y1 = c_right - right, c_right - left, bottom - c_bottom, top - c_bottom
    elif rotation == 270:
        x0, x1, y0, y1 = c_top - top, c_top - bottom, c_right - right, c_right - left
    else:
        x0, x1, y0, y1 = left - c_left, right - c_left, c_top - top, c_top - bottom
    return Box(x0 / MM, y0 / MM, (x1 - x0) / MM, (y1 - y0) / MM)
