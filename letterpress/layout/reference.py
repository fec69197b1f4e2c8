"""Page 1's reference block: Vår referanse, Deres referanse, Arkivkode, Saksbehandler, Dato.

Every label is printed, empty or not, level with the address. An exempt letter also prints
"Unntatt offentlighet" with its legal basis here. For assistive technology the block is a table
of label (row header) and value.
"""

from __future__ import annotations

from letterpress.body.blocks import Span
from letterpress.labels import short_date
from letterpress.layout import geometry as g
from letterpress.layout.context import ASCENT, GREY, Context
from letterpress.layout.page import Item, Node
from letterpress.model import Letter


def reference_rows(letter: Letter, ctx: Context) -> list[tuple[str, str]]:
    """Label and value of each row, in KS's order."""
    labels = ctx.labels
    reference = letter.reference
    officer = reference.case_officer
    officer_text = ""
    if officer is not None:
        officer_text = "\n".join(
            part for part in (officer.name, officer.phone, officer.email) if part
        )
    return [
        (labels.our_reference, reference.ours),
        (labels.archive_code, reference.archive_code),
        (labels.case_officer, officer_text),
        (labels.your_reference, reference.yours),
        (labels.date, short_date(letter.date, letter.language)),
    ]


def reference_items(letter: Letter, ctx: Context, root: Node) -> tuple[list[Item], float]:
    """The block's items and the bottom (mm) of its last line."""
    size = g.REFERENCE_FONT_SIZE
    step = g.REFERENCE_LEADING / g.MM
    rows = reference_rows(letter, ctx)
    label_width = max(ctx.width(label, size) for label, _ in rows) + g.REFERENCE_LABEL_GAP
    value_x = g.REFERENCE_BLOCK.x + label_width
    value_width = g.REFERENCE_BLOCK.right - value_x
    table = root.add("Table", attributes={"letterpress": "reference"})
    items: list[Item] = []
    baseline = g.REFERENCE_BLOCK.y + size * ASCENT / g.MM
    for label, value in rows:
        row = table.add("TR")
        header = row.add("TH", attributes={"Scope": "Row"})
        cell = row.add("TD")
        label_line = ctx.lines(ctx.plain(label), size, label_width)[0]
        items.extend(ctx.line_items(label_line, g.REFERENCE_BLOCK.x, baseline, size, header, GREY))
        for line in ctx.lines(ctx.plain(value), size, value_width):
            items.extend(ctx.line_items(line, value_x, baseline, size, cell))
            baseline += step
    if letter.exempt:
        baseline += step * 0.5
        exempt = root.add("P", attributes={"letterpress": "exempt"})
        # One run with a hard break, so the notice and its legal basis read as separate words.
        spans = (*ctx.plain(ctx.labels.exempt, True), Span("\n"), *ctx.plain(letter.exempt))
        for line in ctx.lines(spans, size, g.REFERENCE_BLOCK.width):
            items.extend(ctx.line_items(line, g.REFERENCE_BLOCK.x, baseline, size, exempt))
            baseline += step
    return items, baseline - step + size * 0.25 / g.MM
