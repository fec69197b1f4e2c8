"""Page 1's footer with the sender's addresses and numbers, and the header of later pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from letterpress import geometry as g
from letterpress.body.blocks import Span
from letterpress.fonts import FontSet
from letterpress.labels import LABEL_SEPARATOR, labels
from letterpress.layout.context import GREY, Context, leading
from letterpress.layout.page import Item, Line, Node, Text
from letterpress.model import Letterhead

FooterLine = tuple[Span, ...]


def letterhead_language(letterhead: Letterhead, ctx: Context) -> str | None:
    """The language tag of the letterhead's own texts, where it is not the letter's."""
    if letterhead.language is None or letterhead.language == ctx.language:
        return None
    return labels(letterhead.language).language_tag


def footer_columns(letterhead: Letterhead, ctx: Context) -> list[tuple[str, list[FooterLine]]]:
    """The footer's columns: a label and its lines; empty ones are left out. The e-mail and
    web addresses are links. Labels are in the letter's language, addresses in the
    letterhead's."""
    printed = ctx.labels
    lang = letterhead_language(letterhead, ctx)
    contact = [
        _entry(printed.phone, letterhead.phone, None),
        _entry(printed.email, letterhead.email, f"mailto:{letterhead.email}"),
        _entry(printed.web, letterhead.web, _web_link(letterhead.web)),
    ]
    numbers = [
        _entry(printed.org_number, letterhead.org_number, None),
        _entry(printed.account, letterhead.account, None),
    ]
    columns: list[tuple[str, list[FooterLine]]] = [
        (printed.post_address, [(Span(line, lang=lang),) for line in letterhead.post_address]),
        (printed.visit_address, [(Span(line, lang=lang),) for line in letterhead.visit_address]),
        ("", [line for line in contact if line]),
        ("", [line for line in numbers if line]),
    ]
    return [(label, lines) for label, lines in columns if lines]


def _entry(label: str, value: str, href: str | None) -> FooterLine:
    if not value:
        return ()
    return (Span(labelled(label)), Span(value, href=href))


def labelled(label: str) -> str:
    """ "Telefon: " before a value, but "Org.nr. " and "Kontonr. ": no colon after a full stop."""
    return f"{label} " if label.endswith(".") else f"{label}: "


def _web_link(web: str) -> str | None:
    if not web:
        return None
    if "://" not in web:
        return f"https://{web}"
    return web if web.split("://", 1)[0].lower() in ("http", "https") else None


def footer_items(letterhead: Letterhead, ctx: Context, root: Node) -> list[Item]:
    """The footer of page 1: a rule, then up to four columns in small type, each as wide as
    its longest line needs (the e-mail and web addresses are the long ones)."""
    items: list[Item] = [Line(g.LEFT, g.FOOTER_RULE, g.RIGHT, g.FOOTER_RULE, 0.4, ctx.accent)]
    columns = footer_columns(letterhead, ctx)
    if not columns:
        return items
    size = g.FOOTER_FONT_SIZE
    entries = tuple(tuple(_entries(label, lines)) for label, lines in columns)
    texts, widths = _fit_columns(ctx.fonts, entries, size)
    section = root.add("Div", attributes={"letterpress": "footer"})
    x = g.LEFT
    for lines, width in zip(texts, widths, strict=True):
        baseline = g.FOOTER_TOP + ctx.cap_height(size)
        node = section.add("P")
        for line in ctx.lines(_column_spans(lines), size, width - FOOTER_GUTTER, hyphenate=False):
            items.extend(ctx.line_items(line, x, baseline, size, node, GREY))
            baseline += leading(size, 1.2)
        x += width
    return items


def _column_spans(lines: Sequence[FooterLine]) -> tuple[Span, ...]:
    """A column as one run of text with hard breaks, so the lines read as separate words."""
    spans: list[Span] = []
    for line in lines:
        if spans:
            spans.append(Span("\n"))
        spans.extend(line)
    return tuple(spans)


