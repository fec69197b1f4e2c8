"""Page 1's footer with the sender's addresses and numbers, and the header of later pages."""

from __future__ import annotations

from letterpress.labels import page_label
from letterpress.layout import geometry as g
from letterpress.layout.context import GREY, Context, leading
from letterpress.layout.page import Item, Line, Node, Text
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
    """The footer of page 1: a rule, then up to four columns in small type, each as wide as
    its longest line needs (the e-mail and web addresses are the long ones)."""
    items: list[Item] = [Line(g.LEFT, g.FOOTER_RULE, g.RIGHT, g.FOOTER_RULE, 0.4, ctx.accent)]
    columns = footer_columns(letterhead, ctx)
    if not columns:
        return items
    size = g.FOOTER_FONT_SIZE
    widths = _column_widths(ctx, columns, size)
    section = root.add("Div", attributes={"letterpress": "footer"})
    x = g.LEFT
    for (label, lines), width in zip(columns, widths, strict=True):
        baseline = g.FOOTER_TOP + size * 0.75 / g.MM
        node = section.add("P")
        texts = ([(label, True)] if label else []) + [(line, False) for line in lines]
        for text, bold in texts:
            for line in ctx.lines(ctx.plain(text, bold), size, width - FOOTER_GUTTER):
                items.extend(ctx.line_items(line, x, baseline, size, node, GREY))
                baseline += leading(size, 1.2)
        x += width
    return items


FOOTER_GUTTER = 4.0


def _column_widths(ctx: Context, columns: list[tuple[str, list[str]]], size: float) -> list[float]:
    natural = [
        max(
            ctx.width(text, size, bold=i == 0 and bool(label))
            for i, text in enumerate([label, *lines])
        )
        + FOOTER_GUTTER
        for label, lines in columns
    ]
    total = sum(natural)
    if total <= g.TEXT_WIDTH:
        spare = (g.TEXT_WIDTH - total) / len(columns)
        return [width + spare for width in natural]
    return [width * g.TEXT_WIDTH / total for width in natural]


def page_number_items(ctx: Context, number: int, total: int, baseline: float) -> list[Item]:
    """ "Side N av M" at the right margin, as decoration (an artifact)."""
    size = g.HEADER_FONT_SIZE
    text = page_label(ctx.language, number, total)
    line = ctx.lines(ctx.plain(text), size, g.TEXT_WIDTH)[0]
    return ctx.line_items(line, g.RIGHT - line.width / g.MM, baseline, size, None, GREY)


def header_items(
    letterhead: Letterhead, ours: str, ctx: Context, number: int, total: int
) -> list[Item]:
    """The running header of a later page: organisation left; Vår referanse and Side N av M
    right. The unit is left out when the organisation and unit do not fit beside them."""
    size = g.HEADER_FONT_SIZE
    baseline = g.HEADER_BASELINE
    items = page_number_items(ctx, number, total, baseline)
    right_edge = min(item.x for item in items if isinstance(item, Text)) - HEADER_GAP
    if ours:
        text = f"{ctx.labels.our_reference}: {ours}"
        line = ctx.lines(ctx.plain(text), size, g.TEXT_WIDTH / 2)[0]
        right_edge -= line.width / g.MM
        items += ctx.line_items(line, right_edge, baseline, size, None, GREY)
        right_edge -= HEADER_GAP
    room = right_edge - g.LEFT
    left = letterhead.name
    if letterhead.unit and ctx.width(f"{left}, {letterhead.unit}", size, bold=True) <= room:
        left = f"{left}, {letterhead.unit}"
    left_line = ctx.lines(ctx.plain(left, True), size, room)[0]
    items += ctx.line_items(left_line, g.LEFT, baseline, size, None, GREY)
    items.append(Line(g.LEFT, g.HEADER_RULE, g.RIGHT, g.HEADER_RULE, 0.4, ctx.accent))
    return items


HEADER_GAP = 6.0
