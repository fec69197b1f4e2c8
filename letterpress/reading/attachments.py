"""Appended PDFs checked against the limits while loading, before anything is typeset.

Finishing inspects every attachment closely (encryption, damage, what breaks PDF/A); here
only the bounds are checked, so that ``check`` finds them and a merge of many letters does
not typeset each one before finding that its attachment is too large.
"""

from __future__ import annotations

from pathlib import Path

from letterpress import limits


def attachment_problem(path: Path) -> str | None:
    """Why the PDF at ``path`` is over a limit, or None (also when finishing will say more)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # finishing names a file it cannot read
    if size > limits.MAX_ATTACHMENT_BYTES:
        return (
            f"{path} is {_megabytes(size)}; an attachment may be at most "
            f"{_megabytes(limits.MAX_ATTACHMENT_BYTES)}: reduce the resolution of its images "
            "or split it into several attachments"
        )
    pages = _pages(path)
    if pages is not None and pages > limits.MAX_ATTACHMENT_PAGES:
        return (
            f"{path} has {pages} pages; an attachment may have at most "
            f"{limits.MAX_ATTACHMENT_PAGES}: split it into several attachments"
        )
    return None


def _pages(path: Path) -> int | None:
    """The number of pages, or None when the file cannot be opened as a PDF."""
    import pikepdf  # only letters with attachments pay for it

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError):
        return None


def _megabytes(count: int) -> str:
    return f"{count / 2**20:.1f} MB"
