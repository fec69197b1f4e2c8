"""The body's blocks as chunks ready to flow onto pages, each tied to its structure element."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from letterpress import geometry as g
from letterpress.body.blocks import (
    Block,
    Heading,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Span,
    Table,
)
from letterpress.layout.context import GREY, Context
from letterpress.layout.flow import (
    HEADING_CARRIES_LINES,
    MIN_LINES,
    MIN_TABLE_ROWS,
    Chunk,
    keep_first,
    shifted,
)
from letterpress.layout.page import Item, Line, Node, Text
from letterpress.layout.text import TextLine

HEADING_SPACE = 5.0
LIST_ITEM_GAP = 1.2
RULE_HEIGHT = 6.0
TABLE_RULE = (0.55, 0.55, 0.55)
BULLETS = ("•", "–", "◦")
TABLE_KEPT_WHOLE = (g.BODY_BOTTOM_LATER - g.BODY_TOP_LATER) / 3
"""A table no taller than this (a third of a page) is never split; a taller one splits between
rows, since moving it whole would leave most of a page blank."""


@dataclass(frozen=True)
class Measure:
    """Where a block is set: its left edge and width in mm."""

    x: float
    width: float

    def indented(self, by: float) -> Measure:
        return Measure(self.x + by, self.width - by)


def text_chunks(
    ctx: Context,
    lines: Sequence[TextLine],
    size: float,
    x: float,
    node: Node | None,
    *,
    line_height: float | None = None,
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0),
    space_before: float = 0.0,
    keep_all: bool = False,
) -> list[Chunk]:
    """One chunk per line, chained so that a page break leaves at least ``MIN_LINES`` lines on
    each side (no orphan, no widow) and never follows a hyphenated line."""
    height = line_height or g.BODY_LEADING / g.MM * size / g.BODY_FONT_SIZE
    baseline = line_baseline(ctx, size, height)
    chunks = [
        Chunk(height, ctx.line_items(line, x, baseline, size, node, colour)) for line in lines
    ]
    count = len(chunks)
    for index, chunk in enumerate(chunks[:-1]):
        orphan = index < MIN_LINES - 1
        widow = index > count - 1 - MIN_LINES
        chunk.keep_with_next = keep_all or orphan or widow or ends_hyphenated(lines[index])
    if keep_all and chunks:
        chunks[-1].keep_with_next = True
    if chunks:
        chunks[0].space_before = space_before
    return chunks


def line_baseline(ctx: Context, size: float, height: float) -> float:
    """The baseline, from the top of a line ``height`` mm high, that centres the font's line box
    (its ascent and descent) in it."""
    ascent, descent = ctx.ascent(size), ctx.descent(size)
    return (height - (ascent + descent)) / 2 + ascent


def ends_hyphenated(line: TextLine) -> bool:
    """Whether a word runs on from ``line`` to the next one (the line ends in a hyphen)."""
    return line.text.rstrip().endswith(("-", "\u00ad"))


def block_chunks(
    ctx: Context, blocks: Sequence[Block], measure: Measure, parent: Node
) -> list[Chunk]:
    """Chunks of ``blocks`` set in ``measure``, their structure added under ``parent``."""
    chunks: list[Chunk] = []
    after_heading = False
    for block in blocks:
        block_part = _block(ctx, block, measure, parent)
        if after_heading:
            # The heading's own lines are chained to the first of these; carry one more.
            keep_first(block_part, HEADING_CARRIES_LINES - 1)
        chunks.extend(block_part)
        after_heading = isinstance(block, Heading)
    return chunks


def _block(ctx: Context, block: Block, measure: Measure, parent: Node) -> list[Chunk]:
    if isinstance(block, Paragraph):
        return paragraph(ctx, block.spans, measure, parent.add("P"))
    if isinstance(block, Heading):
        return _heading(ctx, block, measure, parent)
    if isinstance(block, ListBlock):
        return _list(ctx, block, measure, parent, depth=0)
    if isinstance(block, Quote):
        return _quote(ctx, block, measure, parent)
    if isinstance(block, Rule):
        return [_rule(measure)]
    return _table(ctx, block, measure, parent)


def paragraph(
    ctx: Context,
    spans: tuple[Span, ...],
    measure: Measure,
    node: Node,
    space_before: float = g.PARAGRAPH_GAP,
) -> list[Chunk]:
    lines = ctx.lines(spans, g.BODY_FONT_SIZE, measure.width, hyphenate=True)
    return text_chunks(ctx, lines, g.BODY_FONT_SIZE, measure.x, node, space_before=space_before)


def _heading(ctx: Context, block: Heading, measure: Measure, parent: Node) -> list[Chunk]:
    level = min(block.level, len(g.HEADING_FONT_SIZES))
    size = g.HEADING_FONT_SIZES[level - 1]
    node = parent.add(f"H{min(block.level + 1, 6)}")
    spans = tuple(replace(span, bold=True, italic=False) for span in block.spans)
    lines = ctx.lines(spans, size, measure.width, hyphenate=False)
    return text_chunks(ctx, lines, size, measure.x, node, space_before=HEADING_SPACE, keep_all=True)


def _list(
    ctx: Context, block: ListBlock, measure: Measure, parent: Node, depth: int
) -> list[Chunk]:
    node = parent.add("L", attributes={"ListNumbering": "Decimal" if block.ordered else "Disc"})
    chunks: list[Chunk] = []
    width = _label_width(ctx, block)
    inner = measure.indented(width)
    for index, item in enumerate(block.items):
        label = f"{block.start + index}." if block.ordered else BULLETS[depth % len(BULLETS)]
        item_node = node.add("LI")
        label_node = item_node.add("Lbl")
        body_node = item_node.add("LBody")
        item_chunks: list[Chunk] = []
        for child in item.blocks:
            if isinstance(child, ListBlock):
                item_chunks.extend(_list(ctx, child, inner, body_node, depth + 1))
            else:
                item_chunks.extend(_block(ctx, child, inner, body_node))
        if not item_chunks:
            item_chunks = text_chunks(
                ctx,
                ctx.lines((), g.BODY_FONT_SIZE, inner.width),
                g.BODY_FONT_SIZE,
                inner.x,
                body_node,
            )
        _attach_label(ctx, item_chunks[0], label, measure.x, label_node)
        item_chunks[0].space_before = LIST_ITEM_GAP if index else g.PARAGRAPH_GAP
        chunks.extend(item_chunks)
    return chunks


def _label_width(ctx: Context, block: ListBlock) -> float:
    if not block.ordered:
        return g.LIST_INDENT
    last = f"{block.start + len(block.items) - 1}."
    return max(g.LIST_INDENT, ctx.width(last, g.BODY_FONT_SIZE) + 2.0)


def _attach_label(ctx: Context, chunk: Chunk, label: str, x: float, node: Node) -> None:
    first = next((item for item in chunk.items if isinstance(item, Text)), None)
    baseline = first.y if first else chunk.height * 0.75
    size = first.size if first else g.BODY_FONT_SIZE
    line = ctx.lines(ctx.plain(label), size, g.LIST_INDENT * 3)[0]
    chunk.items[:0] = ctx.line_items(line, x, baseline, size, node)


def _quote(ctx: Context, block: Quote, measure: Measure, parent: Node) -> list[Chunk]:
    node = parent.add("BlockQuote")
    chunks = block_chunks(ctx, block.blocks, measure.indented(g.QUOTE_INDENT), node)
    bar_x = measure.x + 1.5
    for chunk in chunks:
        chunk.items.append(Line(bar_x, 0, bar_x, chunk.height, 1.2, GREY))
    return chunks


def _rule(measure: Measure) -> Chunk:
    middle = RULE_HEIGHT / 2
    return Chunk(
        RULE_HEIGHT,
        [Line(measure.x, middle, measure.x + measure.width, middle, 0.5, GREY)],
        space_before=g.PARAGRAPH_GAP,
    )


def _table(ctx: Context, table: Table, measure: Measure, parent: Node) -> list[Chunk]:
    node = parent.add("Table")
    widths = _column_widths(ctx, table, measure.width)
    columns = len(widths)
    align = table.align + ("left",) * (columns - len(table.align))
    head = node.add("THead")
    header_row = head.add("TR")
    cells = [header_row.add("TH", attributes={"Scope": "Column"}) for _ in range(columns)]
    header = _row(ctx, _padded(table.header, columns), widths, align, measure, cells, bold=True)
    header.keep_with_next = True
    header.space_before = g.PARAGRAPH_GAP
    repeat = _row(
        ctx, _padded(table.header, columns), widths, align, measure, [None] * columns, bold=True
    )
    body = node.add("TBody")
    rows: list[Chunk] = []
    for row in table.rows:
        tr = body.add("TR")
        row_cells = [tr.add("TD") for _ in range(columns)]
        chunk = _row(ctx, _padded(row, columns), widths, align, measure, row_cells, bold=False)
        chunk.repeat = repeat
        rows.append(chunk)
    _keep_rows(header, rows)
    return [header, *rows]


def _keep_rows(header: Chunk, rows: list[Chunk]) -> None:
    """A short table stays whole; a longer one splits only where ``MIN_TABLE_ROWS`` body rows
    stay on each side (the header row is repeated on the next page)."""
    whole = header.height + sum(row.height for row in rows) <= TABLE_KEPT_WHOLE
    count = len(rows)
    for index, row in enumerate(rows[:-1]):
        first = index < MIN_TABLE_ROWS - 1
        last = index > count - 1 - MIN_TABLE_ROWS
        row.keep_with_next = whole or first or last


def _padded(row: tuple[tuple[Span, ...], ...], columns: int) -> list[tuple[Span, ...]]:
    return list(row[:columns]) + [()] * (columns - len(row))


def _row(
    ctx: Context,
    row: list[tuple[Span, ...]],
    widths: list[float],
    align: tuple[str, ...],
    measure: Measure,
    nodes: Sequence[Node | None],
    *,
    bold: bool,
) -> Chunk:
    size = g.BODY_FONT_SIZE - 1
    pad = g.TABLE_PADDING
    height_of_line = size * 1.3 / g.MM
    items: list[Item] = []
    tallest = 0.0
    x = measure.x
    for spans, width, cell_align, node in zip(row, widths, align, nodes, strict=True):
        if bold:
            spans = tuple(replace(span, bold=True) for span in spans)
        lines = ctx.lines(spans, size, width - 2 * pad)
        baseline = pad + ctx.ascent(size)
        for line in lines:
            items.extend(
                ctx.line_items(
                    line,
                    x + pad,
                    baseline,
                    size,
                    node,
                    align_width=width - 2 * pad,
                    align=cell_align,
                )
            )
            baseline += height_of_line
        tallest = max(tallest, len(lines) * height_of_line)
        x += width
    height = tallest + 2 * pad
    rule_width = 0.8 if bold else 0.3
    items.append(Line(measure.x, height, x, height, rule_width, TABLE_RULE))
    return Chunk(height, items)


def _column_widths(ctx: Context, table: Table, available: float) -> list[float]:
    rows = [table.header, *table.rows]
    columns = max(len(row) for row in rows)
    size = g.BODY_FONT_SIZE - 1
    pad = 2 * g.TABLE_PADDING + 0.5
    natural = [0.0] * columns
    minimum = [0.0] * columns
    for row_index, row in enumerate(rows):
        for col, spans in enumerate(row):
            bold = row_index == 0
            text = "".join(span.text for span in spans)
            natural[col] = max(natural[col], ctx.width(text, size, bold) + pad)
            longest = max((ctx.width(word, size, bold) for word in text.split()), default=0.0)
            minimum[col] = max(minimum[col], min(longest + pad, available / columns))
    if sum(natural) <= available:
        return natural
    spare = available - sum(minimum)
    extra = [n - m for n, m in zip(natural, minimum, strict=True)]
    total_extra = sum(extra) or 1.0
    return [m + spare * e / total_extra for m, e in zip(minimum, extra, strict=True)]


def place(chunk: Chunk, top: float) -> list[Item]:
    """The chunk's items at their page position."""
    return shifted(chunk.items, top)
