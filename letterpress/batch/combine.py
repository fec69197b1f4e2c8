"""``--combined``: the letters of a merge, in recipient order, as one print file and its manifest.

The print file is what a print shop or central print takes: PDF 1.7, one bookmark per recipient
(the recipient's name, opening the first page of that letter), and with ``duplex`` a blank page
after every letter with an odd number of pages, so that each letter starts on the front of a
sheet. The manifest ``x.csv`` beside it lists the letters in print order (file, name, postcode,
pages, sheets), for checking the run against an envelope machine's count.

Every letter embeds its own font subsets. Two different subsets under one name in one file are a
known cause of wrong glyphs on a printer's RIP, which keeps fonts by name; every subset's tag is
made from its font program (``letterpress.finish.subsets``), so one name is one program in the
print file too, and identical fonts are stored once.

Pages are copied with pikepdf. A source PDF must stay open until the combined file is saved, so
large merges are joined in groups: each group of letters is saved to a temporary part (sources
read into memory and closed again), and the parts are joined at the end. Open files stay bounded
however many letters there are. The combined file is plain PDF for the printer: each letter's
own PDF (PDF/A, tagged) is the one to archive.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from letterpress.output import write_atomic

if TYPE_CHECKING:
    import pikepdf

    from letterpress.checks.preflight import Finding

GROUP = 200
"""Letters joined in memory at a time."""

PDF_VERSION = "1.7"
"""The newest version central print and print shops take (``preflight``)."""

MANIFEST_HEADER = ("file", "name", "postcode", "pages", "sheets")
_MANIFEST_FIRST_LINE = "\ufeff".encode() + ";".join(MANIFEST_HEADER).encode()


@dataclass(frozen=True)
class Printed:
    """One letter of a print run: its PDF and whom it goes to."""

    file: Path
    name: str
    postcode: str = ""


@dataclass(frozen=True)
class _Placed:
    """A letter in the print file: where it starts (0-based page) and how long it is."""

    letter: Printed
    first: int
    pages: int


def combine(
    letters: Sequence[Printed], target: Path, title: str, *, duplex: bool = False,
    strict: bool = False, preflight: bool = True,
) -> list[Finding]:
    """Write ``letters``, in order, to ``target`` and the manifest beside it (both atomically).

    The file is checked with ``preflight`` before it is written (not for a layout proof,
    ``preflight=False``); the findings are returned. With ``strict`` a finding leaves both files
    unwritten.
    """
    from letterpress.checks.preflight import preflight_bytes

    _check_manifest_target(target)
    data, placed = _print_file(letters, title, duplex)
    # A print file is not sent to a digital mailbox: its size is not a finding.
    findings = preflight_bytes(data, target, max_bytes=None) if preflight else []
    if strict and findings:
        return findings
    write_atomic(target, data)
    write_atomic(manifest_path(target), _manifest(placed, target.parent, duplex))
    return findings


def manifest_path(target: Path) -> Path:
    return target.with_suffix(".csv")


class ManifestInTheWay(Exception):
    """The manifest's name is taken by a file letterpress did not write."""


def _check_manifest_target(target: Path) -> None:
    """``out/x.csv`` may be the recipients list itself (built with ``-o`` its own folder): a
    file that is not an earlier manifest is never replaced."""
    path = manifest_path(target)
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except FileNotFoundError:
        return
    except OSError:
        return  # writing it will say what is wrong
    if first.rstrip(b"\r\n") != _MANIFEST_FIRST_LINE:
        raise ManifestInTheWay(
            f"{target} and its manifest are not written: {path} exists and is not a print "
            "manifest (a recipients list?), so it is left as it is; build into another output "
            "folder (-o)"
        )


def _print_file(
    letters: Sequence[Printed], title: str, duplex: bool
) -> tuple[bytes, list[_Placed]]:
    import pikepdf

    placed: list[_Placed] = []
    # Parts go to the system's temporary folder: the output folder only ever holds whole PDFs.
    with tempfile.TemporaryDirectory(prefix="letterpress-combine-") as scratch:
        parts = []
        for n, start in enumerate(range(0, len(letters), GROUP)):
            part = Path(scratch) / f"{n}.pdf"
            counts = _join_in_memory(letters[start : start + GROUP], part, duplex)
            parts.append(part)
            for letter, pages in zip(letters[start : start + GROUP], counts, strict=True):
                first = placed[-1].first + _padded(placed[-1].pages, duplex) if placed else 0
                placed.append(_Placed(letter, first, pages))
        with ExitStack() as stack:
            combined = pikepdf.new()
            for part in parts:
                combined.pages.extend(stack.enter_context(pikepdf.open(part)).pages)
            _unique_fonts(combined)
            _bookmarks(combined, placed)
            combined.docinfo["/Title"] = title
            return _saved(combined), placed


