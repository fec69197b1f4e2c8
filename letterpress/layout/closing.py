"""What follows the body: closing, signatories side by side, approval sentence, Vedlegg and
Kopi til. The closing is kept on the same page as the signatories."""

from __future__ import annotations

from letterpress.layout import geometry as g
from letterpress.layout.blocks import Measure, text_chunks
from letterpress.layout.context import Context
from letterpress.layout.flow import Chunk
from letterpress.layout.images import picture
from letterpress.layout.page import Image, Item, Node
from letterpress.model import Letter, Signatory

CLOSING_SPACE = 5.0
SECTION_SPACE = 7.0
NAME_GAP = 1.5
APPROVAL_SPACE = 2.5
COLUMNS = 2


def closing_chunks(ctx: Context, letter: Letter, root: Node) -> list[Chunk]:
    measure = Measure(g.LEFT, g.TEXT_WIDTH)
    size = g.BODY_FONT_SIZE
    closing = letter.closing if letter.closing is not None else ctx.labels.closing
    chunks: list[Chunk] = []
    if closing:
        node = root.add("P", attributes={"letterpress": "closing"})
        lines = ctx.lines(ctx.plain(closing), size, measure.width)
        chunks += text_chunks(
            ctx,
            lines,
            size,
            measure.x,
            node,
            space_before=CLOSING_SPACE,
            keep_all=bool(letter.signatories),
        )
    if letter.signatories:
        chunks += _signatories(ctx, letter, root)
    if letter.approved_electronically:
        node = root.add("P", attributes={"letterpress": "approval"})
        lines = ctx.lines(ctx.plain(ctx.labels.approved, italic=True), size - 1, measure.width)
        chunks += text_chunks(ctx, lines, size - 1, measure.x, node, space_before=APPROVAL_SPACE)
    heading = ctx.labels.attachments_heading(len(letter.attachments))
    chunks += _listing(ctx, heading, [a.title for a in letter.attachments], root)
    copies = [
        ", ".join([c.name, *([c.attention] if c.attention else []), *c.address])
        for c in letter.copies
    ]
    chunks += _listing(ctx, ctx.labels.copies, copies, root)
    return chunks


def _signatories(ctx: Context, letter: Letter, root: Node) -> list[Chunk]:
    group = root.add("Div", attributes={"letterpress": "signatories"})
    rows = [letter.signatories[i : i + COLUMNS] for i in range(0, len(letter.signatories), COLUMNS)]
    chunks: list[Chunk] = []
    for index, row in enumerate(rows):
        items: list[Item] = []
        height = 0.0
        for column, signatory in enumerate(row):
            x = g.LEFT + column * g.SIGNATORY_COLUMN
            number = index * COLUMNS + column
            column_items, column_height = _signatory(ctx, letter, signatory, number, x, group)
            items += column_items
            height = max(height, column_height)
        chunks.append(Chunk(height, items, keep_with_next=index < len(rows) - 1, space_before=3.0))
    if chunks and letter.approved_electronically:
        chunks[-1].keep_with_next = True
    return chunks


def _signatory(
    ctx: Context, letter: Letter, person: Signatory, number: int, x: float, group: Node
) -> tuple[list[Item], float]:
    node = group.add("Div")
    items: list[Item] = []
    y = 0.0
    if person.signature is not None:
        field = f"signatories.{number}.signature"
        source = letter.source
        path, line = (source.path, source.line_of(field)) if source else (None, None)
        image = picture(person.signature, path, field, line, g.SIGNATURE_BOX)
        ctx.images[image.key] = image
        width, height = image.fit(*g.SIGNATURE_BOX)
        figure = node.add("Figure", alt=_signature_alt(ctx, person))
        items.append(Image(x, y + g.SIGNATURE_BOX[1] - height, width, height, image.key, figure))
        y += g.SIGNATURE_BOX[1] + NAME_GAP
    elif not letter.approved_electronically:
        y += g.HANDWRITTEN_SPACE
    size = g.BODY_FONT_SIZE
    step = g.BODY_LEADING / g.MM
    for text in (person.name, person.title):
        if not text:
            continue
        paragraph = node.add("P")
        for line in ctx.lines(ctx.plain(text), size, g.SIGNATORY_COLUMN - 5):
            items += ctx.line_items(line, x, y + size * 0.78 / g.MM + 0.8, size, paragraph)
            y += step
    return items, y


def _signature_alt(ctx: Context, person: Signatory) -> str:
    words = {"en": "Signature of", "nn": "Signaturen til", "nb": "Signaturen til"}
    if ctx.language not in words:  # no attested wording (North Sámi): the name alone
        return person.name
    return f"{words[ctx.language]} {person.name}"


def _listing(ctx: Context, label: str, entries: list[str], root: Node) -> list[Chunk]:
    if not entries:
        return []
    size = g.BODY_FONT_SIZE - 1
    section = root.add("Div")
    heading = section.add("P")
    chunks = text_chunks(
        ctx,
        ctx.lines(ctx.plain(label, bold=True), size, g.TEXT_WIDTH),
        size,
        g.LEFT,
        heading,
        space_before=SECTION_SPACE,
        keep_all=True,
    )
    listing = section.add("L", attributes={"ListNumbering": "None"})
    for entry in entries:
        item = listing.add("LI").add("LBody")
        lines = ctx.lines(ctx.plain(entry), size, g.TEXT_WIDTH)
        chunks += text_chunks(ctx, lines, size, g.LEFT, item)
    return chunks
