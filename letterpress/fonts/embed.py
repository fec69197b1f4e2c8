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

import re
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
        self._formatted: dict[int, _Objects] = {}
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
        font._formatted = {}
        return font

    def addObjects(self, doc: Any) -> None:  # ReportLab calls it by this name
        """ReportLab's ``TTFont.addObjects``, with each subset's content made once and its
        objects formatted once: per document only their references and names are filled in."""
        readable = self._asciiReadable  # type: ignore[attr-defined]  # set by TTFont.__init__
        state = self.state.get(doc) or TTFont.State(readable)
        state.frozen = 1
        family = b"".join((self.face.name, self.face.subfontNameX)).decode("pdfdoc")
        for number, codes in enumerate(state.subsets):
            internal = self.getSubsetInternalName(number, doc)[1:]
            # ReportLab's name of the subset: inside its ToUnicode map, and its objects' keys.
            base_name = SUBSETN(number).decode("pdfdoc") + "+" + family
            made = self._subset(number, tuple(codes), base_name)
            objects = self._objects(made, number, codes, family, base_name, doc)
            # The objects are registered in the order ReportLab's own addObjects uses, so they
            # get the same numbers.
            cmap = doc.Reference(_Formatted(objects.cmap), "toUnicodeCMap:" + base_name)
            program = doc.Reference(
                _Formatted(objects.program), f"fontFile:{self.face.filename}({base_name})"
            )
            descriptor = doc.Reference(
                _Filled(objects.descriptor, (program,)), "fontDescriptor:" + base_name
            )
            font = _Filled(objects.font, (_Name(internal), cmap, descriptor))
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

    def _objects(
        self, made: _Subset, number: int, codes: list[int], family: str, base_name: str, doc: Any
    ) -> _Objects:
        """The subset's objects as ReportLab formats them, made on the subset's first use.

        Formatting the same four objects (about a hundred dictionary entries) for every letter
        was a third of ReportLab's save; the bytes only differ in the object numbers and the
        font's resource name, which ``_Filled`` writes in. The painter's documents are not
        encrypted, so a stream's bytes do not depend on its object number either.
        """
        objects = self._formatted.get(id(made))
        if objects is not None and objects.made is made:
            return objects
        font: Any = pdfdoc.PDFTrueTypeFont()  # the stubs do not know its attributes
        font.Name = _NAME_SLOT
        font.BaseFont = tagged = f"{made.tag}+{family}"
        font.FirstChar = 0
        font.LastChar = len(codes) - 1
        font.Widths = _Formatted(made.widths)
        font.ToUnicode = _Slot(1)
        font.FontDescriptor = _Slot(2)
        program = _flate(made.program)
        program.dictionary["Length1"] = made.program_length
        objects = _Objects(
            made=made,
            cmap=_flate(made.cmap).format(doc),
            program=program.format(doc),
            descriptor=_template(self._descriptor(tagged, _Slot(0)).format(doc)),
            font=_template(font.format(doc).replace(b"/" + _NAME_SLOT.encode(), _marker(0))),
        )
        self._formatted[id(made)] = objects
        if len(self._formatted) > SUBSETS_KEPT:
            del self._formatted[next(iter(self._formatted))]
        return objects

    def _descriptor(self, tagged: str, program: Any) -> pdfdoc.PDFDictionary:
        face = self.face
        return pdfdoc.PDFDictionary(
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
                "FontFile2": program,
                "MissingWidth": face.defaultWidth,
            }
        )


_NAME_SLOT = "LetterpressResourceName"
"""Stands for the font's resource name (``F1+0``) while its dictionary is formatted once."""


def _marker(index: int) -> bytes:
    return b"\x00\x01%d\x01\x00" % index


_MARKER = re.compile(rb"\x00\x01(\d+)\x01\x00")


class _Slot(pdfdoc.PDFObject):
    """Where a value that differs per document goes in an object formatted once."""

    def __init__(self, index: int) -> None:
        self.index = index

    def format(self, document: Any) -> bytes:
        return _marker(self.index)


@dataclass(frozen=True)
class _Template:
    """Bytes of a formatted object split at its slots: ``parts[i]``, slot ``order[i]``, ..."""

    parts: tuple[bytes, ...]
    order: tuple[int, ...]


def _template(formatted: bytes) -> _Template:
    pieces = _MARKER.split(formatted)
    return _Template(tuple(pieces[0::2]), tuple(int(i) for i in pieces[1::2]))


class _Filled(pdfdoc.PDFObject):
    """An object formatted once (``_Template``) with this document's values in its slots."""

    __RefOnly__ = 1  # written as a reference wherever it is used, like the font it stands for

    def __init__(self, template: _Template, values: tuple[Any, ...]) -> None:
        self.template = template
        self.values = values

    def format(self, document: Any) -> bytes:
        parts = self.template.parts
        out = [parts[0]]
        for slot, part in zip(self.template.order, parts[1:], strict=True):
            out.append(self.values[slot].format(document))
            out.append(part)
        return b"".join(out)


class _Name(pdfdoc.PDFObject):
    """A PDF name, formatted as ReportLab formats a font's ``/Name``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def format(self, document: Any) -> bytes:
        return pdfdoc.PDFName(self.name).encode("latin-1")


@dataclass(frozen=True)
class _Objects:
    """A subset's four objects, formatted."""

    made: _Subset
    cmap: bytes
    program: bytes
    descriptor: _Template
    font: _Template


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
        # ASCII has its codes already (subset 0); a letter's text is nearly all ASCII, so the
        # few other characters are found by one scan rather than by a set of every character.
        used.setdefault(font, set()).update(_BEYOND_ASCII.findall(text))
    for name, chars in sorted(used.items()):
        registered = pdfmetrics.getFont(name)
        if isinstance(registered, TTFont):
            registered.splitString("".join(sorted(chars)), doc)


_BEYOND_ASCII = re.compile("[^\x00-\x7f]")
