"""The recipient block as Posten/Bring's sorting machines read it through the envelope window.

``check_address`` returns warnings, never errors: a letter with an odd address still builds,
but the person sending it should know that the post may not be able to deliver it. The rules:
no blank lines, at most six lines, a Norwegian address ends with ``NNNN POSTSTED``, an address
abroad ends with the country's name on its own line, and no line is wider than the window.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from letterpress.errors import Problem
from letterpress.geometry import ADDRESS_BLOCK, ADDRESS_FONT_SIZE, ADDRESS_MAX_LINES, MM
from letterpress.model import Recipient, Source

POSTNUMMER_LINE = re.compile(r"^\d{4}\s+\S")
"""A Norwegian last line: four digits, then the poststed (``0032 OSLO``)."""

FOREIGN_POSTCODE = re.compile(
    r"\d{4,}"  # DE, FR, US, FI, DK, IT, ES, ...: four or more digits
    r"|\b\d{3}\s\d{2}\b"  # SE, GR: 111 22
    r"|\b\d{2}-\d{3}\b"  # PL: 00-950
    r"|\b[A-Z]{1,2}-\d"  # a country prefix: SE-111 22, D-10115
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"  # GB: SW1A 1AA
    r"|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b",  # CA: K1A 0B1
    re.IGNORECASE,
)
"""A line that carries a postcode as other countries write them (street numbers rarely match)."""

NORWAY = {"norge", "noreg", "norway", "norvège", "norvege"}

EXAMPLE = "0032 OSLO"


def check_address(
    recipient: Recipient,
    source: Source | None,
    *,
    field: str = "recipient",
    font: Path | None = None,
) -> list[Problem]:
    """Warnings about ``recipient``'s address block; ``field`` is where it stands in the letter.

    ``font`` is the TrueType font the block is printed in (default: the bundled Liberation Sans).
    """
    printed = _printed_lines(recipient, field)
    problems = [
        *_blank_lines(printed),
        *_too_many_lines(printed, field),
        *_last_lines(recipient.address, field),
        *_too_wide(printed, font),
    ]
    return [_locate(problem, source) for problem in problems]


def _printed_lines(recipient: Recipient, field: str) -> list[tuple[str, str]]:
    """Each line of the block as printed, with the field it comes from."""
    lines = [(recipient.name, f"{field}.name")]
    if recipient.attention.strip():
        lines.append((f"Att.: {recipient.attention}", f"{field}.attention"))
    lines += [(line, f"{field}.address.{i}") for i, line in enumerate(recipient.address)]
    return lines


def _warning(field: str, message: str) -> Problem:
    return Problem(None, None, field, message, warning=True)


def _locate(problem: Problem, source: Source | None) -> Problem:
    if source is None:
        return problem
    return Problem(
        source.path, source.line_of(problem.field), problem.field, problem.message, warning=True
    )


def _blank_lines(printed: list[tuple[str, str]]) -> list[Problem]:
    return [
        _warning(field, "this line of the address is blank; remove it (sorting machines take "
                        "a blank line for the end of the address)")
        for text, field in printed
        if not text.strip()
    ]


def _too_many_lines(printed: list[tuple[str, str]], field: str) -> list[Problem]:
    if len(printed) <= ADDRESS_MAX_LINES:
        return []
    return [_warning(
        f"{field}.address",
        f"the address block has {len(printed)} lines (name, Att. and address); the envelope "
        f"window shows at most {ADDRESS_MAX_LINES}: shorten it",
    )]


def _last_lines(address: list[str], field: str) -> list[Problem]:
    """A Norwegian address ends with ``NNNN POSTSTED``; one abroad with the country's name."""
    lines = [line.strip() for line in address if line.strip()]
    if not lines:
        return []  # no postal address: the letter goes by digital post or e-mail
    last, before = lines[-1], (lines[-2] if len(lines) > 1 else "")
    where = f"{field}.address.{len(address) - 1}"
    if POSTNUMMER_LINE.match(last):
        return []
    if last.casefold() in NORWAY and POSTNUMMER_LINE.match(before):
        return [_warning(where, f"leave out {last!r}: a Norwegian address ends with the "
                                f"postnummer and poststed ({EXAMPLE})")]
    if not any(ch.isdigit() for ch in last) and FOREIGN_POSTCODE.search(before):
        return []  # abroad: the postcode line, then the country on its own line
    return [_warning(where, _last_line_advice(last))]


def _last_line_advice(last: str) -> str:
    if FOREIGN_POSTCODE.search(last) and not re.search(r"(?<!\d)\d{4}(?!\d)", last):
        return (f"{last!r} looks like an address abroad without its country: add the country's "
                f"name on its own line as the last line")
    return (f"the address ends with {last!r}: a Norwegian address ends with the four-digit "
            f"postnummer and the poststed ({EXAMPLE}); an address abroad ends with its postcode "
            f"line and then the country's name on its own line")


def _too_wide(printed: list[tuple[str, str]], font: Path | None) -> list[Problem]:
    measure = _measure(font)
    problems = []
    for text, field in printed:
        width = measure(text) / MM
        if width > ADDRESS_BLOCK.width:
            problems.append(_warning(
                field,
                f"{text!r} is {width:.0f} mm wide at {ADDRESS_FONT_SIZE:g} pt; the window takes "
                f"{ADDRESS_BLOCK.width:g} mm: shorten the line or split it in two",
            ))
    return problems


def _measure(path: Path | None) -> Callable[[str], float]:
    """Width in points of a line in the letter's regular font at the address size. The font's
    own tables are read without ReportLab; a file they cannot be read from is registered with
    ReportLab, which says what is wrong with it, as painting would."""
    from letterpress.fonts import register_font, regular_font
    from letterpress.fonts.dehint import NotTrueType
    from letterpress.fonts.metrics import advances

    path = path or regular_font()
    try:
        return functools.partial(advances(path).width, size=ADDRESS_FONT_SIZE)
    except (OSError, NotTrueType):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        name = register_font(path)
        return lambda text: stringWidth(text, name, ADDRESS_FONT_SIZE)


def postcode(address: list[str]) -> str:
    """The postcode of an address as printed: ``0032`` of ``0032 OSLO``; for an address abroad,
    the postcode on the line before the country; empty when there is none."""
    lines = [line.strip() for line in address if line.strip()]
    if not lines:
        return ""
    if POSTNUMMER_LINE.match(lines[-1]):
        return lines[-1][:4]
    if len(lines) > 1 and not any(ch.isdigit() for ch in lines[-1]):
        found = FOREIGN_POSTCODE.search(lines[-2])
        if found:
            return found.group(0)
    return ""
