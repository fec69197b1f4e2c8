"""TrueType fonts without their hinting programs, for embedding.

Hinting instructions tell a rasteriser how to snap outlines to a coarse pixel grid; printers
and PDF viewers scale the outlines and hardly use them, yet in Liberation Sans they are more
than half of every embedded subset. The font is rewritten in memory before ReportLab reads it:
the ``fpgm``, ``prep`` and ``cvt `` tables go, and every glyph loses its instructions. The
outlines, metrics and names are untouched, so text measures and looks the same.
"""

from __future__ import annotations

import itertools
import struct

HINTING_TABLES = (b"fpgm", b"prep", b"cvt ")
_MORE_COMPONENTS = 0x0020
_ARGS_ARE_WORDS = 0x0001
_HAVE_SCALE = 0x0008
_HAVE_XY_SCALE = 0x0040
_HAVE_2X2 = 0x0080
_HAVE_INSTRUCTIONS = 0x0100


class NotTrueType(ValueError):
    """The data is not a TrueType font this module can rewrite (kept as it is)."""


def without_hinting(data: bytes) -> bytes:
    """``data`` (a TrueType font) with its hinting removed; raises ``NotTrueType``."""
    tables = _tables(data)
    if b"glyf" not in tables or b"loca" not in tables or b"head" not in tables:
        raise NotTrueType("no glyf, loca or head table")
    head = bytearray(tables[b"head"])
    long_offsets = struct.unpack_from(">h", head, 50)[0] == 1
    glyf, loca = _strip_glyphs(tables[b"glyf"], tables[b"loca"], long_offsets)
    tables[b"glyf"], tables[b"loca"] = glyf, loca
    for tag in HINTING_TABLES:
        tables.pop(tag, None)
    struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
    tables[b"head"] = bytes(head)
    font = bytearray(_assemble(data[:4], tables))
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    head_offset = _table_offset(font, b"head")
    struct.pack_into(">I", font, head_offset + 8, adjustment)
    return bytes(font)


def _tables(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"true"):
        raise NotTrueType("not a TrueType font file")
    (count,) = struct.unpack_from(">H", data, 4)
    tables: dict[bytes, bytes] = {}
    for index in range(count):
        tag, _checksum_value, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if offset + length > len(data):
            raise NotTrueType(f"table {tag!r} runs past the end of the file")
        tables[tag] = data[offset : offset + length]
    return tables


def _strip_glyphs(glyf: bytes, loca: bytes, long_offsets: bool) -> tuple[bytes, bytes]:
    fmt = ">I" if long_offsets else ">H"
    scale = 1 if long_offsets else 2
    step = 4 if long_offsets else 2
    offsets = [struct.unpack_from(fmt, loca, i)[0] * scale for i in range(0, len(loca), step)]
    align = 4 if long_offsets else 2
    out = bytearray()
    new_offsets = []
    for start, end in itertools.pairwise(offsets):
        new_offsets.append(len(out))
        glyph = glyf[start:end]
        if glyph:
            out += _strip_glyph(glyph)
            out += b"\x00" * (-len(out) % align)
    new_offsets.append(len(out))
    if long_offsets:
        new_loca = struct.pack(f">{len(new_offsets)}I", *new_offsets)
    else:
        new_loca = struct.pack(f">{len(new_offsets)}H", *(o // 2 for o in new_offsets))
    return bytes(out), new_loca


def _strip_glyph(glyph: bytes) -> bytes:
    (contours,) = struct.unpack_from(">h", glyph, 0)
    if contours >= 0:
        at = 10 + 2 * contours
        (length,) = struct.unpack_from(">H", glyph, at)
        return glyph[:at] + b"\x00\x00" + glyph[at + 2 + length :]
    return _strip_composite(glyph)


def _strip_composite(glyph: bytes) -> bytes:
    out = bytearray(glyph)
    at = 10
    flags = _MORE_COMPONENTS
    last_flags_at = at
    while flags & _MORE_COMPONENTS:
        (flags,) = struct.unpack_from(">H", glyph, at)
        last_flags_at = at
        at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        if flags & _HAVE_SCALE:
            at += 2
        elif flags & _HAVE_XY_SCALE:
            at += 4
        elif flags & _HAVE_2X2:
            at += 8
    if flags & _HAVE_INSTRUCTIONS:
        struct.pack_into(">H", out, last_flags_at, flags & ~_HAVE_INSTRUCTIONS)
        return bytes(out[:at])
    return bytes(out)


def _assemble(version: bytes, tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    search = 1
    while search * 2 <= count:
        search *= 2
    selector = search.bit_length() - 1
    header = version + struct.pack(">HHHH", count, search * 16, selector, count * 16 - search * 16)
    offset = 12 + 16 * count
    directory = b""
    body = b""
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\x00" * (-len(data) % 4)
    return header + directory + body


def _table_offset(font: bytes | bytearray, wanted: bytes) -> int:
    (count,) = struct.unpack_from(">H", font, 4)
    for index in range(count):
        tag, _sum, offset, _length = struct.unpack_from(">4sIII", font, 12 + 16 * index)
        if tag == wanted:
            return int(offset)
    raise NotTrueType(f"no {wanted!r} table")


def _checksum(data: bytes) -> int:
    padded = data + b"\x00" * (-len(data) % 4)
    return int(sum(struct.unpack(f">{len(padded) // 4}I", padded))) & 0xFFFFFFFF
