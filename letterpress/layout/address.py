"""Page 1's address block, placed to show through the window of C5, E65 and EC4 envelopes."""

from __future__ import annotations

from letterpress import geometry as g
from letterpress.layout.context import Context
from letterpress.layout.page import Item, Node
from letterpress.model import Recipient


def address_items(ctx: Context, recipient: Recipient, root: Node) -> tuple[list[Item], float]:
    """The recipient's lines from the top of the window; returns the items and their bottom."""
    block = root.add("Div", attributes={"letterpress": "address"})
    size = g.ADDRESS_FONT_SIZE
    baseline = g.ADDRESS_BLOCK.y + ctx.ascent(size)
    step = g.ADDRESS_LEADING / g.MM
    items: list[Item] = []
    for text in recipient.lines:
        node = block.add("P")
        for line in ctx.lines(ctx.plain(text), size, g.ADDRESS_BLOCK.width, hyphenate=False):
            items.extend(ctx.line_items(line, g.ADDRESS_BLOCK.x, baseline, size, node))
            baseline += step
    return items, baseline - step + ctx.descent(size)
