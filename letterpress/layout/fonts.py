"""The letter's four font styles: registered with ReportLab once per process, measured, checked.

A letterhead may name its own TrueType fonts; otherwise the bundled Liberation Sans is used.
Every font is embedded as a subset, so no standard (unembedded) font ever reaches the PDF.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from letterpress.errors import LetterError
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
    """ReportLab names of the four styles, and the files they came from. One object per set
    of font files in a process, compared by identity (so it can key caches)."""

    names: dict[Style, str]
    files: dict[Style, Path]

    def name(self, bold: bool = False, italic: bool = False) -> str:
        return self.names[_style(bold, italic)]

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
    names: dict[Style, str] = {}
    for style, path in zip(STYLES, paths, strict=True):
        names[style] = _register(path, source)
    return FontSet(names, dict(zip(STYLES, paths, strict=True)))


@lru_cache(maxsize=32)
def _register(path: Path, source: Path | None) -> str:
    """Register one TrueType file under a name derived from its content (stable across runs)."""
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
        font = TTFont(name, path)
    except (TTFError, OSError, ValueError) as exc:
        raise LetterError.at(
            source, None, "fonts", f"{path} is not a usable TrueType font: {exc}"
        ) from None
    pdfmetrics.registerFont(font)
    return name


@lru_cache(maxsize=16)
def _coverage(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


@lru_cache(maxsize=65536)
def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)
