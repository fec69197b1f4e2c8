"""Subset tags taken from the font program, so no two subsets in any file share a tag.

ISO 32000-1, 9.6.4: an embedded subset's name starts with a tag of six capitals and a plus,
and different subsets in one file have different tags. A tag computed from the bytes of the
font program is the same for the same subset and different for different ones, in any file
that joins PDFs, with nothing to coordinate. ``fonts/embed.py`` names each subset it embeds so
when it first makes it; ``finish/subsets.py`` renames the subsets of appended PDFs the same way.
"""

from __future__ import annotations

import hashlib

TAG_LENGTH = 6


def subset_tag(program: bytes) -> str:
    """Six capitals from a digest of the font program's bytes (as stored in the file)."""
    number = int.from_bytes(hashlib.sha256(program).digest()[:8], "big")
    letters = []
    for _ in range(TAG_LENGTH):
        number, digit = divmod(number, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(letters)
