"""Page 1's reference block: Vår referanse, Deres referanse, Arkivkode, Saksbehandler, Dato.

Every label is printed, empty or not, level with the address. A case officer's e-mail address
stays in the value column, broken before its ``@`` if need be; when even its halves are too
wide for the column it is set under the label, across the block's whole width, so the usual
fornavn.etternavn@kommune.kommune.no stays whole or breaks only at its ``@``. An exempt
letter also prints "Unntatt offentlighet" with its legal basis here. For assistive technology
the block is a table of label (row header) and value.
"""

from __future__ import annotations

from letterpress import geometry as g
from letterpress.labels import short_date
from letterpress.layout.context import GREY, Context
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
    baseline = g.REFERENCE_BLOCK.y + ctx.ascent(size)
    for label, value in rows:
        row = table.add("TR")
        header = row.add("TH", attributes={"Scope": "Row"})
        cell = row.add("TD")
        label_line = ctx.lines(ctx.plain(label), size, label_width)[0]
        items.extend(ctx.line_items(label_line, g.REFERENCE_BLOCK.x, baseline, size, header, GREY))
        for number, part in enumerate(value.split("\n")):
            x, width = value_x, value_width
            if number and not _fits_column(ctx, part, size, value_width):
                # Below the row's first line the label column is free: a long e-mail address
                # takes the block's whole width there rather than breaking mid-name.
                x, width = g.REFERENCE_BLOCK.x, g.REFERENCE_BLOCK.width
            for line in ctx.lines(ctx.plain(part), size, width):
                items.extend(ctx.line_items(line, x, baseline, size, cell))
                baseline += step
    if letter.exempt:
        baseline += step * 0.5
        exempt = root.add("P", attributes={"letterpress": "exempt"})
        for text, bold in ((ctx.labels.exempt, True), (letter.exempt, False)):
            for line in ctx.lines(ctx.plain(text, bold), size, g.REFERENCE_BLOCK.width):
                items.extend(ctx.line_items(line, g.REFERENCE_BLOCK.x, baseline, size, exempt))
                baseline += step
    return items, baseline - step + ctx.descent(size)


def _fits_column(ctx: Context, text: str, size: float, width: float) -> bool:
    """Whether ``text`` fits the value column on one line, or (an e-mail address) on two
    broken before its ``@``."""
    if ctx.width(text, size) <= width:
        return True
    at = text.find("@")
    halves = (text[:at], text[at:])
    return at > 0 and all(ctx.width(half, size) <= width for half in halves)
