"""Page 1's footer with the sender's addresses and numbers, and the header of later pages."""

from __future__ import annotations

from letterpress.labels import page_label
from letterpress.layout import geometry as g
from letterpress.layout.context import GREY, Context, leading
from letterpress.layout.page import Item, Line, Node
from letterpress.model import Letterhead


def footer_columns(letterhead: Letterhead, ctx: Context) -> list[tuple[str, list[str]]]:
    """The footer's columns: a label and its lines; empty ones are left out."""
    labels = ctx.labels
    contact = [
        f"{labels.phone}: {letterhead.phone}" if letterhead.phone else "",
        f"{labels.email}: {letterhead.email}" if letterhead.email else "",
        f"{labels.web}: {letterhead.web}" if letterhead.web else "",
    ]
    numbers = [
        f"{labels.org_number} {letterhead.org_number}" if letterhead.org_number else "",
        f"{labels.account}: {letterhead.account}" if letterhead.account else "",
    ]
    columns = [
        (labels.post_address, list(letterhead.post_address)),
        (labels.visit_address, list(letterhead.visit_address)),
        ("", [line for line in contact if line]),
        ("", [line for line in numbers if line]),
    ]
    return [(label, lines) for label, lines in columns if lines]


def footer_items(letterhead: Letterhead, ctx: Context, root: Node) -> list[Item]:
    """The footer of page 1: a rule, then up to four columns in small type."""
    items: list[Item] = [Line(g.LEFT, g.FOOTER_RULE, g.RIGHT, g.FOOTER_RULE, 0.4, ctx.accent)]
    columns = footer_columns(letterhead, ctx)
    if not columns:
        return items
    size = g.FOOTER_FONT_SIZE
    width = g.TEXT_WIDTH / len(columns)
    section = root.add("Div", attributes={"letterpress": "footer"})
    for index, (label, lines) in enumerate(columns):
        x = g.LEFT + index * width
        baseline = g.FOOTER_TOP + size * 0.75 / g.MM
        node = section.add("P")
        texts = ([(label, True)] if label else []) + [(line, False) for line in lines]
        for text, bold in texts:
            for line in ctx.lines(ctx.plain(text, bold), size, width - 3):
                items.extend(ctx.line_items(line, x, baseline, size, node, GREY))
                baseline += leading(size, 1.2)
    return items


def page_number_items(ctx: Context, number: int, total: int, baseline: float) -> list[Item]:
    """"Side N av M" at the right margin, as decoration (an artifact)."""
    size = g.HEADER_FONT_SIZE
    text = page_label(ctx.language, number, total)
    line = ctx.lines(ctx.plain(text), size, g.TEXT_WIDTH)[0]
    return ctx.line_items(line, g.RIGHT - line.width / g.MM, baseline, size, None, GREY)


def header_items(
    letterhead: Letterhead, ours: str, ctx: Context, number: int, total: int
) -> list[Item]:
    """The running header of a later page: organisation, Vår referanse, Side N av M."""
    size = g.HEADER_FONT_SIZE
    baseline = g.HEADER_BASELINE
    left = letterhead.name + (f", {letterhead.unit}" if letterhead.unit else "")
    items: list[Item] = []
    line = ctx.lines(ctx.plain(left, True), size, g.TEXT_WIDTH * 0.45)[0]
    items.extend(ctx.line_items(line, g.LEFT, baseline, size, None, GREY))
    if ours:
        text = f"{ctx.labels.our_reference}: {ours}"
        line = ctx.lines(ctx.plain(text), size, g.TEXT_WIDTH * 0.35)[0]
        middle = g.LEFT + g.TEXT_WIDTH * 0.62 - line.width / g.MM
        items.extend(ctx.line_items(line, middle, baseline, size, None, GREY))
    items.extend(page_number_items(ctx, number, total, baseline))
    items.append(Line(g.LEFT, g.HEADER_RULE, g.RIGHT, g.HEADER_RULE, 0.4, ctx.accent))
    return items
