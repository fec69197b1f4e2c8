"""Breaking styled text into ragged-right lines, with Norwegian hyphenation.

Words are hyphenated with pyphen's dictionary for the letter's language when that fills a line
better; a word or URL longer than the whole line is broken inside the margins, preferably after
``/ . - _ ? & = #``, never pushed past the edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from letterpress.body.blocks import Span
from letterpress.layout.fonts import FontSet
from letterpress.layout.geometry import MM
from letterpress.layout.hyphenation import hyphenator

_SPACES = re.compile(r"([ \t]+)")
_WORD = re.compile(r"^([\"'«(\[]*)([^\W\d_][\w\-]*?)([\"'»)\].,:;!?]*)$")
_URL_BREAKS = "/.-_?&=#"
MIN_HYPHENATED = 6
"""Words shorter than this are never hyphenated."""
MAX_HYPHENATED = 60
"""Longer "words" (URLs, codes) are broken at the margin instead: the dictionary has nothing
to say about them, and asking it for every line of a very long one costs quadratic time."""
WELL_FILLED = 0.9
"""A line filled this far is left as it is rather than hyphenating the next word."""
SOFT_HYPHEN = "\u00ad"
"""Stands for a hyphen that hyphenation inserted: it is measured and drawn as "-", and read
by assistive technology as U+00AD, so the word reads whole (ISO 32000-1, 14.8.2.2.3)."""
WORD_SPACE = " "
"""Ends a line that broke at a space or a hard break. It is not measured (nothing follows it
on the line), but it is in the text, so the last word of a line and the first of the next do
not run together when the text is read (ISO 32000-1, 14.8.2.5)."""


@dataclass(frozen=True)
class Fragment:
    """Text in one font on a line, ``x`` points from the line's start."""

    x: float
    text: str
    font: str
    width: float
    href: str | None = None
    lang: str | None = None


@dataclass
class TextLine:
    fragments: list[Fragment] = field(default_factory=list)
    width: float = 0.0

    @property
    def text(self) -> str:
        return "".join(f.text for f in self.fragments)


@dataclass(frozen=True)
class _Piece:
    text: str
    font: str
    href: str | None
    lang: str | None = None


@lru_cache(maxsize=4096)
def break_lines(
    spans: tuple[Span, ...],
    fonts: FontSet,
    size: float,
    width_mm: float,
    language: str,
    hyphenate: bool = True,
) -> tuple[TextLine, ...]:
    """Lines of ``spans`` set in ``size`` pt, none wider than ``width_mm``.

    Cached: in a mail merge every letter sets the same paragraphs, and only the recipient's
    lines are new. The lines returned are shared and must not be changed.
    """
    return tuple(_LineBreaker(fonts, size, width_mm * MM, language, hyphenate).run(spans))


