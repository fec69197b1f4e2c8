"""File-safe names for the letters of a mail merge: ``Kari Nordmann`` -> ``kari-nordmann``.

A slug holds only ``a-z``, ``0-9`` and single hyphens, so it is the same file name on every
system, in every archive and in every e-mail client. Norwegian letters are transliterated the
way Norwegian web addresses write them (æ -> ae, ø -> o, å -> a); other accented letters lose
their accent (é -> e, č -> c). A name with nothing left (``***``, only Chinese) becomes
``mottaker``; a name that Windows reserves for devices (``CON``, ``NUL``, ``COM1`` ...) gets
``-x`` appended.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_CHARS = 50
"""Longest slug: keeps ``NNN-slug.pdf`` well inside every file system's name limit."""

FALLBACK = "mottaker"

# Letters that Unicode does not decompose into a base letter and an accent.
_SPELLED = str.maketrans(
    {
        "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "å": "a", "Å": "a",
        "ß": "ss", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "đ": "d", "Đ": "d",
        "ł": "l", "Ł": "l", "œ": "oe", "Œ": "oe", "ŋ": "n", "Ŋ": "n", "ŧ": "t", "Ŧ": "t",
    }
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)


def slug(text: str, max_chars: int = MAX_SLUG_CHARS) -> str:
    """``text`` as a lower-case file-safe name, never empty and never reserved."""
    ascii_text = _ascii(text.translate(_SPELLED))
    words = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    words = _shorten(words, max_chars) or FALLBACK
    if words in _WINDOWS_RESERVED:
        words = f"{words}-x"
    return words


def numbered(index: int, width: int, name: str) -> str:
    """The file stem of merge letter ``index``: ``001-kari-nordmann``."""
    return f"{index:0{width}d}-{slug(name)}"


def number_width(count: int) -> int:
    """Digits of the letter number: at least 3, so that files sort in recipient order."""
    return max(3, len(str(count)))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _shorten(words: str, max_chars: int) -> str:
    """Cut at a hyphen where one is near the limit, so a slug ends with a whole word."""
    if len(words) <= max_chars:
        return words
    cut = words[:max_chars]
    hyphen = cut.rfind("-")
    if hyphen >= max_chars // 2:
        cut = cut[:hyphen]
    return cut.strip("-")
