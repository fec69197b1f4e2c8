"""body: a letter's Markdown to a list of blocks (paragraphs, headings, lists, tables...)."""

from __future__ import annotations

from letterpress.body.blocks import (
    Block,
    Heading,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Rule,
    Span,
    Table,
)
from letterpress.body.markdown import parse

__all__ = [
    "Block",
    "Heading",
    "ListBlock",
    "ListItem",
    "Paragraph",
    "Quote",
    "Rule",
    "Span",
    "Table",
    "parse",
]
