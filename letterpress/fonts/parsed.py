"""A TrueType font as ReportLab parses it, kept in the cache folder between runs.

ReportLab reads a font's names, metrics, character map, advance widths and glyph offsets in
Python, a short read per number: 10-15 ms a font style, paid again by every new process (a
one-letter ``build`` uses three styles). What the parse sets on ReportLab's font face is plain
data, so it is stored the first time (``marshal``, inside a ``filekey`` entry whose digest is
checked before anything is read) and set on a face the next time, which then only reads the
file's table directory.

An entry is named by the font's bytes, ReportLab's version, Python's version and this module's
own file, so none of them can change under it. A face made from an entry is the face ReportLab
would have parsed, attribute for attribute; ``_snapshot`` checks that on the face it stores
before storing, and anything it does not know (a ReportLab that sets something else) is simply
parsed every time, as without the cache.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import sys
from typing import Any

from reportlab import Version as REPORTLAB_VERSION
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace, TTFontParser

from letterpress.filekey import code_version, entry_path, read_entry, write_entry
from letterpress.fonts.embed import SubsetCachingFont

KIND = "ttface"
NAMES = ("name", "familyName", "styleName", "fullName", "uniqueFontID")
"""The face's names: ``TTFNameBytes``, bytes that also carry their text (``ustr``)."""
_PLAIN = (int, float, str, bytes, bool, type(None), list, tuple, dict)


def parsed_font(name: str, font: bytes) -> SubsetCachingFont:
    """ReportLab's font ``name`` for the TrueType program ``font``: its face from the cache
    when this very program was parsed before, else parsed and stored for the next run."""
    path = entry_path(KIND, hashlib.sha256(font).hexdigest(), *_versions())
    face = _restored(read_entry(path, KIND), font)
    if face is None:
        made = SubsetCachingFont(name, io.BytesIO(font))
        snapshot = _snapshot(made.face, font)
        if snapshot is not None:
            write_entry(path, KIND, snapshot)
        return made
    return SubsetCachingFont.with_face(name, face)


def _versions() -> tuple[object, ...]:
    return REPORTLAB_VERSION, sys.version_info[:3], marshal.version, code_version(__file__)


def _bare(font: bytes) -> TTFontFace:
    """A face that has read the font's table directory and nothing else (about 0.1 ms)."""
    face = TTFontFace.__new__(TTFontFace)
    pdfmetrics.TypeFace.__init__(face, None)
    TTFontParser.__init__(face, io.BytesIO(font), validate=0, subfontIndex=0)
    return face


def _snapshot(face: TTFontFace, font: bytes) -> bytes | None:
    """What parsing set on ``face`` beyond a bare face, as an entry's payload; None when it
    holds anything but plain data, or when restoring it would not give ``face`` back."""
    bare = vars(_bare(font))
    parsed = vars(face)
    names = {key: (bytes(parsed[key]), parsed[key].ustr) for key in NAMES if key in parsed}
    rest = {
        key: value
        for key, value in parsed.items()
        if key not in names and key != "_pdfScale" and (key not in bare or bare[key] != value)
    }
    if len(names) != len(NAMES) or not all(isinstance(v, _PLAIN) for v in rest.values()):
        return None
    try:
        payload = marshal.dumps((names, rest))
    except ValueError:  # something marshal cannot hold, deep inside
        return None
    restored = _restored(payload, font)
    if restored is None or not same_face(restored, face):
        return None
    return payload


def _restored(payload: bytes | None, font: bytes) -> TTFontFace | None:
    """The face stored in ``payload``, or None when there is none or it is not what
    ``_snapshot`` writes."""
    if payload is None:
        return None
    try:
        names, rest = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not _well_formed(names, rest):
        return None
    face = _bare(font)
    for key, (data, text) in names.items():
        named = bytes.__new__(TTFNameBytes, data)
        named.ustr = text
        setattr(face, key, named)
    face.__dict__.update(rest)
    per_mille = 1000 / face.unitsPerEm
    scale = (lambda x: x) if face.unitsPerEm == 1000 else (lambda x: x * per_mille)
    face._pdfScale = scale  # type: ignore[attr-defined]  # what ReportLab's parse sets
    return face


def _well_formed(names: Any, rest: Any) -> bool:
    """A payload of the shape ``_snapshot`` writes, with the tables a face is read by."""
    if not (isinstance(names, dict) and isinstance(rest, dict)) or set(names) != set(NAMES):
        return False
    if not all(
        isinstance(pair, tuple)
        and len(pair) == 2
        and isinstance(pair[0], bytes)
        and isinstance(pair[1], str)
        for pair in names.values()
    ):
        return False
    tables = {"charToGlyph": dict, "charWidths": dict, "glyphPos": list, "hmetrics": list}
    return (
        all(isinstance(rest.get(key), kind) for key, kind in tables.items())
        and isinstance(rest.get("unitsPerEm"), int)
        and rest["unitsPerEm"] > 0
        and all(isinstance(key, str) for key in rest)
    )


def same_face(one: TTFontFace, other: TTFontFace) -> bool:
    """Whether two faces hold the same data (their scaling functions compared by result)."""
    first, second = dict(vars(one)), dict(vars(other))
    scales = first.pop("_pdfScale", None), second.pop("_pdfScale", None)
    if None in scales or any(scales[0](v) != scales[1](v) for v in (0, 1, 517, 2048, -300)):
        return False
    if first != second:
        return False
    return all(
        type(first[key]) is type(second[key])
        and getattr(first[key], "ustr", None) == getattr(second[key], "ustr", None)
        for key in first
    )
