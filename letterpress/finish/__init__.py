"""finish: the painted PDF made into the letter that is delivered: document properties, the
structure tree, appended attachments, PDF/A, and (when asked) a digital signature.

The archive rule: a letter is written as tagged PDF/A-2a that also meets PDF/UA-1. Appended
PDFs are not tagged by letterpress, and untagged pages cannot be part of a PDF/A-2a file, so a
letter with appended attachments claims PDF/A-2b instead (its own pages stay tagged), and a
warning says so. An attachment that breaks PDF/A-2b itself (fonts not embedded, CMYK...) leaves
the letter without any PDF/A claim, with a warning; ``--strict-archive`` makes it an error.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pikepdf

from letterpress import clock
from letterpress.errors import Problem
from letterpress.filekey import FileKey, file_key
from letterpress.finish.images import attach_images
from letterpress.finish.metadata import DocumentInfo, write_metadata
from letterpress.finish.pdfa import make_pdfa, save_pdf
from letterpress.finish.subsets import tag_subsets
from letterpress.finish.tags import tag_appended_pages, write_structure
from letterpress.labels import labels
from letterpress.layout.painter import Painted
from letterpress.model import Letter
from letterpress.options import Options

__all__ = ["creation_time", "finish"]


def finish(
    painted: Painted, letter: Letter, options: Options, warnings: list[Problem] | None = None
) -> bytes:
    """The finished PDF bytes of one letter; soft findings are appended to ``warnings``."""
    files = [a.file for a in letter.attachments if a.file is not None]
    with pikepdf.open(io.BytesIO(painted.pdf)) as pdf:
        attach_images(pdf, painted)
        write_structure(pdf, painted)
        write_metadata(pdf, _info(painted, letter))
        archivable = True
        if files:
            archivable = _append(pdf, files, letter, options, warnings)
            tag_appended_pages(pdf, len(painted.marks), _appended(letter))
            tag_subsets(pdf)  # the appended PDFs' subsets; the letter's own have their tags
        if options.pdfa and archivable:
            tagged_only = not files
            make_pdfa(pdf, conformance="A" if tagged_only else "B", ua=tagged_only)
            if files:
                _report([_notice(letter, DOWNGRADED)], warnings)
        elif options.pdfa:
            _report([_notice(letter, NOT_ARCHIVABLE)], warnings)
        data = save_pdf(pdf, deterministic=True)
    if options.show_layout:
        from letterpress.finish.overlay import overlay

        data = overlay(data)
    if options.signer is not None:
        from letterpress.finish.sign import sign_pdf, stamp_for

        stamp = stamp_for(painted.document, options.signer) if options.stamp else None
        data = sign_pdf(
            data,
            options.signer,
            stamp=stamp,
            tsa=options.tsa,
            ltv=options.ltv,
            language=painted.document.language,
        )
    return data


def _appended(letter: Letter) -> list[tuple[str, int]]:
    """For each appended PDF, the alternative text of its pages and how many there are."""
    words = labels(letter.language)
    found = []
    for attachment in letter.attachments:
        if attachment.file is None:
            continue
        count = _page_count(attachment.file)
        # A format for tag_appended_pages: the page label's {n} and {m} are filled in there.
        title = f"{words.attachments}: {attachment.title}".replace("{", "{{").replace("}", "}}")
        found.append((f"{title}, {words.page}", count))
    return found


def _page_count(path: Path) -> int:
    """Pages of an appended PDF, counted once while the file is unchanged: every recipient of
    a merge appends the same file."""
    return _pages_of(file_key(path))


@lru_cache(maxsize=64)
def _pages_of(key: FileKey) -> int:
    with pikepdf.open(key.path) as source:
        return len(source.pages)


def _append(
    pdf: pikepdf.Pdf,
    files: list[Path],
    letter: Letter,
    options: Options,
    warnings: list[Problem] | None,
) -> bool:
    """Append the attachments; whether the letter can still claim PDF/A."""
    from letterpress.errors import LetterError
    from letterpress.finish.attachments import (
        append_attachments,
        archive_faults,
        breaks_pdfa,
        locate,
    )

    try:
        found = append_attachments(pdf, files, strict=options.strict_archive)
    except LetterError as error:
        raise LetterError(locate(error.problems, letter)) from None
    _report(locate(found, letter), warnings)
    if breaks_pdfa(found) or not options.pdfa:
        return not breaks_pdfa(found)
    # The claim is made only for what the finished file really holds.
    faults = archive_faults(pdf)
    if not faults:
        return True
    problem = _notice(
        letter,
        f"the appended PDFs bring {', '.join(faults)} that could not be removed, which "
        "PDF/A forbids; export the attachments as PDF/A",
    )
    if options.strict_archive:
        raise LetterError(replace(problem, warning=False))
    _report([problem], warnings)
    return False


def _info(painted: Painted, letter: Letter) -> DocumentInfo:
    document = painted.document
    return DocumentInfo(
        title=document.title,
        author=document.author,
        subject=document.subject,
        language=document.language,
        created=creation_time(),
        keywords=tuple(k for k in (letter.reference.ours, letter.reference.archive_code) if k),
    )


DOWNGRADED = (
    "appended PDFs are not tagged, so this letter is written as PDF/A-2b (not PDF/A-2a with "
    "PDF/UA-1); list the attachment without 'file:' and send it separately to keep the letter "
    "fully accessible"
)
NOT_ARCHIVABLE = (
    "an appended PDF breaks PDF/A (see above), so this letter is written without a PDF/A "
    "claim; export the attachment as PDF/A, or use --strict-archive to make this an error"
)


def _notice(letter: Letter, message: str) -> Problem:
    source = letter.source.path if letter.source else None
    line = letter.source.line_of("attachments") if letter.source else None
    return Problem(source, line, "attachments", message, warning=True)


def _report(found: list[Problem], warnings: list[Problem] | None) -> None:
    if warnings is not None:
        warnings.extend(found)


def creation_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when it is set, so builds can be reproduced."""
    return clock.now()
