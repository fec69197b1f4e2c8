"""What the mail command refuses to send: letters exempt from public disclosure.

A letter marked ``exempt`` (Unntatt offentlighet) holds information that ordinary e-mail,
unencrypted between servers, must not carry; it goes through a secure channel such as
SvarUt or eDialog instead. ``--allow-exempt`` is the deliberate exception.
"""

from __future__ import annotations

from pathlib import Path

from letterpress.errors import LetterError
from letterpress.model import Letter


def refuse_exempt(letter: Letter, allow_exempt: bool) -> None:
    """Raise a ``LetterError`` for an exempt letter unless exempt letters are allowed."""
    if not letter.exempt or allow_exempt:
        return
    path = letter.source.path if letter.source else None
    line = letter.source.line_of("exempt") if letter.source else None
    raise LetterError.at(
        path, line, "exempt",
        f"the letter is exempt from public disclosure ({letter.exempt}) and is not put into "
        "ordinary e-mail; send it through a secure channel (SvarUt, eDialog), or give "
        "--allow-exempt if this e-mail may carry it",
    )


def exempt_pdf(path: Path) -> str | None:
    """The exemption printed on a PDF that letterpress made for an exempt letter, or None.

    letterpress prints the label (``Unntatt offentlighet`` and its legal basis) in the reference
    block of page 1 of every exempt letter; a PDF it made says so in its Producer.
    """
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            producer = str(pdf.docinfo.get("/Producer", ""))
    except (pikepdf.PdfError, OSError, ValueError):
        return None
    if "letterpress" not in producer:
        return None
    text = _first_page_text(path)
    for label in _exempt_labels():
        at = text.find(label)
        if at >= 0:
            rest = text[at + len(label):].strip().splitlines()
            return f"{label}: {rest[0].strip()}" if rest and rest[0].strip() else label
    return None


def _first_page_text(path: Path) -> str:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except (pypdfium2.PdfiumError, OSError):
        return ""
    try:
        page = document[0]
        return str(page.get_textpage().get_text_range())
    finally:
        document.close()


def _exempt_labels() -> list[str]:
    from letterpress.labels import labels

    found = []
    for language in ("nb", "nn", "en", "se"):
        try:
            found.append(labels(language).exempt)
        except (KeyError, ValueError):
            continue
    return found
