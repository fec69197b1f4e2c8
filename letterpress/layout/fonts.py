"""The letter's four font styles: registered with ReportLab once per process, measured, checked.

A letterhead may name its own TrueType fonts; otherwise the bundled Liberation Sans is used.
Every font is embedded as a subset, so no standard (unembedded) font ever reaches the PDF.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from letterpress.errors import LetterError
from letterpress.layout.dehint import NotTrueType, without_hinting
from letterpress.model import Letterhead

Style = Literal["regular", "bold", "italic", "bold_italic"]
STYLES: tuple[Style, ...] = ("regular", "bold", "italic", "bold_italic")
DEFAULT_FILES = {
    "regular": "LiberationSans-Regular.ttf",
    "bold": "LiberationSans-Bold.ttf",
    "italic": "LiberationSans-Italic.ttf",
    "bold_italic": "LiberationSans-BoldItalic.ttf",
}


def bundled_font_dir() -> Path:
    """Where the bundled fonts are: inside the installed package, or in a source checkout."""
    installed = Path(str(resources.files("letterpress") / "_fonts"))
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "fonts"


@dataclass(frozen=True, eq=False)
class FontSet:
    """The four styles' font files, registered with ReportLab when first used (parsing a
    TrueType file costs tens of milliseconds, and most letters never use bold italic). One
    object per set of files in a process, compared by identity, so it can key caches."""

    files: dict[Style, Path]
    source: Path | None = None
    """The letterhead that names the fonts, for error messages."""

    def name(self, bold: bool = False, italic: bool = False) -> str:
        """The ReportLab name of the style."""
        return register_font(self.files[_style(bold, italic)], self.source)

    def width(self, text: str, font: str, size: float) -> float:
        """Width of ``text`` in points."""
        return _width(text, font, size)

    def missing(self, text: str, bold: bool = False, italic: bool = False) -> str | None:
        """The first character of ``text`` the style cannot show, or None."""
        covered = _coverage(self.name(bold, italic))
        for char in text:
            if ord(char) not in covered and char not in "\n\t\r":
                return char
        return None


def _style(bold: bool, italic: bool) -> Style:
    if bold and italic:
        return "bold_italic"
    if bold:
        return "bold"
    if italic:
        return "italic"
    return "regular"


def font_set(letterhead: Letterhead) -> FontSet:
    """The fonts of ``letterhead`` (or the bundled ones), registered with ReportLab."""
    files = _files(letterhead)
    return _font_set(tuple(files[s] for s in STYLES), letterhead.source)


def _files(letterhead: Letterhead) -> dict[Style, Path]:
    bundled = bundled_font_dir()
    if letterhead.fonts is None:
        return {s: bundled / DEFAULT_FILES[s] for s in STYLES}
    chosen = letterhead.fonts
    regular = chosen.regular
    return {
        "regular": regular,
        "bold": chosen.bold or regular,
        "italic": chosen.italic or regular,
        "bold_italic": chosen.bold_italic or chosen.bold or regular,
    }


@lru_cache(maxsize=16)
def _font_set(paths: tuple[Path, ...], source: Path | None) -> FontSet:
    return FontSet(dict(zip(STYLES, paths, strict=True)), source)


def regular_font() -> Path:
    """The bundled regular font file."""
    return bundled_font_dir() / DEFAULT_FILES["regular"]


@lru_cache(maxsize=32)
def register_font(path: Path, source: Path | None = None) -> str:
    """Register one TrueType file with ReportLab, once per process, under a name derived from
    its content (stable across runs); errors name ``source``, the file that chose the font."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LetterError.at(
            source, None, "fonts", f"cannot read font {path}: {exc.strerror}"
        ) from None
    digest = hashlib.sha1(data).hexdigest()[:8]
    name = f"{path.stem.replace(' ', '')}-{digest}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = TTFont(name, io.BytesIO(_embeddable(data)))
    except MemoryError:
        raise
    except (TTFError, OSError, ValueError, Exception) as exc:  # struct.error on damaged data
        raise LetterError.at(
            source, None, "fonts", f"{path} is not a usable TrueType font: {exc}"
        ) from None
    pdfmetrics.registerFont(font)
    if pdfmetrics.getFont(name) is not font:
        # ReportLab maps a font whose PostScript name it has seen before onto the first such
        # font registered; letterpress needs this very file (without hinting, or a
        # letterhead's own version of a font), so the mapping is set right.
        pdfmetrics._fonts[name] = font
    return name


def _embeddable(data: bytes) -> bytes:
    """The font as it is embedded: without hinting, which print does not use."""
    try:
        return without_hinting(data)
    except NotTrueType:
        return data


@lru_cache(maxsize=16)
def _coverage(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


@lru_cache(maxsize=65536)
def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)
