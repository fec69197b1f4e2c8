"""What every part of the layout needs to know: fonts, labels, colours, and how to set text."""

from __future__ import annotations

from dataclasses import dataclass, field

from letterpress.body.blocks import Span
from letterpress.fonts import FontSet
from letterpress.geometry import MM
from letterpress.labels import Labels
from letterpress.layout.images import Picture
from letterpress.layout.metrics import Metrics, font_metrics
from letterpress.layout.page import Item, Link, Node, Text
from letterpress.layout.text import TextLine, break_lines

BLACK = (0.0, 0.0, 0.0)
GREY = (0.3, 0.3, 0.3)
"""Secondary text (labels, footer): 8.6:1 against white, well above WCAG's 4.5:1."""


@dataclass
class Context:
    fonts: FontSet
    labels: Labels
    language: str
    hyphenation: str
    accent: tuple[float, float, float] = BLACK
    images: dict[str, Picture] = field(default_factory=dict)

    def lines(
        self, spans: tuple[Span, ...], size: float, width: float, hyphenate: bool = False
    ) -> tuple[TextLine, ...]:
        """Lines of ``spans`` no wider than ``width`` mm. Only running text is hyphenated
        (``hyphenate``); names, titles, addresses and table cells wrap at spaces."""
        return break_lines(spans, self.fonts, size, width, self.hyphenation, hyphenate)

    @property
    def metrics(self) -> Metrics:
        """The vertical metrics of the regular style, which places every line's baseline."""
        return font_metrics(self.fonts.name())

    def ascent(self, size: float) -> float:
        """Height above the baseline of the line box of ``size`` pt text, in mm."""
        return size * self.metrics.ascent / MM

    def descent(self, size: float) -> float:
        """Depth below the baseline of the line box of ``size`` pt text, in mm."""
        return size * self.metrics.descent / MM

    def cap_height(self, size: float) -> float:
        """Height of a capital letter of ``size`` pt text, in mm."""
        return size * self.metrics.cap_height / MM

    def width(self, text: str, size: float, bold: bool = False, italic: bool = False) -> float:
        """Width of ``text`` in mm."""
        return self.fonts.width(text, self.fonts.name(bold, italic), size) / MM

    def line_items(
        self,
        line: TextLine,
        x: float,
        baseline: float,
        size: float,
        node: Node | None,
        colour: tuple[float, float, float] = BLACK,
        align_width: float | None = None,
        align: str = "left",
    ) -> list[Item]:
        """Text (and link) items of one line whose baseline is at ``baseline`` mm."""
        if align_width is not None and align != "left":
            slack = align_width - line.width / MM
            x += slack if align == "right" else slack / 2
        fragments = line.fragments
        if len(fragments) == 1 and not fragments[0].lang and not fragments[0].href:
            # The usual line: one run of text outside any link or language span.
            only = fragments[0]
            return [Text(x + only.x / MM, baseline, only.text, only.font, size, node, colour)]
        items: list[Item] = []
        # Neighbouring fragments of one link or language span (a bold word inside it) share
        # its element; the same link or language again after other text is a new element.
        span: tuple[str | None, Node | None] = (None, None)
        link: tuple[tuple[str | None, str | None], Node | None] = ((None, None), None)
        for fragment in line.fragments:
            target = node
            if fragment.lang and node is not None:
                if span[0] != fragment.lang or span[1] is None:
                    span = (fragment.lang, node.add("Span", lang=fragment.lang))
                target = span[1]
            else:
                span = (None, None)
            if fragment.href and target is not None:
                key = (fragment.href, fragment.lang)
                if link[0] != key or link[1] is None:
                    link = (key, target.add("Link"))
                target = link[1]
            else:
                link = ((None, None), None)
            items.append(
                Text(
                    x + fragment.x / MM,
                    baseline,
                    fragment.text,
                    fragment.font,
                    size,
                    target,
                    colour,
                )
            )
            if fragment.href and target is not None and fragment.text.strip():
                metrics = font_metrics(fragment.font)
                items.append(
                    Link(
                        x + fragment.x / MM,
                        baseline - size * metrics.ascent / MM,
                        fragment.width / MM,
                        size * (metrics.ascent + metrics.descent) / MM,
                        fragment.href,
                        target,
                        fragment.text.strip(),
                    )
                )
        return items

    def plain(self, text: str, bold: bool = False, italic: bool = False) -> tuple[Span, ...]:
        """Spans of a plain field (a name, an address line): lines become hard breaks."""
        spans: list[Span] = []
        for i, part in enumerate(text.split("\n")):
            if i:
                spans.append(Span("\n"))
            spans.append(Span(part, bold, italic))
        return tuple(spans)


def leading(size: float, factor: float = 1.35) -> float:
    """Line distance in mm for text of ``size`` pt."""
    return size * factor / MM
