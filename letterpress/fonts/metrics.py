"""Advance widths read straight from a TrueType file, without ReportLab.

Checking a letter (``letterpress check``, the address check of every build) needs the width of
a few address lines, not a font registered for embedding; reading ``cmap`` and ``hmtx`` takes a
millisecond where ReportLab's import and font parsing take a tenth of a second. The widths are
those ReportLab uses for the same file: the advance of the glyph a character maps to, the
advance of glyph 0 for a character the font lacks, and a no-break space as wide as a space.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from letterpress.filekey import FileKey, file_key
from letterpress.fonts.dehint import NotTrueType, _tables

UNICODE_SUBTABLES = ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
"""cmap subtables that map Unicode, the fullest first."""


@dataclass(frozen=True)
class Advances:
    """How far each character moves the pen, in thousandths of the font size."""

    per_char: Mapping[int, float]
    missing: float
    """The advance of glyph 0, drawn for a character the font lacks."""

    def width(self, text: str, size: float) -> float:
        """The width of ``text`` in points at ``size`` points."""
        get = self.per_char.get
        return sum(get(ord(char), self.missing) for char in text) * size / 1000


def advances(path: Path) -> Advances:
    """The advances of the TrueType file at ``path``, read once while the file is unchanged.

    Raises ``OSError`` when the file cannot be read and ``NotTrueType`` when it is not a
    TrueType font this reader understands."""
    return _advances(file_key(path))


@lru_cache(maxsize=16)
def _advances(key: FileKey) -> Advances:
    try:
        return _read(_tables(key.path.read_bytes()))
    except (struct.error, KeyError, IndexError, ZeroDivisionError) as exc:
        raise NotTrueType(f"unreadable font tables ({exc})") from None


def _read(tables: dict[bytes, bytes]) -> Advances:
    (units_per_em,) = struct.unpack_from(">H", tables[b"head"], 18)
    (glyph_count,) = struct.unpack_from(">H", tables[b"maxp"], 4)
    (long_metrics,) = struct.unpack_from(">H", tables[b"hhea"], 34)
    hmtx = tables[b"hmtx"]
    scale = 1000 / units_per_em
    glyph_advances = _glyph_advances(hmtx, glyph_count, long_metrics, scale)
    widths = {
        char: glyph_advances[glyph]
        for char, glyph in _char_to_glyph(tables[b"cmap"]).items()
        if 0 < glyph < glyph_count
    }
    if 0x20 in widths:
        widths[0xA0] = widths[0x20]
    elif 0xA0 in widths:
        widths[0x20] = widths[0xA0]
    return Advances(MappingProxyType(widths), glyph_advances[0])


def _glyph_advances(hmtx: bytes, glyph_count: int, long_metrics: int, scale: float) -> list[float]:
    """The advance of every glyph: its own ``hmtx`` entry, or for a glyph past the long metrics
    the last one's (the TrueType rule). The entries are read in one call, not one by one."""
    if long_metrics < 1:  # a broken table: read as the rule says, and fail where it fails
        return [
            struct.unpack_from(">H", hmtx, 4 * min(glyph, long_metrics - 1))[0] * scale
            for glyph in range(glyph_count)
        ]
    known = min(glyph_count, long_metrics)
    # Each long metric is an advance and a left side bearing; only the advances are kept.
    advances = struct.unpack_from(f">{2 * known}H", hmtx)[0::2]
    result = [advance * scale for advance in advances]
    if glyph_count > known:
        result += [advances[-1] * scale] * (glyph_count - known)
    return result


def _char_to_glyph(cmap: bytes) -> dict[int, int]:
    (count,) = struct.unpack_from(">H", cmap, 2)
    offsets: dict[tuple[int, int], int] = {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
        offsets.setdefault((platform, encoding), offset)
    for key in UNICODE_SUBTABLES:
        if key in offsets:
            (fmt,) = struct.unpack_from(">H", cmap, offsets[key])
            if fmt == 4:
                return _format_4(cmap, offsets[key])
            if fmt == 12:
                return _format_12(cmap, offsets[key])
    raise NotTrueType("no Unicode character map of format 4 or 12")


def _format_4(cmap: bytes, start: int) -> dict[int, int]:
    (segments,) = struct.unpack_from(">H", cmap, start + 6)
    segments //= 2
    ends = struct.unpack_from(f">{segments}H", cmap, start + 14)
    starts_at = start + 16 + 2 * segments
    starts = struct.unpack_from(f">{segments}H", cmap, starts_at)
    deltas = struct.unpack_from(f">{segments}h", cmap, starts_at + 2 * segments)
    range_at = starts_at + 4 * segments
    range_offsets = struct.unpack_from(f">{segments}H", cmap, range_at)
    glyphs: dict[int, int] = {}
    for i, (first, last, delta, range_offset) in enumerate(
        zip(starts, ends, deltas, range_offsets, strict=True)
    ):
        chars = range(first, min(last, 0xFFFE) + 1)
        if range_offset == 0:  # most segments: a glyph is the character plus the delta
            found = [(char + delta) & 0xFFFF for char in chars]
        else:  # the segment's glyphs stand in the glyph index array, read in one call
            where = range_at + 2 * i + range_offset
            stored = struct.unpack_from(f">{len(chars)}H", cmap, where)
            found = [(glyph + delta) & 0xFFFF if glyph else 0 for glyph in stored]
        glyphs.update((char, glyph) for char, glyph in zip(chars, found, strict=True) if glyph)
    return glyphs


def _format_12(cmap: bytes, start: int) -> dict[int, int]:
    (groups,) = struct.unpack_from(">I", cmap, start + 12)
    glyphs: dict[int, int] = {}
    for index in range(groups):
        first, last, glyph = struct.unpack_from(">III", cmap, start + 16 + 12 * index)
        for offset in range(min(last - first + 1, 0x110000)):
            glyphs[first + offset] = glyph + offset
    return glyphs
