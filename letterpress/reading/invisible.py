"""Invisible characters that change what a printed name, reference or title says.

A direction control (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) makes text print in another
order than it is stored and searched: ``21/02732-67`` can print as a different reference. It
is refused. A zero-width character prints nothing but makes two equal-looking names or
references differ for search and archive; it is a warning.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")


def invisible(data: Any, loc: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every text value of ``data`` (plain YAML data) holding an invisible character: its key
    path and the first such character."""
    if isinstance(data, str):
        found = next((c for c in data if c in DIRECTION_CONTROLS or c in ZERO_WIDTH), None)
        if found is not None:
            yield loc, found
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from invisible(value, (*loc, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from invisible(value, (*loc, str(index)))


def is_direction_control(char: str) -> bool:
    return char in DIRECTION_CONTROLS


def message(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    if is_direction_control(char):
        return (
            f"the character U+{ord(char):04X} ({name}) is an invisible direction control: "
            "the text would print in another order than it is written and searched; remove it"
        )
    return (
        f"the character U+{ord(char):04X} ({name}) is invisible: it prints nothing but makes "
        "the text differ from what it looks like; remove it"
    )
