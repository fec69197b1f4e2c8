"""Page 1's footer with the sender's addresses and numbers, and the header of later pages."""

from __future__ import annotations

from letterpress.body.blocks import Span
from letterpress.labels import labels as language_labels
from letterpress.labels import page_label
from letterpress.layout import geometry as g
from letterpress.layout.context import GREY, Context, leading
from letterpress.layout.page import Item, Line, Node, Text
from letterpress.model import Letterhead

FooterLine = tuple[Span, ...]


def letterhead_language(letterhead: Letterhead, ctx: Context) -> str | None:
    """The language tag of the letterhead's own texts, where it is not the letter's."""
    if letterhead.language is None or letterhead.language == ctx.language:
        return None
    return language_labels(letterhead.language).language_tag


def footer_columns(letterhead: Letterhead, ctx: Context) -> list[tuple[str, list[FooterLine]]]:
    """The footer's columns: a label and its lines; empty ones are left out. The e-mail and
    web addresses are links. Labels are in the letter's language, addresses in the
    letterhead's."""
    labels = ctx.labels
    lang = letterhead_language(letterhead, ctx)
    contact = [
        _entry(labels.phone, letterhead.phone, None),
        _entry(labels.email, letterhead.email, f"mailto:{letterhead.email}"),
        _entry(labels.web, letterhead.web, _web_link(letterhead.web)),
    ]
    numbers = [
        _entry(labels.org_number, letterhead.org_number, None, separator=" "),
        _entry(labels.account, letterhead.account, None),
    ]
    columns = [
        (labels.post_address, [(Span(line, lang=lang),) for line in letterhead.post_address]),
        (labels.visit_address, [(Span(line, lang=lang),) for line in letterhead.visit_address]),
        ("", [line for line in contact if line]),
        ("", [line for line in numbers if line]),
    ]
    return [(label, lines) for label, lines in columns if lines]


def _entry(label: str, value: str, href: str | None, separator: str = ": ") -> FooterLine:
    if not value:
        return ()
    return (Span(f"{label}{separator}"), Span(value, href=href))


def _web_link(web: str) -> str | None:
    if not web:
        return None
    return web if "://" in web else f"https://{web}"


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
        for line in ctx.lines(_column_spans(label, lines), size, width - FOOTER_GUTTER):
            items.extend(ctx.line_items(line, x, baseline, size, node, GREY))
            baseline += leading(size, 1.2)
        x += width
    return items


def _column_spans(label: str, lines: list[FooterLine]) -> tuple[Span, ...]:
    """A column as one run of text with hard breaks, so the lines read as separate words."""
    spans: list[Span] = [Span(label, bold=True)] if label else []
    for line in lines:
        if spans:
            spans.append(Span("\n"))
        spans.extend(line)
    return tuple(spans)


FOOTER_GUTTER = 4.0


def _column_widths(
    ctx: Context, columns: list[tuple[str, list[FooterLine]]], size: float
) -> list[float]:
    natural = [
        max(
            [ctx.width(label, size, bold=True)]
            + [ctx.width("".join(span.text for span in line), size) for line in lines]
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
