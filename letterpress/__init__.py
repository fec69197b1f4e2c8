"""letterpress: official Norwegian municipal letters from YAML and Markdown to archive-grade PDF.

The stages, in the one direction data flows::

    load (``reading``: YAML -> Letter) -> body (Markdown -> blocks) -> layout (pages) -> finish
    (PDF/A, tags, attachments, signature) -> checks (preflight, verify) -> front ends (batch,
    mail, desktop, cli)

The public API::

    letter = letterpress.load("letters/x.yaml")
    pdf: bytes = letterpress.render(letter)
    report = letterpress.build(["letters/"], "out")
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

__version__ = "0.1.0"
__all__ = ["LetterError", "Options", "Problem", "build", "check", "load", "render"]

if TYPE_CHECKING:
    from typing import Any

    from letterpress.batch import build, check
    from letterpress.errors import LetterError, Problem
    from letterpress.options import Options
    from letterpress.pipeline import render
    from letterpress.reading import load

_HOMES = {
    "load": "letterpress.reading",
    "render": "letterpress.pipeline",
    "build": "letterpress.batch",
    "check": "letterpress.batch",
    "Options": "letterpress.options",
    "LetterError": "letterpress.errors",
    "Problem": "letterpress.errors",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: the command line starts without loading pydantic, ReportLab or
    # pikepdf.
    if name in _HOMES:
        import importlib

        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'letterpress' has no attribute {name!r}")
