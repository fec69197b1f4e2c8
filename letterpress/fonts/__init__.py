"""fonts: the letter's four font styles, registered with ReportLab once per process, measured,
checked. Shared by load (address widths), layout and finish (overlay, signature stamp).

A letterhead may name its own TrueType fonts; otherwise the bundled Liberation Sans is used.
Every font is embedded as a subset, so no standard (unembedded) font ever reaches the PDF.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from letterpress.errors import LetterError
from letterpress.filekey import FileKey, cache_dir, file_key
from letterpress.fonts import dehint
from letterpress.fonts.dehint import NotTrueType, without_hinting

# ReportLab is imported where a font is registered or measured for painting, so that checking a
# letter (which measures with ``fonts.metrics``) never loads it.
from letterpress.model import Letterhead
from letterpress.output import write_atomic

Style = Literal["regular", "bold", "italic", "bold_italic"]
STYLES: tuple[Style, ...] = ("regular", "bold", "italic", "bold_italic")
DEFAULT_FILES = {
    "regular": "LiberationSans-Regular.ttf",
    "bold": "LiberationSans-Bold.ttf",
    "italic": "LiberationSans-Italic.ttf",
    "bold_italic": "LiberationSans-BoldItalic.ttf",
}


@lru_cache(maxsize=1)
def bundled_font_dir() -> Path:
    """Where the bundled fonts are: inside the installed package, or in a source checkout.

    Looked up once per process: the package does not move while it runs, and every letter
    asks (the files themselves are still checked for changes by size and time)."""
    installed = Path(str(resources.files("letterpress") / "_fonts"))
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "fonts"


@dataclass(frozen=True, eq=False)
class FontSet:
    """The four styles' font files, registered with ReportLab when first used (parsing a
    TrueType file costs tens of milliseconds, and most letters never use bold italic). One
    object per set of files as they are on disk, compared by identity, so it can key caches; a
    file that changes gives a new set."""

    files: Mapping[Style, FileKey]
    source: Path | None = None
    """The letterhead that names the fonts, for error messages."""
    names: dict[tuple[bool, bool], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """The styles registered so far: a letter asks for a name about eighty times."""

    def name(self, bold: bool = False, italic: bool = False) -> str:
        """The ReportLab name of the style."""
        found = self.names.get((bold, italic))
        if found is None:
            found = _register(self.files[_style(bold, italic)], self.source)
            self.names[bold, italic] = found
        return found

    def width(self, text: str, font: str, size: float) -> float:
        """Width of ``text`` in points."""
        return _width(text, font, size)

    def missing(self, text: str, bold: bool = False, italic: bool = False) -> str | None:
        """The first character of ``text`` the style cannot show, or None. The font's cmap is
        read without ReportLab, so ``check`` finds missing characters without loading it."""
        from letterpress.fonts.dehint import NotTrueType

        try:
            shown = _shown(self.files[_style(bold, italic)])
        except (OSError, NotTrueType):
            shown = _shown_by_reportlab(self.name(bold, italic))
        if shown.issuperset(text):
            return None  # the usual answer, found without a Python loop over the text
        return next(char for char in text if char not in shown)


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
    return _font_set(tuple(_key(files[s]) for s in STYLES), letterhead.source)


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
def _font_set(keys: tuple[FileKey, ...], source: Path | None) -> FontSet:
    return FontSet(MappingProxyType(dict(zip(STYLES, keys, strict=True))), source)


def _key(path: Path) -> FileKey:
    """The cache key of a font file; one that cannot be read is reported when it is used."""
    try:
        return file_key(path)
    except OSError:
        return FileKey(path, -1, -1)


def regular_font() -> Path:
    """The bundled regular font file."""
    return bundled_font_dir() / DEFAULT_FILES["regular"]


def register_font(path: Path, source: Path | None = None) -> str:
    """Register one TrueType file with ReportLab, once while it is unchanged, under a name
    derived from its content (stable across runs); errors name ``source``, the file that chose
    the font."""
    return _register(_key(path), source)


@lru_cache(maxsize=32)
def _register(key: FileKey, source: Path | None) -> str:
    from reportlab.pdfbase import pdfmetrics

    from letterpress.fonts.parsed import parsed_font

    path = key.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LetterError.at(
            source, None, "fonts", f"cannot read font {path}: {exc.strerror}"
        ) from None
    digest = hashlib.sha1(data).hexdigest()
    name = f"{path.stem.replace(' ', '')}-{digest[:8]}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = parsed_font(name, _embeddable(data, digest))
    except MemoryError:
        raise
    except Exception as exc:  # TTFError, OSError, struct.error ...: any damage to the file
        raise LetterError.at(
            source, None, "fonts", f"{path} is not a usable TrueType font: {exc}"
        ) from None
    pdfmetrics.registerFont(font)
    registered: object = pdfmetrics.getFont(name)
    if registered is not font:
        # ReportLab maps a font whose PostScript name it has seen before onto the first such
        # font registered; letterpress needs this very file (without hinting, or a
        # letterhead's own version of a font), so the mapping is set right.
        pdfmetrics._fonts[name] = font  # type: ignore[attr-defined]  # ReportLab's own table
    return name


def _embeddable(data: bytes, digest: str) -> bytes:
    """The font as it is embedded: without hinting, which print does not use.

    Removing the hinting takes about 15 ms a font, a third of what a one-letter command spends
    on its fonts, so the result is kept in the cache folder, named by the font's content and
    the version of the code that made it, and checked by its digest when read back.
    """
    stored = _stored(digest)
    found = _read_stored(stored)
    if found is not None:
        return found
    try:
        font = without_hinting(data)
    except NotTrueType:
        return data
    with contextlib.suppress(OSError):
        write_atomic(stored, hashlib.sha1(font).digest() + font)
    return font


def _stored(digest: str) -> Path:
    try:
        code = file_key(Path(dehint.__file__))
        version = f"{code.size}|{code.mtime_ns}"
    except OSError:
        version = "?"
    key = hashlib.sha1(f"{digest}|{version}".encode()).hexdigest()[:16]
    return cache_dir() / f"font-{key}.ttf"


def _read_stored(path: Path) -> bytes | None:
    """The cached font, or None when there is none or it is not whole."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    font = data[_DIGEST_SIZE:]
    return font if font and hashlib.sha1(font).digest() == data[:_DIGEST_SIZE] else None


_DIGEST_SIZE = 20


@lru_cache(maxsize=16)
def _coverage(name: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = pdfmetrics.getFont(name)
    assert isinstance(font, TTFont)  # letterpress registers TrueType fonts only
    return frozenset(font.face.charToGlyph)


@lru_cache(maxsize=16)
def _shown(key: FileKey) -> frozenset[str]:
    """The characters of the font file's cmap, and the line breaks and tabs text may hold."""
    from letterpress.fonts.metrics import advances

    return _with_breaks(advances(key.path).per_char)


@lru_cache(maxsize=16)
def _shown_by_reportlab(name: str) -> frozenset[str]:
    """``_shown`` for a font the cmap reader does not understand, as ReportLab reads it."""
    return _with_breaks(_coverage(name))


def _with_breaks(codes: Iterable[int]) -> frozenset[str]:
    return frozenset(map(chr, codes)) | frozenset("\n\t\r")


@lru_cache(maxsize=65536)
def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.stringWidth(text, font, size)
