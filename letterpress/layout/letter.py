"""Laying out a whole letter: page 1's fixed parts, the flowing body, the later pages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from letterpress import geometry as g
from letterpress.body.blocks import Block, Span
from letterpress.body.markdown import languages
from letterpress.errors import LetterError, Problem
from letterpress.fonts import font_set
from letterpress.labels import Labels, label_set
from letterpress.layout.address import address_items
from letterpress.layout.blocks import Measure, block_chunks, place, text_chunks
from letterpress.layout.closing import closing_chunks
from letterpress.layout.context import BLACK, Context
from letterpress.layout.flow import CLOSING_CARRIES_LINES, Chunk, Frame, keep_last, paginate
from letterpress.layout.footer import (
    footer_items,
    header_items,
    letterhead_language,
    page_number_items,
)
from letterpress.layout.glyphs import check_glyphs
from letterpress.layout.letterhead import letterhead_items
from letterpress.layout.page import Document, Item, Node, Page
from letterpress.layout.reference import reference_items
from letterpress.model import Letter
from letterpress.options import Options

MIN_TEXT_CONTRAST = 4.5


def compose(letter: Letter, blocks: Sequence[Block], options: Options | None = None) -> Document:
    """Every page of ``letter`` with its items and the structure tree they belong to."""
    if letter.recipient is None:
        raise ValueError("a merge letter must be expanded (load.merge.expand) before layout")
    language = letter.language
    printed = _labels(letter)
    ctx = Context(
        fonts=font_set(letter.letterhead),
        labels=printed,
        language=language,
        hyphenation=printed.hyphenation,
        accent=_accent(letter.letterhead.colour),
    )
    check_glyphs(letter, blocks, ctx.fonts, printed)
    _check_languages(letter, blocks)
    root = Node("Document")
    first: list[Item] = letterhead_items(ctx, letter.letterhead, root, letter.source)
    for node in root.children:
        # The logo and the sender's name and unit are the letterhead's own texts.
        node.lang = letterhead_language(letter.letterhead, ctx)
    address, address_bottom = address_items(ctx, letter.recipient, root)
    reference, reference_bottom = reference_items(letter, ctx, root)
    first += address + reference
    title_top = max(g.TITLE_MIN_TOP, max(address_bottom, reference_bottom) + g.TITLE_CLEARANCE)
    title = text_chunks(
        ctx,
        ctx.lines((Span(letter.title, bold=True),), g.TITLE_FONT_SIZE, g.TEXT_WIDTH),
        g.TITLE_FONT_SIZE,
        g.LEFT,
        root.add("H1"),
        keep_all=True,
    )
    body = root.add("Sect", attributes={"letterpress": "body"})
    body_chunks = block_chunks(ctx, blocks, Measure(g.LEFT, g.TEXT_WIDTH), body)
    # The sign-off (closing, signatories, Vedlegg, Kopi til) as one group: a page that holds
    # only the end of a letter still shows a reader its place in the structure.
    sign_off = Node("Div", attributes={"letterpress": "sign-off"})
    tail = closing_chunks(ctx, letter, sign_off)
    if sign_off.children:
        root.children.append(sign_off)
    if tail:
        # The closing never opens a page alone: it carries the body's last lines along.
        keep_last(body_chunks, CLOSING_CARRIES_LINES)
    chunks = title + body_chunks + tail
    placed = paginate(
        chunks,
        Frame(title_top, g.BODY_BOTTOM_FIRST),
        Frame(g.BODY_TOP_LATER, g.BODY_BOTTOM_LATER),
    )
    footer = footer_items(letter.letterhead, ctx, root)
    pages = _pages(ctx, letter, first, footer, placed)
    return Document(
        pages=pages,
        structure=root,
        images=ctx.images,
        title=letter.title,
        author=letter.letterhead.name,
        subject=_subject(letter),
        language=ctx.labels.language_tag,
    )


def _pages(
    ctx: Context,
    letter: Letter,
    first: list[Item],
    footer: list[Item],
    placed: list[list[tuple[Chunk, float]]],
) -> list[Page]:
    total = len(placed)
    pages: list[Page] = []
    for number, chunks in enumerate(placed, start=1):
        page = Page()
        if number == 1:
            page.items += first
        else:
            page.items += header_items(letter.letterhead, letter.reference.ours, ctx, number, total)
        for chunk, top in chunks:
            page.items += place(chunk, top)
        if number == 1:
            page.items += footer
            if total > 1:
                page.items += page_number_items(ctx, 1, total, g.PAGE_NUMBER_FIRST_BASELINE)
        pages.append(page)
    return pages


def _labels(letter: Letter) -> Labels:
    """The labels in the letter's label languages, with the letterhead's approval sentence."""
    printed = label_set(letter.language, letter.label_languages)
    approved = letter.letterhead.approval_sentence(letter.language)
    if letter.approved_electronically and not approved:
        # load refuses this with the letter's line; a Letter built in Python meets it here.
        raise ValueError(f"the letterhead gives no approval_text for {letter.language}")
    return replace(printed, approved=approved)
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
"""A BCP 47 language tag, as far as a reader needs it: nb, nn, se, en-GB, de-CH-1996."""


def _check_languages(letter: Letter, blocks: Sequence[Block]) -> None:
    """Every ``[text]{lang=...}`` names a language a screen reader can speak."""
    source = letter.source
    problems = []
    for line, tag in languages(blocks):
        if LANGUAGE_TAG.fullmatch(tag):
            continue
        where = source.body_first_line + line if source else None
        problems.append(
            Problem(
                source.body_path if source else None,
                where,
                "body",
                f"lang={tag!r} is not a language tag; write one such as nb, nn, se or en-GB",
            )
        )
    if problems:
        raise LetterError(problems)


def _subject(letter: Letter) -> str:
    ours = letter.reference.ours
    return f"{letter.title} ({ours})" if ours else letter.title


def _accent(colour: str | None) -> tuple[float, float, float]:
    """The letterhead's colour, or black when it is too light to read as text on white."""
    if not colour:
        return BLACK
    rgb = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    if _contrast_with_white(rgb) < MIN_TEXT_CONTRAST:
        return BLACK
    return (rgb[0], rgb[1], rgb[2])


def _contrast_with_white(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])
    return 1.05 / (luminance + 0.05)
