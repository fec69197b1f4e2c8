"""Breaking styled text into ragged-right lines, with hyphenation by language.

Words are hyphenated with pyphen's dictionary for their language (the letter's, or a span's
own) when that fills a line better, in running text only (the caller asks for it); text in a
language pyphen has no patterns for (North Sámi) breaks only at spaces and at the hyphens
already in it. A word longer than the whole line is broken inside the margins, never pushed
past the edge. An e-mail address or URL is broken only after ``@ . / -`` or just before
``@ .``, never with an inserted hyphen; an e-mail address is broken before its ``@`` when both
halves fit on a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from letterpress.body.blocks import Span
from letterpress.fonts import FontSet
from letterpress.geometry import MM
from letterpress.layout.hyphenation import dictionary_for, hyphenator

_SPACES = re.compile(r"([ \t]+)")
_WORD = re.compile(r"^([\"'«(\[]*)([^\W\d_][\w\-]*?)([\"'»)\].,:;!?]*)$")
_BREAK_AFTER = "@./-"
_BREAK_BEFORE = "@."
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


@dataclass(frozen=True)
class TextLine:
    fragments: tuple[Fragment, ...] = ()
    width: float = 0.0

    @property
    def text(self) -> str:
        return "".join(f.text for f in self.fragments)


class _Piece(NamedTuple):
    # A tuple, not a dataclass: a paragraph makes one per word, and a tuple is made in a
    # fraction of the time a frozen dataclass takes.
    text: str
    font: str
    href: str | None
    hyphenation: str = ""
    """The pyphen dictionary of the piece's language."""
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
    """Lines of ``spans`` set in ``size`` pt, none wider than ``width_mm``; ``language`` is
    the pyphen dictionary for spans that do not name a language of their own.

    Cached: in a mail merge every letter sets the same paragraphs, and only the recipient's
    lines are new. The lines are immutable, so every letter can share them.
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
        self.widths = _widths(size)

    def width(self, piece: _Piece) -> float:
        key = piece[:2]  # (text, font)
        found = self.widths.get(key)
        if found is None:
            found = self.widths[key] = self.fonts.width(_drawn(piece.text), piece.font, self.size)
        return found

    def run(self, spans: tuple[Span, ...]) -> list[TextLine]:
        if len(spans) == 1 and _plain(spans[0]):
            self.run_plain(spans[0])
        else:
            self.run_spans(spans)
        self.flush(force=False)
        return self.lines or [TextLine()]

    def run_plain(self, span: Span) -> None:
        """``run_spans`` for the usual paragraph, one span of words in one font without a
        link or language: the words that fit are added up as numbers, and only a word that
        does not fit goes through ``place`` (hyphenation, carrying over), with the line so
        far as one piece of its joined text, which ``place`` and ``make_line`` treat exactly
        as the words and spaces it joins."""
        font = self.fonts.name(span.bold, span.italic)
        limit, widths, measure = self.limit, self.widths, self.width
        space_piece = _Piece(" ", font, None)
        space = measure(space_piece)
        words: list[str] = []
        used = 0.0
        # Text between spaces, as ``_boxes`` finds it; a part that is all white space (a lone
        # no-break space) is a space there too.
        for word in _SPACES.split(span.text)[0::2]:
            if not word or word.isspace():
                continue
            width = widths.get((word, font)) or measure(_Piece(word, font, None))
            if words:
                if used + space + width <= limit:
                    words.append(word)
                    used = used + space + width
                    continue
            elif used + width <= limit:
                words.append(word)
                used = used + width
                continue
            if words and width <= limit and not self.may_hyphenate(word, used):
                # The usual line end: the word goes whole to the next line. ``place`` would
                # end the line as one piece and start the next with the word; done directly.
                self.lines.append(self.plain_line(" ".join(words), font, WORD_SPACE))
                words = [word]
                used = width
                continue
            self.current = [_Piece(" ".join(words), font, None, self.language)] if words else []
            self.used = used
            self.pending_space = space_piece if words else None
            self.place([_Piece(word, font, None, self.language)])
            words = ["".join(piece.text for piece in self.current)] if self.current else []
            used = self.used
        if words:
            self.current = [_Piece(" ".join(words), font, None, self.language)]
            self.used = used

    def may_hyphenate(self, word: str, used: float) -> bool:
        """Whether ``split`` might hyphenate ``word`` at the end of a line filled to ``used``."""
        if not self.hyphenate or used >= WELL_FILLED * self.limit:
            return False
        match = _WORD.match(word)
        return match is not None and MIN_HYPHENATED <= len(match.group(2)) <= MAX_HYPHENATED

    def plain_line(self, text: str, font: str, end: str) -> TextLine:
        """``make_line`` of one piece of ``text`` in ``font`` without a link or language."""
        width = self.fonts.width(_drawn(text), font, self.size)
        if end and not text.endswith((WORD_SPACE, SOFT_HYPHEN)):
            text += end
        return TextLine((Fragment(0.0, text, font, width),), 0.0 + width)

    def run_spans(self, spans: tuple[Span, ...]) -> None:
        limit, current, widths, measure = self.limit, self.current, self.widths, self.width
        for box in _boxes(spans, self.fonts, self.language):
            if isinstance(box, str):
                if box == "break":
                    self.flush(force=True, end=WORD_SPACE)
                    current = self.current
                elif current:  # a space
                    self.pending_space = _Piece(" ", current[-1].font, None)
            elif len(box) == 1:
                # The usual word, one piece in one font: placed here when it fits, without
                # the calls ``place`` makes for words it must hyphenate or carry over.
                piece = box[0]
                pending = self.pending_space
                # Widths looked up inline (``self.width`` when not yet known): two a word.
                space = 0.0
                if pending is not None and current:
                    space = widths.get(pending[:2]) or measure(pending)
                used = self.used + space
                piece_width = widths.get(piece[:2]) or measure(piece)
                if used + piece_width > limit:
                    self.place(box)
                    current = self.current
                    continue
                if pending is not None and current:
                    if piece.href is not None or piece.lang is not None:
                        pending = _space_between(pending, current[-1], piece)
                    current.append(pending)
                    self.used = used
                self.pending_space = None
                current.append(piece)
                self.used += piece_width
            else:
                self.place(box)
                current = self.current

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
        fragments = []
        x = 0.0
        runs = _join(pieces)
        last = len(runs) - 1
        for index, piece in enumerate(runs):
            # A joined run is seldom measured twice: measured directly, not kept.
            width = self.fonts.width(_drawn(piece.text), piece.font, self.size)
            text = piece.text
            if index == last and end and not text.endswith((WORD_SPACE, SOFT_HYPHEN)):
                text += WORD_SPACE  # read, not measured: see ``with_word_space``
            fragments.append(Fragment(x, text, piece.font, width, piece.href, piece.lang))
            x += width
        return TextLine(tuple(fragments), x)

    def split(self, box: list[_Piece], room: float) -> tuple[list[_Piece], list[_Piece]]:
        """Hyphenate a one-piece word so its head (with a hyphen) fits into ``room``."""
        if len(box) != 1 or not self.hyphenate or self.used >= WELL_FILLED * self.limit:
            return [], box
        piece = box[0]
        match = _WORD.match(piece.text)
        if not match or not MIN_HYPHENATED <= len(match.group(2)) <= MAX_HYPHENATED:
            return [], box
        lead, word, _trail = match.groups()
        for position in reversed(_hyphen_positions(word, piece.hyphenation)):
            cut = len(lead) + position
            head_text = piece.text[:cut]
            hyphen = "" if head_text.endswith("-") else SOFT_HYPHEN
            head = piece._replace(text=head_text + hyphen)
            if self.width(head) <= room:
                return [head], [piece._replace(text=piece.text[cut:])]
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
                head.append(piece._replace(text=piece.text[:cut]))
            rest = [piece._replace(text=piece.text[cut:])] if piece.text[cut:] else []
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

        def fits_line(rest: str) -> bool:
            return self.fonts.width(rest, piece.font, self.size) <= self.limit

        return _address_break(piece.text, fits, fits_line) or fits


_WIDTHS: dict[float, dict[tuple[str, str], float]] = {}
MEASURED_WORDS = 20_000
"""Words whose widths are kept per font size; past this, the table starts afresh."""


def _widths(size: float) -> dict[tuple[str, str], float]:
    """The widths of words (text, font) set in ``size`` pt measured so far in this process.

    Most words of a letter were measured in earlier letters; a dictionary look-up is several
    times quicker than asking the font. A width depends only on the text, the font (whose
    name carries a digest of its file) and the size, so the table never changes a letter.
    """
    table = _WIDTHS.get(size)
    if table is None or len(table) > MEASURED_WORDS:
        table = _WIDTHS[size] = {}
    return table


def _plain(span: Span) -> bool:
    return span.href is None and span.lang is None and not span.is_break


def _address_break(text: str, fits: int, fits_line: Callable[[str], bool]) -> int:
    """Where to break ``text`` (an e-mail address, URL or long code) within its first ``fits``
    characters: before the ``@`` when both halves fit on a line, else at the last allowed
    break; 0 when there is none."""
    allowed = [
        cut
        for cut in range(1, min(fits, len(text) - 1) + 1)
        if text[cut - 1] in _BREAK_AFTER or text[cut] in _BREAK_BEFORE
    ]
    at = text.find("@")
    if at in allowed and fits_line(text[at:]):
        return at
    return allowed[-1] if allowed else 0


def with_word_space(line: TextLine) -> TextLine:
    """``line`` read with a word space after it: for a line that more text of the same
    element follows (a value's next part, a label's value)."""
    if not line.fragments or line.fragments[-1].text.endswith((WORD_SPACE, SOFT_HYPHEN)):
        return line
    last = replace(line.fragments[-1], text=line.fragments[-1].text + WORD_SPACE)
    return replace(line, fragments=(*line.fragments[:-1], last))


def _space_between(space: _Piece, before: _Piece, after: _Piece) -> _Piece:
    """A word space inside a link or a language span belongs to it, so the words on either
    side are read together and the space between them is read with them."""
    if (before.href, before.lang) == (after.href, after.lang) != (space.href, space.lang):
        return space._replace(href=before.href, lang=before.lang)
    return space  # the usual case, a space between plain words, needs no new piece


def _drawn(text: str) -> str:
    """The text as it is drawn: an inserted hyphen is a hyphen."""
    return text.replace(SOFT_HYPHEN, "-") if SOFT_HYPHEN in text else text


def _hyphen_positions(word: str, language: str) -> list[int]:
    found = hyphenator(language)
    if found is None:
        # No patterns for the language: break only after the hyphens already in the word.
        return [i + 1 for i, char in enumerate(word[:-1]) if char == "-"]
    return list(found.positions(word))


def _boxes(spans: tuple[Span, ...], fonts: FontSet, language: str) -> list[list[_Piece] | str]:
    """Words (runs of pieces with no space between), "space" and "break" tokens; each piece
    carries the hyphenation dictionary of its span's language, else ``language``."""
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
        hyphenation = dictionary_for(span.lang) if span.lang else language
        for part in _SPACES.split(span.text):
            if not part:
                continue
            if part.isspace():
                if box:
                    tokens.append(box)
                    box = []
                tokens.append("space")
            else:
                box.append(_Piece(part, font, span.href, hyphenation, span.lang))
    if box:
        tokens.append(box)
    return tokens


def _join(pieces: list[_Piece]) -> list[_Piece]:
    """Runs of pieces in one font, link and language as one piece each (the first piece's,
    with the run's text), the text of each run joined once."""
    if len(set(map(_RUN_KEY, pieces))) <= 1:
        # The usual line: one font, no link or language span; joined without a Python loop.
        return [pieces[0]._replace(text="".join(map(_TEXT, pieces)))] if pieces else []
    joined: list[_Piece] = []
    run: list[_Piece] = []
    for piece in pieces:
        if run and (run[0].font, run[0].href, run[0].lang) != (piece.font, piece.href, piece.lang):
            joined.append(_joined(run))
            run = []
        run.append(piece)
    if run:
        joined.append(_joined(run))
    return joined


_RUN_KEY = itemgetter(1, 2, 4)
"""A piece's font, link and language (``_Piece`` fields), which make a run."""
_TEXT = itemgetter(0)


def _joined(run: list[_Piece]) -> _Piece:
    if len(run) == 1:
        return run[0]
    return run[0]._replace(text="".join(piece.text for piece in run))
