"""Preview: build a letter and write a PNG of every page, to look at without a PDF viewer.

The pages of ``DIR/x.pdf`` become ``DIR/x-1.png``, ``DIR/x-2.png`` …; each PDF of a mail merge
gets its own numbered PNGs beside it. PNGs left from a longer earlier version are removed, so
the folder always shows the letter as it is now.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from letterpress.batch.report import Outcome
from letterpress.options import Options

DPI = 100
"""Sharp enough to read 8 pt footer text on screen, small enough to write quickly."""


@dataclass
class Preview:
    """What a preview built: the letter's outcome and the PNGs of every PDF it wrote."""

    outcome: Outcome
    pngs: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome.ok


def preview(
    path: Path, out_dir: Path = Path("out"), options: Options | None = None, dpi: int = DPI
) -> Preview:
    """Build the letter at ``path`` into ``out_dir`` and write PNGs of its pages."""
    from letterpress.batch import build

    report = build([path], out_dir, options)
    [outcome] = report.outcomes
    result = Preview(outcome)
    for pdf in outcome.outputs:
        result.pngs += write_pngs(pdf, dpi)
    return result


def write_pngs(pdf: Path, dpi: int = DPI) -> list[Path]:
    """One PNG per page of ``pdf``, beside it, named ``<stem>-<page>.png``."""
    import pypdfium2 as pdfium

    from letterpress.output import write_atomic

    written: list[Path] = []
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                image = page.render(scale=dpi / 72).to_pil()
            finally:
                page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=False, pnginfo=_signed())
            target = pdf.with_name(f"{pdf.stem}-{index + 1}.png")
            write_atomic(target, buffer.getvalue())
            written.append(target)
    finally:
        document.close()
    _remove_stale(pdf, len(written))
    return written


SOFTWARE = "letterpress preview"
"""Written into every preview PNG, so that only those are ever removed as stale."""


def _signed() -> object:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", SOFTWARE)
    return info


def _remove_stale(pdf: Path, pages: int) -> None:
    """Remove ``<stem>-N.png`` that a preview wrote for pages the letter no longer has; a PNG
    of that name that someone else made (a scan, a drawing) stays."""
    pattern = re.compile(rf"{re.escape(pdf.stem)}-(\d+)\.png")
    for candidate in pdf.parent.glob(f"{pdf.stem}-*.png"):
        match = pattern.fullmatch(candidate.name)
        if match and int(match.group(1)) > pages and _written_by_preview(candidate):
            candidate.unlink(missing_ok=True)


def _written_by_preview(path: Path) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.format == "PNG" and image.info.get("Software") == SOFTWARE
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
