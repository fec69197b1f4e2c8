"""Text runs get their character codes from a table when every character already has one
(``layout/painter.py``): the letters are byte for byte those ReportLab's own ``splitString`` paints,
also with characters in a second subset, no-break spaces and hyphenated words."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from conftest import SEED, write_letter
from reportlab.pdfbase.ttfonts import TTFont

import letterpress
from letterpress.layout import painter

GREEK = "".join(chr(c) for c in range(0x03B1, 0x03CA) if c != 0x03C2)
CYRILLIC = "".join(chr(c) for c in range(0x0430, 0x0450))
LATIN = "".join(chr(c) for c in range(0x00E0, 0x0100) if c != 0x00F7)


def letters(folder: Path) -> list[Path]:
    words = [GREEK, CYRILLIC, LATIN, (GREEK + CYRILLIC + LATIN).upper()]
    many = " ".join(f"{w[i:i + 7]} ord" for w in words for i in range(0, len(w), 7))
    hyphenated = " ".join(["forvaltningsrevisjonsrapportene"] * 20)
    return [
        SEED,
        write_letter(folder, "many.yaml", body=f"{many}\n\n{hyphenated}\n"),
        write_letter(folder, "nbsp.yaml", title="Søknad\u00a0nr.\u00a012",
                     body="Kr\u00a0500 *og* Å.\n"),
    ]


def test_letters_are_the_bytes_reportlab_paints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = letters(tmp_path)
    fast = [letterpress.render(letterpress.load(path)) for path in paths]

    def reportlab_runs(codes: painter._Codes, font: TTFont, text: str) -> list[tuple[str, bytes]]:
        return [(font.getSubsetInternalName(subset, codes.document), chunk)
                for subset, chunk in font.splitString(text, codes.document)]

    monkeypatch.setattr(painter._Codes, "runs", reportlab_runs)
    own = [letterpress.render(letterpress.load(path)) for path in paths]
    assert fast == own
    with pikepdf.open(io.BytesIO(fast[1])) as pdf:
        regular = {str(font.BaseFont) for page in pdf.pages
                   for font in page.Resources.Font.values()
                   if str(font.BaseFont).endswith("+LiberationSans")}
    assert len(regular) == 2  # the characters filled a second subset of the regular font
