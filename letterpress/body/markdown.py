"""Markdown (CommonMark and pipe tables) to blocks, with markdown-it-py.

Raw HTML and character references are not interpreted: ``AT&T <b>`` and ``&amp;`` print as
written. Code and images, which the format does not support, print as their text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_plugin

from letterpress.body.blocks import (
    Align,
    Block,
    Heading,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Rule,
    Span,
    Table,
    spans_of,
)

NEWLINES = re.compile(r"\r\n?")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable("table").disable("entity")
    # Pandoc's bracketed spans, for a change of language: [Unntatt offentlighet]{lang=nb}.
    parser.use(attrs_plugin, spans=True, allowed=["lang"], after=("span_close",))
    parser.core.ruler.at("normalize", _normalize)
    return parser


def _normalize(state: StateCore) -> None:
    """Line endings made LF, as markdown-it does; but U+0000 is kept, where CommonMark
    makes it U+FFFD: the glyph check then names the character the person wrote."""
    state.src = NEWLINES.sub("\n", state.src)


@lru_cache(maxsize=64)
def parse(markdown: str) -> tuple[Block, ...]:
    """The blocks of ``markdown``; heading levels renumbered so none is skipped (``_Outline``).

    Cached: the letters of a mail merge usually share one body."""
    tokens = _parser().parse(markdown)
    for token in tokens:
        if token.type == "inline":
            # The tree of inline markup is built recursively and nests as deep as emphasis
            # does (500 '*' around a word are 250 levels): walk the flat tokens instead.
            token.meta["inline"], token.children = token.children or [], None
    tree = SyntaxTreeNode(tokens)
    return tuple(_Outline().blocks(_blocks(tree.children)))


def _blocks(nodes: list[SyntaxTreeNode]) -> list[Block]:
    out: list[Block] = []
    for node in nodes:
        block = _block(node)
        if block is not None:
            out.append(block)
    return out


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] if node.map else 0


def _block(node: SyntaxTreeNode) -> Block | None:
    kind = node.type
    if kind == "paragraph":
        return Paragraph(_inline(node.children[0]), _line(node))
    if kind == "heading":
        return Heading(int(node.tag[1]), _inline(node.children[0]), _line(node))
    if kind in ("bullet_list", "ordered_list"):
        items = tuple(ListItem(tuple(_blocks(item.children))) for item in node.children)
        start = int(node.attrs.get("start", 1)) if kind == "ordered_list" else 1
        return ListBlock(kind == "ordered_list", items, start, _line(node))
    if kind == "blockquote":
        return Quote(tuple(_blocks(node.children)), _line(node))
    if kind == "hr":
        return Rule(_line(node))
    if kind == "table":
        return _table(node)
    if kind in ("code_block", "fence", "html_block"):
        lines = node.content.rstrip("\n").split("\n")
        spans: list[Span] = []
        for i, text in enumerate(lines):
            if i:
                spans.append(Span("\n"))
            spans.append(Span(text))
        return Paragraph(tuple(spans), _line(node))
    return None


def _table(node: SyntaxTreeNode) -> Table:
    header: tuple[tuple[Span, ...], ...] = ()
    rows: list[tuple[tuple[Span, ...], ...]] = []
    align: tuple[Align, ...] = ()
    for section in node.children:
        for row in section.children:
            cells = tuple(
                _inline(cell.children[0]) if cell.children else () for cell in row.children
            )
            if section.type == "thead":
                header = cells
                align = tuple(_align(cell.attrs.get("style", "")) for cell in row.children)
            else:
                rows.append(cells)
    return Table(header, tuple(rows), align, _line(node))


def _align(style: str | int | float) -> Align:
    value = str(style)
    if "right" in value:
        return "right"
    if "center" in value:
        return "center"
    return "left"


LINK_SCHEMES = frozenset({"http", "https", "mailto"})
"""Targets a letter may link to. A relative path, smb:// or file:// means something else on
every reader's computer, and a reader cannot see where such a link would take them."""