def _join_in_memory(letters: Sequence[Printed], part: Path, duplex: bool) -> list[int]:
    """Join ``letters`` into ``part``; returns each letter's page count (without padding)."""
    import pikepdf

    counts = []
    with ExitStack() as stack:
        joined = pikepdf.new()
        for letter in letters:
            source = stack.enter_context(pikepdf.open(io.BytesIO(letter.file.read_bytes())))
            joined.pages.extend(source.pages)
            counts.append(len(source.pages))
            if duplex and len(source.pages) % 2:
                _, _, width, height = (float(v) for v in source.pages[-1].mediabox)
                joined.add_blank_page(page_size=(width, height))
        part.write_bytes(_saved(joined))
    return counts


def _padded(pages: int, duplex: bool) -> int:
    """Pages a letter takes in the print file: with duplex, a blank page after an odd count."""
    return pages + (pages % 2 if duplex else 0)


def sheets(pages: int, duplex: bool) -> int:
    """Sheets of paper a letter takes: two pages a sheet in duplex, one otherwise."""
    return math.ceil(pages / 2) if duplex else pages


def _bookmarks(pdf: pikepdf.Pdf, placed: list[_Placed]) -> None:
    """One bookmark per recipient, opening the first page of that recipient's letter."""
    import pikepdf

    with pdf.open_outline() as outline:
        outline.root.extend(
            pikepdf.OutlineItem(item.letter.name, item.first) for item in placed
        )
    pdf.Root.PageMode = pikepdf.Name.UseOutlines


def _manifest(placed: list[_Placed], folder: Path, duplex: bool) -> bytes:
    """The letters in print order, as Excel with Norwegian settings opens a CSV file."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    for item in placed:
        writer.writerow((
            _relative(item.letter.file, folder), item.letter.name, item.letter.postcode,
            item.pages, sheets(item.pages, duplex),
        ))
    return "\ufeff".encode() + text.getvalue().encode("utf-8")


def _relative(file: Path, folder: Path) -> str:
    try:
        return file.relative_to(folder).as_posix()
    except ValueError:
        return file.as_posix()


def _saved(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    # A deterministic ID: the same letters give the same combined bytes.
    pdf.save(buffer, deterministic_id=True, force_version=PDF_VERSION)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Fonts: one name, one font program


def _unique_fonts(pdf: pikepdf.Pdf) -> None:
    """Tag every subset by its font program; share fonts that are identical."""
    from letterpress.finish.subsets import tag_subsets

    tag_subsets(pdf)
    by_content: dict[bytes, Any] = {}
    for fonts in _font_dictionaries(pdf):
        for key in list(fonts.keys()):
            font = fonts[key]
            digest = _font_digest(font)
            if digest is None:
                continue
            same = by_content.setdefault(digest, font)
            if same is not font:
                fonts[key] = same  # the identical font, stored once


def _font_dictionaries(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """The /Font resource dictionary of every page, form XObject and annotation appearance."""
    import pikepdf

    from letterpress.finish.pdfa import first_visit

    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        stack = [page.obj.get("/Resources")]
        for annotation in page.obj.get("/Annots") or []:
            appearance = annotation.get("/AP")
            normal = appearance.get("/N") if appearance is not None else None
            if isinstance(normal, pikepdf.Stream):
                stack.append(normal.get("/Resources"))
            elif normal is not None:
                stack.extend(state.get("/Resources") for state in normal.values())
        while stack:
            resources = stack.pop()
            if resources is None or not first_visit(resources, seen):
                continue
            fonts = resources.get("/Font")
            if fonts is not None and first_visit(fonts, seen):
                yield fonts
            for xobject in (resources.get("/XObject") or {}).values():
                if xobject.get("/Subtype") == "/Form" and first_visit(xobject, seen):
                    stack.append(xobject.get("/Resources"))


def _font_digest(font: Any) -> bytes | None:
    """What makes two embedded subset fonts the same font; None for other fonts."""
    from letterpress.finish.subsets import FONT_PROGRAMS, SUBSET_NAME, font_descriptor

    subset = SUBSET_NAME.match(str(font.get("/BaseFont", "")))
    found = font_descriptor(font)
    if subset is None or found is None:
        return None
    program = next((found[k] for k in FONT_PROGRAMS if k in found), None)
    if program is None:
        return None
    digest = hashlib.sha256(subset.group(1).encode())
    digest.update(program.read_raw_bytes())
    to_unicode = font.get("/ToUnicode")
    if to_unicode is not None:
        digest.update(to_unicode.read_raw_bytes())
    for key in ("/Subtype", "/FirstChar", "/LastChar", "/Widths", "/Encoding"):
        digest.update(key.encode() + _unparsed(font.get(key)))
    return digest.digest()


def _unparsed(value: Any) -> bytes:
    """A PDF value as bytes (pikepdf gives numbers and names as Python values)."""
    import pikepdf

    if isinstance(value, pikepdf.Object):
        return value.unparse(resolved=True)
    return repr(value).encode()
