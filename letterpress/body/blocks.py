"""The blocks a letter's body is made of: plain data between Markdown and layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Span:
    """A run of text in one style. ``text == "\\n"`` is a hard line break."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    lang: str | None = None
    """BCP 47 tag of a run in another language than the letter's, from ``[text]{lang=se}``:
    it is hyphenated by that language's rules, or not at all when there are none, and it is
    a Span with that /Lang in the structure, so a screen reader switches its voice."""

    @property
    def is_break(self) -> bool:
        return self.text == "\n"


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]
    line: int = 0
    """0-based line of the body where the paragraph starts."""


@dataclass(frozen=True)
class Heading:
    level: int
    """1 for the body's top heading level, 2 below it, and so on."""
    spans: tuple[Span, ...]
    line: int = 0


@dataclass(frozen=True)
class ListItem:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[ListItem, ...]
    start: int = 1
    line: int = 0


@dataclass(frozen=True)
class Quote:
    blocks: tuple[Block, ...]
    line: int = 0


@dataclass(frozen=True)
class Rule:
    line: int = 0


@dataclass(frozen=True)
class Table:
    header: tuple[tuple[Span, ...], ...]
    rows: tuple[tuple[tuple[Span, ...], ...], ...]
    align: tuple[Align, ...] = field(default=())
    line: int = 0


Block = Paragraph | Heading | ListBlock | Quote | Rule | Table
