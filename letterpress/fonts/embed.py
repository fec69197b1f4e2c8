"""Embedding font subsets without cutting the same subset twice in one process.

ReportLab cuts a TrueType subset for every document it saves: the glyph program of the
characters used, their widths and a ToUnicode map, each compressed again. For a letter that is
about a third of painting it. Letters of a batch use nearly the same characters (ASCII is always
part of subset 0, and Norwegian adds a handful of letters), so the embedded objects of a subset
are kept per process, keyed by the subset's character codes in order. The PDF objects are the
ones ReportLab writes; only their content is reused.

Each subset is named by a tag taken from its compressed font program (``fonts/tags.py``), worked
out once when the subset is first made rather than for every letter that embeds it.

``reserve_codes`` gives the characters a document uses outside ASCII their codes in sorted order
before anything is drawn, instead of in the order of first use, so that two letters that use the
same characters (two recipients of a merge, whose names differ) get the same subsets.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any
from weakref import WeakKeyDictionary

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    SUBSETN,
    TTEncoding,
    TTFont,
    TTFontFace,
    makeToUnicodeCMap,
)

from letterpress.fonts.tags import subset_tag

SUBSETS_KEPT = 48
"""Subsets kept per font: enough for the character sets of a varied batch; each is 15-40 KB."""

_NOT_TEXT = 0
"""The code ReportLab gives unused places of subset 0; no text maps to U+0000 (PDF/A-2a)."""


@dataclass(frozen=True)
class _Subset:
    """What a subset embeds, compressed and formatted once."""

    program: bytes
    program_length: int
    cmap: bytes
    widths: bytes
    tag: str
    """The subset's tag, from ``program`` (what the PDF stores)."""


class _Formatted(pdfdoc.PDFObject):
    """A PDF object whose bytes are already known."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


class SubsetCachingFont(TTFont):
    """A TrueType font that embeds each distinct subset's objects from a per-process cache."""

    def __init__(self, name: str, source: Any) -> None:
        super().__init__(name, source)
        self._made: OrderedDict[tuple[int, ...], _Subset] = OrderedDict()
        """Subset number and codes -> what that subset embeds; the least recently used go."""

    @classmethod
    def with_face(cls, name: str, face: TTFontFace) -> SubsetCachingFont:
        """The font ``name`` of a face already read (``fonts.parsed``): what ``TTFont``'s own
        constructor sets, without parsing the file again."""
        font = cls.__new__(cls)
        font.fontName = name
        font.face = face
        font.encoding = TTEncoding()
        font.state = WeakKeyDictionary()
        font._asciiReadable = rl_config.ttfAsciiReadable  # type: ignore[attr-defined]
        unshaped: list[str] = rl_config.unShapedFontGlob or []
        font.shapable = not any(fnmatch(name, glob) for glob in unshaped)
        font._made = OrderedDict()
        return font

    def addObjects(self, doc: Any) -> None:  # ReportLab calls it by this name
        """ReportLab's ``TTFont.addObjects``, with each subset's content made once."""
        readable = self._asciiReadable  # type: ignore[attr-defined]  # set by TTFont.__init__
        state = self.state.get(doc) or TTFont.State(readable)
        state.frozen = 1
        for number, codes in enumerate(state.subsets):
            internal = self.getSubsetInternalName(number, doc)[1:]
            family = b"".join((self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            # ReportLab's name of the subset: inside its ToUnicode map, and its objects' keys.
            base_name = SUBSETN(number).decode("pdfdoc") + "+" + family
            made = self._subset(number, tuple(codes), base_name)
            font: Any = pdfdoc.PDFTrueTypeFont()  # the stubs do not know its attributes
            font.__Comment__ = f"Font {self.fontName} subset {number}"
            font.Name = internal
            font.BaseFont = tagged = f"{made.tag}+{family}"
            font.FirstChar = 0
            font.LastChar = len(codes) - 1
            font.Widths = _Formatted(made.widths)
            font.ToUnicode = doc.Reference(_flate(made.cmap), "toUnicodeCMap:" + base_name)
            font.FontDescriptor = self._descriptor(doc, base_name, tagged, made)
            doc.Reference(font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = font
        self.state.pop(doc, None)

    def _subset(self, number: int, codes: tuple[int, ...], base_name: str) -> _Subset:
        # The subset's number names it (base_name), and the name is inside its ToUnicode map.
        key = (number, *codes)
        made = self._made.get(key)
        if made is not None:
            self._made.move_to_end(key)
            return made
        face: Any = self.face  # the stubs leave getCharWidth untyped
        program = face.makeSubset(list(codes))
        mapped = [(i, c) for i, c in enumerate(codes) if c != _NOT_TEXT]
        compressed = zlib.compress(program)
        made = _Subset(
            program=compressed,
            program_length=len(program),
            cmap=zlib.compress(_cmap(base_name, codes, mapped).encode("latin-1")),
            widths=b"[" + b" ".join(b"%d" % face.getCharWidth(c) for c in codes) + b"]",
            tag=subset_tag(compressed),
        )
        self._made[key] = made
        if len(self._made) > SUBSETS_KEPT:
            self._made.popitem(last=False)
        return made

    def _descriptor(self, doc: Any, base_name: str, tagged: str, made: _Subset) -> Any:
        program = _flate(made.program)
        program.dictionary["Length1"] = made.program_length
        program_ref = doc.Reference(program, f"fontFile:{self.face.filename}({base_name})")
        face = self.face
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(tagged),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": program_ref,
                "MissingWidth": face.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + base_name)


def _flate(compressed: bytes) -> Any:
    """A stream whose content is already Flate-compressed (ReportLab leaves it as it is)."""
    stream = pdfdoc.PDFStream(content=compressed)
    stream.dictionary["Filter"] = pdfdoc.PDFName("FlateDecode")
    return stream


def _cmap(base_name: str, codes: tuple[int, ...], mapped: list[tuple[int, int]]) -> str:
    """ReportLab's ToUnicode map of the subset, without the unused codes it maps to U+0000."""
    full = makeToUnicodeCMap(base_name, list(codes))
    head, _, rest = full.partition(f"{len(codes)} beginbfchar\n")
    _, _, tail = rest.partition("endbfchar")
    pairs = "\n".join(f"<{i:02X}> <{c:04X}>" for i, c in mapped)
    return f"{head}{len(mapped)} beginbfchar\n{pairs}\nendbfchar{tail}"


def reserve_codes(doc: Any, texts: Iterable[tuple[str, str]]) -> None:
    """Give each font's characters outside ASCII their codes in ``doc`` in sorted order.

    ``texts`` are (font name, text) pairs of everything the document will draw.
    """
    from reportlab.pdfbase import pdfmetrics

    used: dict[str, set[str]] = {}
    for font, text in texts:
        used.setdefault(font, set()).update(text)
    for name, chars in sorted(used.items()):
        registered = pdfmetrics.getFont(name)
        if isinstance(registered, TTFont):
            registered.splitString("".join(sorted(c for c in chars if ord(c) > 127)), doc)
