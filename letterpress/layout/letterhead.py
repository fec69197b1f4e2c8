"""Page 1's letterhead: the logo top left, the organisation and its unit top right."""

from __future__ import annotations

from letterpress import geometry as g
from letterpress.layout.context import GREY, Context, leading
from letterpress.layout.images import picture
from letterpress.layout.page import Image, Item, Node
from letterpress.model import Letterhead, Source

NAME_SIZE = 13.0
UNIT_SIZE = 10.0


def letterhead_items(
    ctx: Context, letterhead: Letterhead, root: Node, source: Source | None
) -> list[Item]:
    """The letterhead's items; ``source`` is the letter's, for errors in an inline letterhead."""
    items: list[Item] = []
    if letterhead.logo is not None:
        items.extend(_logo(ctx, letterhead, root, source))
    sender = root.add("Div", attributes={"letterpress": "sender"})
    y = g.SENDER_TOP + NAME_SIZE * 0.75 / g.MM
    for text, size, bold, colour in (
        (letterhead.name, NAME_SIZE, True, ctx.accent),
        (letterhead.unit, UNIT_SIZE, False, GREY),
    ):
        if not text:
            continue
        node = sender.add("P")
        for line in ctx.lines(ctx.plain(text, bold), size, g.SENDER_RIGHT - 120):
            x = g.SENDER_RIGHT - line.width / g.MM
            items.extend(ctx.line_items(line, x, y, size, node, colour))
            y += leading(size, 1.25)
    return items


def _logo(ctx: Context, letterhead: Letterhead, root: Node, source: Source | None) -> list[Item]:
    assert letterhead.logo is not None
    box = g.LOGO_BOX
    # A letterhead file is named by itself; an inline one by the letter, with its line.
    path, line, field = letterhead.source, None, "logo"
    if letterhead.source is None and source is not None:
        field = "letterhead.logo"
        path, line = source.path, source.line_of(field)
    image = picture(letterhead.logo, path, field, line, (box.width, box.height))
    ctx.images[image.key] = image
    width, height = image.fit(box.width, box.height)
    node = root.add("Figure", alt=letterhead.logo_alt or letterhead.name)
    return [Image(box.x, box.y, width, height, image.key, node)]