class _LineBreaker:
    def __init__(
        self, fonts: FontSet, size: float, width: float, language: str, hyphenate: bool
    ) -> None:
        self.hyphenate = hyphenate
        self.fonts = fonts
        self.size = size
        self.limit = width
        self.language = language
        self.lines: list[TextLine] = []
        self.current: list[_Piece] = []
        self.used = 0.0
        self.pending_space: _Piece | None = None

    def width(self, piece: _Piece) -> float:
        return self.fonts.width(_drawn(piece.text), piece.font, self.size)

    def run(self, spans: tuple[Span, ...]) -> list[TextLine]:
        for box in _boxes(spans, self.fonts):
            if box == "break":
                self.flush(force=True, end=WORD_SPACE)
            elif box == "space":
                if self.current:
                    self.pending_space = _Piece(" ", self.current[-1].font, None)
            else:
                self.place(box)
        self.flush(force=False)
        return self.lines or [TextLine()]

    def place(self, box: list[_Piece]) -> None:
        while box:
            space = self.width(self.pending_space) if self.pending_space and self.current else 0.0
            box_width = self.box_width(box)
            if self.used + space + box_width <= self.limit:
                self.append(box, space, box_width)
                return
            head, tail = self.split(box, self.limit - self.used - space)
            if head:
                self.append(head, space, self.box_width(head))
                self.flush(force=True)
                box = tail
            elif self.current:
                self.flush(force=True, end=WORD_SPACE)
            else:
                head, tail = self.force_split(box)
                self.append(head, 0.0, self.box_width(head))
                self.flush(force=True)
                box = tail

    def box_width(self, box: list[_Piece]) -> float:
        if len(box) == 1:
            return self.width(box[0])
        return sum(self.width(p) for p in box)

    def append(self, box: list[_Piece], space: float, width: float) -> None:
        if self.current and self.pending_space is not None:
            self.current.append(_space_between(self.pending_space, self.current[-1], box[0]))
            self.used += space
        self.pending_space = None
        self.current.extend(box)
        self.used += width

    def flush(self, *, force: bool, end: str = "") -> None:
        """End the line; ``end`` is what reads between it and the next (a word space, or
        nothing where a word goes on)."""
        if self.current or force:
            self.lines.append(self.make_line(self.current, end))
        self.current, self.used, self.pending_space = [], 0.0, None

    def make_line(self, pieces: list[_Piece], end: str = "") -> TextLine:
        line = TextLine()
        x = 0.0
        for piece in _join(pieces):
            width = self.width(piece)
            line.fragments.append(
                Fragment(x, piece.text, piece.font, width, piece.href, piece.lang)
            )
            x += width
        line.width = x
        if end and line.fragments:
            last = line.fragments[-1]
            line.fragments[-1] = replace(last, text=last.text + end)
        return line

    def split(self, box: list[_Piece], room: float) -> tuple[list[_Piece], list[_Piece]]:
        """Hyphenate a one-piece word so its head (with a hyphen) fits into ``room``."""
        if len(box) != 1 or not self.hyphenate or self.used >= WELL_FILLED * self.limit:
            return [], box
        piece = box[0]
        match = _WORD.match(piece.text)
        if not match or not MIN_HYPHENATED <= len(match.group(2)) <= MAX_HYPHENATED:
            return [], box
        lead, word, _trail = match.groups()
        for position in reversed(_hyphen_positions(word, self.language)):
            cut = len(lead) + position
            head_text = piece.text[:cut]
            hyphen = "" if head_text.endswith("-") else SOFT_HYPHEN
            head = replace(piece, text=head_text + hyphen)
            if self.width(head) <= room:
                return [head], [replace(piece, text=piece.text[cut:])]
        return [], box

    def force_split(self, box: list[_Piece]) -> tuple[list[_Piece], list[_Piece]]:
        """Break a box wider than a whole line: at a URL-like break if one fits, else anywhere."""
        head: list[_Piece] = []
        room = self.limit
        for index, piece in enumerate(box):
            width = self.width(piece)
            if width <= room:
                head.append(piece)
                room -= width
                continue
            cut = self.fitting_prefix(piece, room)
            if cut == 0 and not head:
                cut = 1
            if cut:
                head.append(replace(piece, text=piece.text[:cut]))
            rest = [replace(piece, text=piece.text[cut:])] if piece.text[cut:] else []
            return head, rest + box[index + 1 :]
        return head, []

    def fitting_prefix(self, piece: _Piece, room: float) -> int:
        # Glyph widths add up (no kerning is applied), so the prefix grows one character at a
        # time instead of measuring every prefix anew.
        fits, used = 0, 0.0
        for char in piece.text:
            used += self.fonts.width(char, piece.font, self.size)
            if used > room:
                break
            fits += 1
        nice = max((piece.text.rfind(c, 0, fits) for c in _URL_BREAKS), default=-1)
        if nice >= fits // 2 and nice > 0:
            return nice + 1
        return fits


def _space_between(space: _Piece, before: _Piece, after: _Piece) -> _Piece:
    """A word space inside a link or a language span belongs to it, so the words on either
    side are read together and the space between them is read with them."""
    if (before.href, before.lang) == (after.href, after.lang):
        return replace(space, href=before.href, lang=before.lang)
    return space


def _drawn(text: str) -> str:
    """The text as it is drawn: an inserted hyphen is a hyphen."""
    return text.replace(SOFT_HYPHEN, "-") if SOFT_HYPHEN in text else text


def _hyphen_positions(word: str, language: str) -> list[int]:
    return list(hyphenator(language).positions(word))


def _boxes(spans: tuple[Span, ...], fonts: FontSet) -> list[list[_Piece] | str]:
    """Words (runs of pieces with no space between), "space" and "break" tokens."""
    tokens: list[list[_Piece] | str] = []
    box: list[_Piece] = []
    for span in spans:
        if span.is_break:
            if box:
                tokens.append(box)
                box = []
            tokens.append("break")
            continue
        font = fonts.name(span.bold, span.italic)
        for part in _SPACES.split(span.text):
            if not part:
                continue
            if part.isspace():
                if box:
                    tokens.append(box)
                    box = []
                tokens.append("space")
            else:
                box.append(_Piece(part, font, span.href, span.lang))
    if box:
        tokens.append(box)
    return tokens


def _join(pieces: list[_Piece]) -> list[_Piece]:
    joined: list[_Piece] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if last and (last.font, last.href, last.lang) == (piece.font, piece.href, piece.lang):
            joined[-1] = replace(last, text=last.text + piece.text)
        else:
            joined.append(piece)
    return joined
