"""Flowing chunks of content onto pages, keeping together what belongs together.

A chunk is a piece that cannot be split (a line of a paragraph, a table row, the signatories).
``keep_with_next`` chains a chunk to the next one: a page may only break after a chunk that
does not keep with its successor. The rules that set these chains (see docs/typesetting.md):

1. a paragraph or list item that splits leaves at least ``MIN_LINES`` lines on each page;
2. a heading carries at least ``HEADING_CARRIES_LINES`` lines of what follows it;
3. the closing, signatories and approval sentence carry the last ``CLOSING_CARRIES_LINES``
   lines of the body, and Vedlegg and Kopi til follow the signatures;
4. no page ends in a hyphenated line;
5. a table splits only between rows, leaving ``MIN_TABLE_ROWS`` body rows on each side, with
   its header row repeated; a short table is kept whole.

A chain that does not fit moves to the next page whole. Only a chain longer than a page is
broken, where the page is full.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from letterpress.layout.page import Item, Line, Link, Text

MIN_LINES = 2
HEADING_CARRIES_LINES = 2
CLOSING_CARRIES_LINES = 2
MIN_TABLE_ROWS = 2


@dataclass
class Chunk:
    """Content placed as one piece; items are positioned relative to the chunk's top (y = 0)."""

    height: float
    items: list[Item] = field(default_factory=list)
    keep_with_next: bool = False
    space_before: float = 0.0
    """Space above the chunk; dropped at the top of a page."""
    repeat: Chunk | None = None
    """Placed first whenever this chunk starts a page (a table's header row)."""


@dataclass(frozen=True)
class Frame:
    """The vertical room for body content on a page, in mm from the top."""

    top: float
    bottom: float


def paginate(chunks: list[Chunk], first: Frame, later: Frame) -> list[list[tuple[Chunk, float]]]:
    """Chunks with their top position, page by page."""
    pages: list[list[tuple[Chunk, float]]] = [[]]
    frame, y, i, page_first = first, first.top, 0, 0
    while i < len(chunks):
        chunk = chunks[i]
        gap = chunk.space_before if i > page_first else 0.0
        if y + gap + chunk.height <= frame.bottom or i == page_first:
            pages[-1].append((chunk, y + gap))
            y += gap + chunk.height
            i += 1
            continue
        start = _chain_start(chunks, i, page_first)
        del pages[-1][len(pages[-1]) - (i - start) :]
        i = page_first = start
        pages.append([])
        frame, y = later, later.top
        header = chunks[i].repeat
        if header is not None:
            pages[-1].append((header, y))
            y += header.height
    return pages


def keep_first(chunks: list[Chunk], count: int) -> None:
    """Chain the first ``count`` chunks to what follows them (and so to each other)."""
    for chunk in chunks[:count]:
        chunk.keep_with_next = True


def keep_last(chunks: list[Chunk], count: int) -> None:
    """Chain the last ``count`` chunks to what follows them."""
    for chunk in chunks[len(chunks) - count :] if count else []:
        chunk.keep_with_next = True


def _chain_start(chunks: list[Chunk], i: int, page_first: int) -> int:
    """The first chunk of the keep-together chain ending at ``i``; ``i`` itself when the chain
    started the page (it is longer than a page and must break somewhere)."""
    start = i
    while start > page_first and chunks[start - 1].keep_with_next:
        start -= 1
    return i if start == page_first else start


def shifted(items: list[Item], dy: float, dx: float = 0.0) -> list[Item]:
    """``items`` moved down by ``dy`` and right by ``dx`` mm."""
    moved: list[Item] = []
    for item in items:
        if type(item) is Text:
            # Made directly: most items are texts, and ``replace`` is several times slower.
            moved.append(
                Text(item.x + dx, item.y + dy, item.text, item.font, item.size, item.node,
                     item.colour)
            )
        elif isinstance(item, Text | Link):
            moved.append(replace(item, x=item.x + dx, y=item.y + dy))
        elif isinstance(item, Line):
            moved.append(
                replace(item, x1=item.x1 + dx, x2=item.x2 + dx, y1=item.y1 + dy, y2=item.y2 + dy)
            )
        else:
            moved.append(replace(item, x=item.x + dx, y=item.y + dy))
    return moved