FOOTER_GUTTER = 4.0


@dataclass(frozen=True)
class _Entry:
    """A heading or a line of a footer column: whole on one line, or, where the columns do not
    fit beside each other, in ``parts`` on lines of their own (a bilingual heading after its
    "/", "Telefon:" above the number), so that no number is ever broken inside."""

    whole: FooterLine
    parts: tuple[FooterLine, ...]


def _entries(label: str, lines: list[FooterLine]) -> list[_Entry]:
    entries = []
    if label:
        pieces = label.split(LABEL_SEPARATOR)
        heading = [p + LABEL_SEPARATOR for p in pieces[:-1]] + pieces[-1:]
        entries.append(
            _Entry((Span(label, bold=True),), tuple((Span(p, bold=True),) for p in heading))
        )
    for line in lines:
        if len(line) == 2 and line[0].text.endswith(" "):
            head = (Span(line[0].text.rstrip(), line[0].bold),)
            entries.append(_Entry(line, (head, line[1:])))
        else:
            entries.append(_Entry(line, (line,)))
    return entries


@lru_cache(maxsize=32)
def _fit_columns(
    fonts: FontSet, columns: tuple[tuple[_Entry, ...], ...], size: float
) -> tuple[tuple[tuple[FooterLine, ...], ...], tuple[float, ...]]:
    """The lines of each column and its width. Columns as wide as their longest line when they
    fit beside each other; otherwise the entry whose split narrows the footer most is split,
    one at a time, never giving a column more than ``g.FOOTER_MAX_LINES`` lines; what still
    does not fit is narrowed in proportion and wraps.

    Cached: every letter with one letterhead (and label language) has the same footer."""
    split = [[False] * len(column) for column in columns]

    def lines(index: int) -> list[FooterLine]:
        chosen = zip(columns[index], split[index], strict=True)
        return [line for entry, apart in chosen for line in _form(entry, apart)]

    def width(index: int) -> float:
        return max(_line_width(fonts, line, size) for line in lines(index)) + FOOTER_GUTTER

    widths = [width(i) for i in range(len(columns))]
    while sum(widths) > g.TEXT_WIDTH:
        best: tuple[float, int, int] | None = None
        for index, column in enumerate(columns):
            for number, entry in enumerate(column):
                if split[index][number] or len(entry.parts) < 2:
                    continue
                split[index][number] = True
                saving = widths[index] - width(index)
                if len(lines(index)) <= g.FOOTER_MAX_LINES and saving > 0:
                    best = max(best or (saving, index, number), (saving, index, number))
                split[index][number] = False
        if best is None:
            break
        _, index, number = best
        split[index][number] = True
        widths[index] = width(index)
    return tuple(tuple(lines(i)) for i in range(len(columns))), tuple(_spread(widths))


def _form(entry: _Entry, apart: bool) -> tuple[FooterLine, ...]:
    return entry.parts if apart else (entry.whole,)


def _line_width(fonts: FontSet, line: FooterLine, size: float) -> float:
    """Width in mm, measured as ``Context.width`` measures."""
    return sum(fonts.width(span.text, fonts.name(span.bold), size) / g.MM for span in line)


def _spread(natural: list[float]) -> list[float]:
    total = sum(natural)
    if total <= g.TEXT_WIDTH:
        spare = (g.TEXT_WIDTH - total) / len(natural)
        return [width + spare for width in natural]
    return [width * g.TEXT_WIDTH / total for width in natural]


def page_number_items(ctx: Context, number: int, total: int, baseline: float) -> list[Item]:
    """ "Side N av M" at the right margin, as decoration (an artifact). Page numbers and the
    running header are in the letter's own language even when its labels are bilingual: they
    repeat what page 1 says in both, and stay short beside the organisation's name."""
    size = g.HEADER_FONT_SIZE
    text = labels(ctx.language).page_of(number, total)
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
        text = labelled(labels(ctx.language).our_reference) + ours
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
