"""Font dictionaries made fit for PDF/A-2a and PDF/UA-1.

ReportLab writes a ToUnicode entry for every code of a subset, mapping codes it left unused to
U+0000. PDF/A-2a and PDF/UA-1 forbid mappings to U+0000, U+FEFF and U+FFFE, so those entries
are dropped: an unused code needs no Unicode value.
"""

from __future__ import annotations

import re

import pikepdf

_BFCHAR = re.compile(rb"(\d+) beginbfchar\n(.*?)\nendbfchar", re.S)
_FORBIDDEN = {b"<0000>", b"<FEFF>", b"<FFFE>"}


def clean_to_unicode(pdf: pikepdf.Pdf) -> None:
    """Drop forbidden values from the ToUnicode maps of every font on every page."""
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            cmap = font.get("/ToUnicode")
            if cmap is None or cmap.objgen in seen:
                continue
            seen.add(cmap.objgen)
            cleaned = _clean(cmap.read_bytes())
            if cleaned is not None:
                cmap.write(cleaned)


def _clean(data: bytes) -> bytes | None:
    match = _BFCHAR.search(data)
    if match is None:
        return None
    entries = match.group(2).split(b"\n")
    kept = [
        entry
        for entry in entries
        if entry.split()[-1:] and entry.split()[-1].upper() not in _FORBIDDEN
    ]
    if len(kept) == len(entries):
        return None
    block = b"%d beginbfchar\n%s\nendbfchar" % (len(kept), b"\n".join(kept))
    return data[: match.start()] + block + data[match.end() :]
