"""Refusing text the letter's fonts cannot show, naming the character and where it stands, and
language tags a screen reader cannot speak.

A missing glyph would print as an empty box or vanish; in a letter with legal weight that is
worse than no letter, so it is an error before anything is drawn. Both checks run without
ReportLab, so ``check`` makes them too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

from letterpress.body.blocks import Block, spans_of
from letterpress.body.markdown import languages
from letterpress.errors import LetterError, Problem
from letterpress.fonts import FontSet
from letterpress.labels import PRINTED, Labels
from letterpress.model import Letter


def check_glyphs(
    letter: Letter, blocks: Sequence[Block], fonts: FontSet, labels: Labels | None = None
) -> None:
    """Refuse every character of the letter, its letterhead or its ``labels`` that ``fonts``
    cannot show."""
    if _all_shown(letter, blocks, fonts, labels):
        return
    problems: list[Problem] = []
    for field, text, bold in _fields(letter):
        char = fonts.missing(text, bold=bold)
        if char is not None:
            line = letter.source.line_of(field) if letter.source else None
            path = letter.source.path if letter.source else None
            if field.startswith("letterhead") and letter.letterhead.source is not None:
                path, line = letter.letterhead.source, None
            problems.append(Problem(path, line, field, _message(char)))
    if labels is not None:
        problems += _label_problems(letter, labels, fonts)
    problems += _body_problems(letter, blocks, fonts)
    if problems:
        raise LetterError(problems)


def _all_shown(
    letter: Letter, blocks: Sequence[Block], fonts: FontSet, labels: Labels | None
) -> bool:
    """Whether every text ``check_glyphs`` checks can be shown: the usual answer, found with
    one look-up of each style's text put together instead of one a field and span."""
    texts: dict[tuple[bool, bool], list[str]] = {(False, False): [], (True, False): []}
    for _field, text, bold in _fields(letter):
        texts[bold, False].append(text)
    if labels is not None:
        text = " ".join(getattr(labels, name) for name in (*PRINTED, "attachment"))
        texts[False, False].append(text)
        texts[True, False].append(text)
    for _line, span in spans_of(blocks):
        texts.setdefault((span.bold, span.italic), []).append(span.text)
    return all(
        fonts.missing("".join(parts), bold, italic) is None
        for (bold, italic), parts in texts.items()
    )


def _label_problems(letter: Letter, labels: Labels, fonts: FontSet) -> list[Problem]:
    """Labels are set in regular and bold: a letterhead font without the North Sámi letters
    (Á Č Đ Ŋ Š Ŧ Ž) cannot print a Sámi letter's labels."""
    text = " ".join(getattr(labels, name) for name in (*PRINTED, "attachment"))
    char = fonts.missing(text) or fonts.missing(text, bold=True)
    if char is None:
        return []
    field = "labels" if letter.labels is not None else "language"
    path = letter.source.path if letter.source else None
    line = letter.source.line_of(field) if letter.source else None
    return [
        Problem(
            path,
            line,
            field,
            f"the labels in {'/'.join(letter.label_languages)} need U+{ord(char):04X} "
            f"({unicodedata.name(char, 'unnamed character')}), which the letterhead's font "
            "cannot show; choose a font that has it (the bundled Liberation Sans has every "
            "North Sámi letter)",
        )
    ]


def _message(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return (
        f"the character U+{ord(char):04X} ({name}) cannot be shown in the letter's font; "
        "replace it or choose a letterhead font that has it"
    )


def _fields(letter: Letter) -> Iterator[tuple[str, str, bool]]:
    yield "title", letter.title, True
    yield "exempt", letter.exempt, False
    if letter.recipient is not None:
        for key in ("name", "attention", "email"):
            yield f"recipient.{key}", getattr(letter.recipient, key), False
        for i, line in enumerate(letter.recipient.address):
            yield f"recipient.address.{i}", line, False
    reference = letter.reference
    for key in ("ours", "yours", "archive_code"):
        yield f"reference.{key}", getattr(reference, key), False
    if reference.case_officer is not None:
        officer = reference.case_officer
        yield (
            "reference.case_officer",
            " ".join((officer.name, officer.phone, officer.email)),
            False,
        )
    yield "closing", letter.closing or "", False
    for i, person in enumerate(letter.signatories):
        yield f"signatories.{i}.name", person.name, False
        yield f"signatories.{i}.title", person.title, False
    for i, attachment in enumerate(letter.attachments):
        yield f"attachments.{i}", attachment.title, False
    for i, copy in enumerate(letter.copies):
        yield f"copies.{i}", " ".join([copy.name, copy.attention, *copy.address]), False
    head = letter.letterhead
    for key in ("name", "unit", "phone", "email", "web", "org_number", "account"):
        yield f"letterhead.{key}", getattr(head, key), key == "name"
    yield "letterhead.post_address", " ".join(head.post_address), False
    yield "letterhead.visit_address", " ".join(head.visit_address), False
    for language, sentence in head.approval_text:
        yield f"letterhead.approval_text.{language}", sentence, False


def _body_problems(letter: Letter, blocks: Sequence[Block], fonts: FontSet) -> list[Problem]:
    source = letter.source
    path = source.body_path if source else None
    first = source.body_first_line if source else 1
    body_lines = letter.body.split("\n")
    problems: list[Problem] = []
    for block_line, span in spans_of(blocks):
        char = fonts.missing(span.text, span.bold, span.italic)
        if char is None:
            continue
        offset = next(
            (i for i in range(block_line, len(body_lines)) if char in body_lines[i]), block_line
        )
        problems.append(Problem(path, first + offset, "body", _message(char)))
    return problems


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
"""A BCP 47 language tag, as far as a reader needs it: nb, nn, se, en-GB, de-CH-1996."""


def check_languages(letter: Letter, blocks: Sequence[Block]) -> None:
    """Every ``[text]{lang=...}`` names a language a screen reader can speak."""
    source = letter.source
    problems = []
    for line, tag in languages(blocks):
        if LANGUAGE_TAG.fullmatch(tag):
            continue
        where = source.body_first_line + line if source else None
        problems.append(
            Problem(
                source.body_path if source else None,
                where,
                "body",
                f"lang={tag!r} is not a language tag; write one such as nb, nn, se or en-GB",
            )
        )
    if problems:
        raise LetterError(problems)
