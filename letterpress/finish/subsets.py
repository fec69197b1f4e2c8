"""Subset tags derived from the font program, so no two subsets in any file share a tag.

ISO 32000-1, 9.6.4: an embedded subset's name starts with a tag of six capitals and a plus,
and different subsets in one file have different tags. ReportLab names every subset
``AAAAAA+`` when it writes deterministically, so a letter with an appended PDF (also made by
letterpress, or by ReportLab) had two different ``AAAAAA+LiberationSans``. A tag computed from
the bytes of the font program is the same for the same subset and different for different
ones: in a letter, after attachments are appended, and in any file that joins letters, with
nothing to coordinate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pikepdf
from pikepdf import Dictionary, Name

from letterpress.fonts.tags import TAG_LENGTH, subset_tag

SUBSET_NAME = re.compile(r"^/?[A-Z]{6}\+(.+)$")
FONT_PROGRAMS = ("/FontFile2", "/FontFile3", "/FontFile")
__all__ = ["FONT_PROGRAMS", "SUBSET_NAME", "TAG_LENGTH", "font_descriptor", "subset_tag",
           "tag_subsets"]


def tag_subsets(pdf: pikepdf.Pdf) -> None:
    """Rename every embedded subset in ``pdf`` to a tag taken from its font program.

    A letter's own subsets are named so when they are made (``fonts/embed.py``); this is for
    files that hold subsets from elsewhere: appended PDFs, and the print file.
    """
    for font in _fonts(pdf):
        descriptor = font_descriptor(font)
        if descriptor is None:
            continue
        program = next((descriptor[k] for k in FONT_PROGRAMS if k in descriptor), None)
        if not isinstance(program, pikepdf.Stream):
            continue
        tag = subset_tag(program.read_raw_bytes())
        for holder, key in _names(font, descriptor):
            match = SUBSET_NAME.match(str(holder.get(key, "")))
            if match:
                holder[key] = Name(f"/{tag}+{match.group(1)}")


def font_descriptor(font: Dictionary) -> Dictionary | None:
    """The font descriptor of ``font``, or of a composite font's descendant."""
    if font.get("/Subtype") == Name.Type0:
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or len(descendants) == 0:
            return None
        descendant = descendants[0]
        if not isinstance(descendant, Dictionary):
            return None
        font = descendant
    descriptor = font.get("/FontDescriptor")
    return descriptor if isinstance(descriptor, Dictionary) else None


def _names(font: Dictionary, descriptor: Dictionary) -> Iterator[tuple[Dictionary, str]]:
    """Where the subset's name is written: the font, a composite font's descendant, and the
    font descriptor."""
    yield font, "/BaseFont"
    descendants = font.get("/DescendantFonts")
    if isinstance(descendants, pikepdf.Array):
        for descendant in descendants:
            if isinstance(descendant, Dictionary):
                yield descendant, "/BaseFont"
    yield descriptor, "/FontName"


def _fonts(pdf: pikepdf.Pdf) -> Iterator[Dictionary]:
    """Every font dictionary in the file, once."""
    for obj in pdf.objects:
        if isinstance(obj, Dictionary) and obj.get("/Type") == Name.Font:
            yield obj
