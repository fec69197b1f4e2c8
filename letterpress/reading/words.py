"""Words too long to typeset, found before any work starts.

No word or web address comes near ``MAX_WORD_CHARS``: a token that long is pasted data (an
encoded file, a broken export), and setting it costs seconds of layout for pages of noise.
A long web address belongs behind link text, where it is not printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from letterpress.limits import MAX_WORD_CHARS

TOO_LONG = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")
# What Markdown does not print: the target of a link, [text](target), and link definitions.
LINK_TARGET = re.compile(r"(?<=\]\()(?:<[^>\n]*>|[^\s)]*)")
LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class LongWord:
    """A word longer than the limit: where it starts in its text, and how long it is."""

    offset: int
    length: int
    start: str

    def message(self) -> str:
        return (
            f"a word of {self.length} characters ({self.start!r}...); at most {MAX_WORD_CHARS} "
            "are accepted: add spaces, or put a long web address behind link text, "
            "[text](address)"
        )


def long_word(text: str, markdown: bool = False) -> LongWord | None:
    """The first word of ``text`` longer than ``MAX_WORD_CHARS``; in Markdown, of the text
    that is printed."""
    if len(text) <= MAX_WORD_CHARS or max(map(len, text.split()), default=0) <= MAX_WORD_CHARS:
        # No run of that many characters without a space (``split`` splits at exactly the
        # characters ``\s`` matches), printed or not: the usual answer, found in one pass.
        return None
    if markdown:
        text = _blank(LINK_DEFINITION, _blank(LINK_TARGET, text))
    found = TOO_LONG.search(text)
    if found is None:
        return None
    return LongWord(found.start(), len(found[0]), found[0][:20])


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with what ``pattern`` matches (its first group, if it has one) as spaces, so
    that offsets still count lines of the original."""

    def spaces(match: re.Match[str]) -> str:
        group = 1 if pattern.groups else 0
        start, end = match.start(group) - match.start(), match.end(group) - match.start()
        whole = match[0]
        return whole[:start] + " " * (end - start) + whole[end:]

    return pattern.sub(spaces, text)


def long_words(data: Any) -> Iterator[tuple[tuple[str, ...], LongWord]]:
    """Every text value of ``data`` (plain YAML data) with a word longer than the limit, by
    its key path."""
    for loc, text in texts(data):
        found = long_word(text)
        if found is not None:
            yield loc, found


def texts(data: Any, loc: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every text value of ``data`` (plain YAML data) with its key path."""
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from texts(value, (*loc, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from texts(value, (*loc, str(index)))
