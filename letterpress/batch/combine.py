"""``--combined``: the letters of a merge, in recipient order, as one PDF for printing.

Pages are copied with pikepdf. A source PDF must stay open until the combined file is saved, so
large merges are joined in groups: each group of letters is saved to a temporary part (sources
read into memory and closed again), and the parts are joined at the end. Memory and open files
stay bounded however many letters there are. The combined file is plain PDF for the printer:
each letter's own PDF (PDF/A, tagged) is the one to archive.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from letterpress.output import write_atomic

if TYPE_CHECKING:
    import pikepdf

GROUP = 200
"""Letters joined in memory at a time."""


def combine(files: Sequence[Path], target: Path, title: str) -> None:
    """Write the pages of ``files``, in order, to ``target`` (atomically)."""
    import pikepdf

    # Parts go to the system's temporary folder: the output folder only ever holds whole PDFs.
    with tempfile.TemporaryDirectory(prefix="letterpress-combine-") as scratch:
        parts = [
            _join_in_memory(files[start : start + GROUP], Path(scratch) / f"{n}.pdf")
            for n, start in enumerate(range(0, len(files), GROUP))
        ]
        with ExitStack() as stack:
            combined = pikepdf.new()
            for part in parts:
                combined.pages.extend(stack.enter_context(pikepdf.open(part)).pages)
            combined.docinfo["/Title"] = title
            write_atomic(target, _saved(combined))


def _join_in_memory(files: Sequence[Path], part: Path) -> Path:
    import pikepdf

    with ExitStack() as stack:
        joined = pikepdf.new()
        for file in files:
            source = stack.enter_context(pikepdf.open(io.BytesIO(file.read_bytes())))
            joined.pages.extend(source.pages)
        part.write_bytes(_saved(joined))
    return part


def _saved(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    # A deterministic ID: the same letters give the same combined bytes.
    pdf.save(buffer, deterministic_id=True)
    return buffer.getvalue()
