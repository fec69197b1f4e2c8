"""A letterhead's own fonts read through completely while loading, before any letter uses them.

A font file cut short or damaged on the way (a bad download, a copy that failed) makes
ReportLab's parser fail with a bare ``struct.error`` deep inside layout. fontTools reads every
table of the file here, so such a font is named at the letterhead's line that names it, and
``check`` finds it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from functools import lru_cache
from pathlib import Path

from letterpress.filekey import cache_dir
from letterpress.limits import MAX_FONT_BYTES

# Tables a TrueType font must have for ReportLab to typeset with it and embed it.
REQUIRED_TABLES = ("cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post")


def font_problem(path: Path) -> str | None:
    """Why the font at ``path`` cannot be used, or None."""
    try:
        stat = path.stat()
    except OSError as exc:
        return f"cannot read font {path}: {exc.strerror or exc}"
    if stat.st_size > MAX_FONT_BYTES:
        return (
            f"{path} is {stat.st_size // 2**20} MiB; a font may be at most "
            f"{MAX_FONT_BYTES // 2**20} MiB. Choose the font file of one style"
        )
    return _problem(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _problem(path: Path, size: int, mtime: int) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read font {path}: {exc.strerror or exc}"
    passed = _passed_marker(data)
    if passed is not None and passed.exists():
        return None  # read through before, byte for byte the same file
    problem = _read_through(path, data)
    if problem is None and passed is not None:
        with contextlib.suppress(OSError):
            passed.parent.mkdir(parents=True, exist_ok=True)
            passed.touch()
    return problem


def _passed_marker(data: bytes) -> Path | None:
    """The empty file that records that a font with these bytes was read through without a
    problem (it takes a quarter of a second), or None when no cache folder can be named."""
    import fontTools

    digest = hashlib.sha256(data + fontTools.version.encode()).hexdigest()[:32]
    try:
        return cache_dir() / f"font-ok-{digest}"
    except RuntimeError:  # no home folder
        return None


def _read_through(path: Path, data: bytes) -> str | None:
    import logging

    from fontTools.ttLib import TTFont, TTLibError

    # fontTools logs what it mends or doubts on its own; the one answer here is the problem.
    logging.getLogger("fontTools").setLevel(logging.CRITICAL)
    try:
        with TTFont(io.BytesIO(data), lazy=False) as font:
            missing = [tag for tag in REQUIRED_TABLES if tag not in font]
            if "CFF " in font or "CFF2" in font:
                return _unusable(path, "it is an OpenType font with PostScript outlines")
            if missing:
                return _unusable(path, f"it has no {', '.join(missing)} table")
            tags = font.keys()
            for tag in tags:
                font[tag]  # parses the table: a damaged one raises here
            font["glyf"].ensureDecompiled()
    except MemoryError:
        raise
    except (TTLibError, Exception) as exc:  # fontTools raises many kinds on broken data
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _unusable(path, f"it is damaged or cut short ({detail[:120]})")
    return None


def _unusable(path: Path, why: str) -> str:
    return (
        f"{path} is not a usable TrueType font: {why}. Install or copy the font file again, "
        "or remove this line to use the bundled Liberation Sans"
    )
