"""Page 1's reference block: Vår referanse, Deres referanse, Arkivkode, Saksbehandler, Dato.

Every label is printed, empty or not, level with the address. A case officer's e-mail address
stays in the value column, broken before its ``@`` if need be; when even its halves are too
wide for the column it is set under the label, across the block's whole width, so the usual
fornavn.etternavn@kommune.kommune.no stays whole or breaks only at its ``@``. An exempt
letter also prints "Unntatt offentlighet" with its legal basis here. For assistive technology
the block is a table of label (row header) and value. A bilingual label too long for the label
column ("Áššemeannudeaddji/Saksbehandler") breaks after the "/" between its languages, and the
block grows downwards; the title keeps its distance below it.
"""

from __future__ import annotations

from letterpress import geometry as g
from letterpress.labels import LABEL_SEPARATOR, short_date
from letterpress.layout.context import GREY, Context
from letterpress.layout.page import Item, Node
from letterpress.layout.text import TextLine, with_word_space
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
    widest = max(ctx.width(label, size) for label, _ in rows)
    label_width = min(widest, g.REFERENCE_LABEL_MAX)
    value_x = g.REFERENCE_BLOCK.x + label_width + g.REFERENCE_LABEL_GAP
    value_width = g.REFERENCE_BLOCK.right - value_x
    table = root.add("Table", attributes={"letterpress": "reference"})
    items: list[Item] = []
    baseline = g.REFERENCE_BLOCK.y + ctx.ascent(size)
    labels = [label_text_lines(ctx, label, size, label_width) for label, _ in rows]
    # Labels on two lines run into each other without a little air between the rows.
    row_gap = g.REFERENCE_ROW_GAP if any(len(lines) > 1 for lines in labels) else 0.0
    for (_, value), label_lines in zip(rows, labels, strict=True):
        row = table.add("TR")
        header = row.add("TH", attributes={"Scope": "Row"})
        cell = row.add("TD")
        for index, line in enumerate(label_lines):
            y = baseline + index * step
            items.extend(ctx.line_items(line, g.REFERENCE_BLOCK.x, y, size, header, GREY))
        value_lines = _value_lines(ctx, value, size, value_x, value_width, len(label_lines))
        for index, (x, line) in enumerate(value_lines):
            items.extend(ctx.line_items(line, x, baseline + index * step, size, cell))
        baseline += max(len(label_lines), len(value_lines)) * step + row_gap
    if letter.exempt:
        baseline += step * 0.5 - row_gap
        exempt = root.add("P", attributes={"letterpress": "exempt"})
        width = g.REFERENCE_BLOCK.width
        # The notice's last line reads with a space before the legal basis that follows.
        notice = label_text_lines(ctx, ctx.labels.exempt, size, width, bold=True)
        lines = (*notice[:-1], with_word_space(notice[-1]))
        lines += ctx.lines(ctx.plain(letter.exempt), size, width)
        for line in lines:
            items.extend(ctx.line_items(line, g.REFERENCE_BLOCK.x, baseline, size, exempt))
            baseline += step
    return items, baseline - step - (0.0 if letter.exempt else row_gap) + ctx.descent(size)


def _value_lines(
    ctx: Context, value: str, size: float, x: float, width: float, label_lines: int
) -> list[tuple[float, TextLine]]:
    """The value's lines with their x. Below the row's label the label column is free: a
    part too wide for the value column (a long e-mail address) takes the block's whole width
    there rather than breaking mid-name."""
    placed: list[tuple[float, TextLine]] = []
    for part in value.split("\n"):
        part_x, part_width = x, width
        below_label = len(placed) >= label_lines
        if placed and below_label and not _fits_column(ctx, part, size, width):
            part_x, part_width = g.REFERENCE_BLOCK.x, g.REFERENCE_BLOCK.width
        if placed:
            # The part before reads with a space after it: "Ingrid Haugen +47 57 00 01 23".
            placed[-1] = (placed[-1][0], with_word_space(placed[-1][1]))
        placed += [(part_x, line) for line in ctx.lines(ctx.plain(part), size, part_width)]
    return placed


def _fits_column(ctx: Context, text: str, size: float, width: float) -> bool:
    """Whether ``text`` fits the value column on one line, or (an e-mail address) on two
    broken before its ``@``."""
    if ctx.width(text, size) <= width:
        return True
    at = text.find("@")
    halves = (text[:at], text[at:])
    return at > 0 and all(ctx.width(half, size) <= width for half in halves)


def label_text_lines(
    ctx: Context, label: str, size: float, width: float, bold: bool = False
) -> tuple[TextLine, ...]:
    """A label in as few lines of ``width`` mm as it needs, a bilingual one broken after the
    "/" between its languages before anywhere else; never hyphenated."""
    parts = label.split(LABEL_SEPARATOR)
    pieces = [part + LABEL_SEPARATOR for part in parts[:-1]] + parts[-1:]
    texts: list[str] = []
    for piece in pieces:
        if texts and ctx.width(texts[-1] + piece, size, bold) <= width:
            texts[-1] += piece
        else:
            texts.append(piece)
    return tuple(
        line
        for text in texts
        for line in ctx.lines(ctx.plain(text, bold), size, width, hyphenate=False)
    )