def href_of(target: str) -> str:
    """``target`` when a letter may link to it, else an empty string."""
    return target if urlsplit(target).scheme.lower() in LINK_SCHEMES else ""


def _inline(node: SyntaxTreeNode) -> tuple[Span, ...]:
    """The spans of an inline node, from its flat tokens: markup opens and closes a style."""
    spans: list[Span] = []
    bold = italic = 0
    links: list[str] = []
    languages: list[str | None] = []
    pending = list(reversed(node.token.meta.get("inline", []) if node.token else []))
    while pending:
        token = pending.pop()
        kind = token.type
        href = (links[-1] or None) if links else None
        lang = next((tag for tag in reversed(languages) if tag), None)
        if kind in ("text", "code_inline", "html_inline"):
            spans.append(Span(token.content, bold > 0, italic > 0, href, lang))
        elif kind in ("softbreak", "hardbreak"):
            text = " " if kind == "softbreak" else "\n"
            spans.append(Span(text, bold > 0, italic > 0, href, lang))
        elif kind == "span_open":
            tag = str(token.attrs.get("lang", "")).strip()
            languages.append(tag or None)
        elif kind == "span_close" and languages:
            languages.pop()
        elif kind in ("strong_open", "strong_close"):
            bold += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind == "em_open" else -1
        elif kind == "link_open":
            # An empty target: the text prints, but is no link (see ``linkable``).
            links.append(href_of(str(token.attrs["href"])))
        elif kind == "link_close" and links:
            links.pop()
        elif token.children:  # an image prints its description
            pending.extend(reversed(token.children))
    return tuple(_merge(spans))


def _merge(spans: list[Span]) -> list[Span]:
    """Join neighbouring spans of the same style, so layout sees whole words. The texts of a
    run are joined once: a paragraph wrapped over many lines is a text and a soft break for
    each line, all in one style."""
    merged: list[Span] = []
    texts: list[str] = []  # of the run ending in merged[-1]
    for span in spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last and not last.is_break and not span.is_break and _style(last) == _style(span):
            texts.append(span.text)
            continue
        _join_run(merged, texts)
        merged.append(span)
        texts = [span.text]
    _join_run(merged, texts)
    return merged


def _join_run(merged: list[Span], texts: list[str]) -> None:
    if len(texts) > 1:
        merged[-1] = replace(merged[-1], text="".join(texts))


def _style(span: Span) -> tuple[bool, bool, str | None, str | None]:
    return span.bold, span.italic, span.href, span.lang


def languages(blocks: Sequence[Block]) -> Iterator[tuple[int, str]]:
    """The line of every language span in ``blocks`` and the language it names."""
    for line, span in spans_of(blocks):
        if span.lang:
            yield line, span.lang


class _Outline:
    """Renumbers headings in reading order so a level is never skipped.

    The first heading is level 1 (set as H2: the letter's title is the H1). A heading at a
    deeper Markdown level than the one before it is one level deeper, however many ``#`` it
    has more; one at the same or a shallower Markdown level takes the level of the nearest
    heading before it at that Markdown level or shallower. ``#`` then ``###`` is 1 then 2;
    ``###`` first is 1. PDF/UA-1 asks for headings that nest without gaps (ISO 14289-1,
    7.4.2), and so do the screen readers that list a document's headings.
    """

    def __init__(self) -> None:
        self.open: list[int] = []
        """Markdown levels of the headings the current one is nested in, outermost first."""

    def blocks(self, blocks: list[Block] | tuple[Block, ...]) -> list[Block]:
        return [self.block(block) for block in blocks]

    def block(self, block: Block) -> Block:
        if isinstance(block, Heading):
            while self.open and self.open[-1] >= block.level:
                self.open.pop()
            self.open.append(block.level)
            return replace(block, level=len(self.open))
        if isinstance(block, Quote):
            return replace(block, blocks=tuple(self.blocks(block.blocks)))
        if isinstance(block, ListBlock):
            items = tuple(ListItem(tuple(self.blocks(item.blocks))) for item in block.items)
            return replace(block, items=items)
        return block
