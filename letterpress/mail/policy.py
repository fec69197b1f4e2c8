"""What the mail command refuses to send: letters exempt from public disclosure.

A letter marked ``exempt`` (Unntatt offentlighet) holds information that ordinary e-mail,
unencrypted between servers, must not carry; it goes through a secure channel such as
SvarUt or eDialog instead. ``--allow-exempt`` is the deliberate exception.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from letterpress.errors import LetterError
from letterpress.filekey import FileKey, file_key
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


def refuse_exempt_attachments(letter: Letter, allow_exempt: bool) -> None:
    """Raise a ``LetterError`` for a letter that appends an exempt letter (see ``exempt_pdf``)
    unless exempt letters are allowed: the appended letter makes this one exempt too."""
    if allow_exempt:
        return
    for index, item in enumerate(letter.attachments):
        if item.file is None:
            continue
        basis = exempt_pdf(item.file)
        if basis is not None:
            path = letter.source.path if letter.source else None
            line = letter.source.line_of(f"attachments.{index}") if letter.source else None
            raise LetterError.at(
                path, line, "attachments",
                f"the appended {item.file.name} is a letter exempt from public disclosure "
                f"({basis}), so this letter is too and is not put into ordinary e-mail; send "
                "it through a secure channel (SvarUt, eDialog), or give --allow-exempt if this "
                "e-mail may carry it",
            )


def exempt_pdf(path: Path) -> str | None:
    """The exemption printed on a PDF that letterpress made for an exempt letter, or None.

    letterpress prints the label (``Unntatt offentlighet`` and its legal basis) in the reference
    block of page 1 of every exempt letter; a PDF it made says so in its Producer. Read once
    while the file is unchanged: every recipient of a merge appends the same PDF.
    """
    try:
        key = file_key(path)
    except OSError:
        return None
    return _exempt_pdf(key)


@lru_cache(maxsize=64)
def _exempt_pdf(key: FileKey) -> str | None:
    import pikepdf

    path = key.path
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
    from letterpress.labels import LABELS

    return [words.exempt for words in LABELS.values()]
