"""Page 1's letterhead: the logo top left, the organisation and its unit top right."""

from __future__ import annotations

from letterpress import geometry as g
from letterpress.layout.context import GREY, Context, leading
from letterpress.layout.images import logo_picture
from letterpress.layout.page import Image, Item, Node
from letterpress.model import Letterhead, Source

NAME_SIZE = 13.0
NAME_MIN_SIZE = 11.0
"""A name too long for one line at ``NAME_SIZE`` is set smaller, down to this, before it wraps."""
NAME_SIZE_STEP = 0.5
UNIT_SIZE = 10.0
SENDER_WIDTH = g.SENDER_RIGHT - 120


def letterhead_items(
    ctx: Context, letterhead: Letterhead, root: Node, source: Source | None
) -> list[Item]:
    """The letterhead's items; ``source`` is the letter's, for errors in an inline letterhead."""
    items: list[Item] = []
    if letterhead.logo is not None:
        items.extend(_logo(ctx, letterhead, root, source))
    sender = root.add("Div", attributes={"letterpress": "sender"})
    name_size = _name_size(ctx, letterhead.name)
    y = g.SENDER_TOP + ctx.cap_height(name_size)
    for text, size, bold, colour in (
        (letterhead.name, name_size, True, ctx.accent),
        (letterhead.unit, UNIT_SIZE, False, GREY),
    ):
        if not text:
            continue
        node = sender.add("P")
        # Names wrap at spaces and are never hyphenated.
        for line in ctx.lines(ctx.plain(text, bold), size, SENDER_WIDTH):
            x = g.SENDER_RIGHT - line.width / g.MM
            items.extend(ctx.line_items(line, x, y, size, node, colour))
            y += leading(size, 1.25)
    return items


def _name_size(ctx: Context, name: str) -> float:
    """The largest size from ``NAME_SIZE`` down to ``NAME_MIN_SIZE`` that sets the organisation
    on one line; ``NAME_SIZE`` when even the smallest would wrap (or the name has hard breaks)."""
    size = NAME_SIZE
    while size >= NAME_MIN_SIZE:
        if len(ctx.lines(ctx.plain(name, bold=True), size, SENDER_WIDTH)) == 1:
            return size
        size -= NAME_SIZE_STEP
    return NAME_SIZE


def _logo(ctx: Context, letterhead: Letterhead, root: Node, source: Source | None) -> list[Item]:
    box = g.LOGO_BOX
    image = logo_picture(letterhead, source)
    ctx.images[image.key] = image
    width, height = image.fit(box.width, box.height)
    node = root.add("Figure", alt=letterhead.logo_alt or letterhead.name)
    return [Image(box.x, box.y, width, height, image.key, node)]
