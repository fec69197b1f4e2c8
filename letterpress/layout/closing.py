"""What follows the body: closing, signatories side by side, approval sentence, Vedlegg and
Kopi til, kept together as one piece."""

from __future__ import annotations

from letterpress import geometry as g
from letterpress.layout.blocks import Measure, line_baseline, text_chunks
from letterpress.layout.context import Context
from letterpress.layout.flow import Chunk
from letterpress.layout.images import signature_picture
from letterpress.layout.page import Image, Item, Node, Text
from letterpress.model import Letter, Signatory

CLOSING_SPACE = 5.0
COLUMN_GAP = 5.0
"""Space kept free right of each signatory's name and title."""
NUMBER_GAP = 2.0
"""Space between an attachment's number and its title."""
SECTION_SPACE = 7.0
NAME_GAP = 1.5
APPROVAL_SPACE = 2.5
COLUMNS = 2


def closing_chunks(ctx: Context, letter: Letter, root: Node) -> list[Chunk]:
    """The chunks after the body, chained into one piece: the closing, signatories and
    approval sentence stay together, and Vedlegg and Kopi til follow them (they never stand
    alone on a page). Only a tail longer than a page is broken."""
    measure = Measure(g.LEFT, g.TEXT_WIDTH)
    size = g.BODY_FONT_SIZE
    closing = letter.closing if letter.closing is not None else ctx.labels.closing
    chunks: list[Chunk] = []
    if closing:
        node = root.add("P", attributes={"letterpress": "closing"})
        lines = ctx.lines(ctx.plain(closing), size, measure.width)
        chunks += text_chunks(
            ctx, lines, size, measure.x, node, space_before=CLOSING_SPACE, keep_all=True
        )
    if letter.signatories:
        chunks += _signatories(ctx, letter, root)
    if letter.approved_electronically:
        node = root.add("P", attributes={"letterpress": "approval"})
        spans = ctx.plain(ctx.labels.approved, italic=True)
        lines = ctx.lines(spans, size - 1, measure.width, hyphenate=True)
        chunks += text_chunks(
            ctx, lines, size - 1, measure.x, node, space_before=APPROVAL_SPACE, keep_all=True
        )
    heading = ctx.labels.attachments_heading(len(letter.attachments))
    titles = [a.title for a in letter.attachments]
    chunks += _listing(ctx, heading, titles, root, letter.attachments_numbered)
    copies = [
        ", ".join([c.name, *([c.attention] if c.attention else []), *c.address])
        for c in letter.copies
    ]
    chunks += _listing(ctx, ctx.labels.copies, copies, root, numbered=False)
    if chunks:
        chunks[-1].keep_with_next = False
    return chunks


def _signatories(ctx: Context, letter: Letter, root: Node) -> list[Chunk]:
    """One chunk per row of signatories side by side; in a row every name stands on the same
    baseline, and every title too, with or without a signature image above it."""
    group = root.add("Div", attributes={"letterpress": "signatories"})
    rows = [letter.signatories[i : i + COLUMNS] for i in range(0, len(letter.signatories), COLUMNS)]
    chunks: list[Chunk] = []
    for index, row in enumerate(rows):
        first = index * COLUMNS
        columns = [_SignatoryColumn(ctx, person, group) for person in row]
        space = max(_space_above_name(letter, person) for person in row)
        name_lines = max(len(column.name) for column in columns)
        title_lines = max(len(column.title) for column in columns)
        items: list[Item] = []
        for column_index, column in enumerate(columns):
            x = g.LEFT + column_index * g.SIGNATORY_COLUMN
            person = row[column_index]
            if person.signature is not None:
                items.append(
                    _signature_image(ctx, letter, person, first + column_index, x, column.node)
                )
            items += column.items(ctx, x, space, name_lines)
        step = g.BODY_LEADING / g.MM
        height = space + (name_lines + title_lines) * step
        chunks.append(Chunk(height, items, keep_with_next=True, space_before=3.0))
    return chunks


def _space_above_name(letter: Letter, person: Signatory) -> float:
    if person.signature is not None:
        return g.SIGNATURE_BOX[1] + NAME_GAP
    if letter.approved_electronically:
        return 0.0
    return g.HANDWRITTEN_SPACE


class _SignatoryColumn:
    """A signatory's name and title lines, wrapped at spaces (a name is never hyphenated)."""

    def __init__(self, ctx: Context, person: Signatory, group: Node) -> None:
        self.node = group.add("Div")
        width = g.SIGNATORY_COLUMN - COLUMN_GAP
        size = g.BODY_FONT_SIZE
        self.name = ctx.lines(ctx.plain(person.name), size, width)
        self.title = ctx.lines(ctx.plain(person.title), size, width) if person.title else ()
        self.name_node = self.node.add("P")
        self.title_node = self.node.add("P") if person.title else None

    def items(self, ctx: Context, x: float, top: float, name_lines: int) -> list[Item]:
        """The lines below ``top``; titles start after ``name_lines`` lines, the most any name
        in the row takes, so titles side by side share their baselines too."""
        size = g.BODY_FONT_SIZE
        step = g.BODY_LEADING / g.MM
        first = top + line_baseline(ctx, size, step)
        items: list[Item] = []
        for number, line in enumerate(self.name):
            items += ctx.line_items(line, x, first + number * step, size, self.name_node)
        for number, line in enumerate(self.title):
            baseline = first + (name_lines + number) * step
            items += ctx.line_items(line, x, baseline, size, self.title_node)
        return items


def _signature_image(
    ctx: Context, letter: Letter, person: Signatory, number: int, x: float, node: Node
) -> Image:
    image = signature_picture(letter, number)
    ctx.images[image.key] = image
    width, height = image.fit(*g.SIGNATURE_BOX)
    # The structure element comes first in the signatory's Div, as the image is drawn first.
    figure = Node("Figure", alt=_signature_alt(ctx, person))
    node.children.insert(0, figure)
    return Image(x, g.SIGNATURE_BOX[1] - height, width, height, image.key, figure)


def _signature_alt(ctx: Context, person: Signatory) -> str:
    words = {"en": "Signature of", "nn": "Signaturen til", "nb": "Signaturen til"}
    if ctx.language not in words:  # no attested wording (North Sámi): the name alone
        return person.name
    return f"{words[ctx.language]} {person.name}"


def _listing(
    ctx: Context, label: str, entries: list[str], root: Node, numbered: bool
) -> list[Chunk]:
    """Vedlegg or Kopi til: a bold label over its entries (numbered 1., 2. ... on request),
    each chained to the next."""
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
    listing = section.add("L", attributes={"ListNumbering": "Decimal" if numbered else "None"})
    indent = ctx.width(f"{len(entries)}.", size) + NUMBER_GAP if numbered else 0.0
    for number, entry in enumerate(entries, start=1):
        item = listing.add("LI")
        label_node = item.add("Lbl") if numbered else None
        body = item.add("LBody")
        lines = ctx.lines(ctx.plain(entry), size, g.TEXT_WIDTH - indent)
        entry_chunks = text_chunks(ctx, lines, size, g.LEFT + indent, body, keep_all=True)
        if label_node is not None:
            number_line = ctx.lines(ctx.plain(f"{number}."), size, indent)[0]
            baseline = next(i.y for i in entry_chunks[0].items if isinstance(i, Text))
            number_items = ctx.line_items(number_line, g.LEFT, baseline, size, label_node)
            entry_chunks[0].items[:0] = number_items
        chunks += entry_chunks
    return chunks
