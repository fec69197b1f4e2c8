"""layout: a letter and its body blocks to laid-out pages (``compose``), painted to PDF
(``paint``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from letterpress.layout.letter import compose
    from letterpress.layout.page import Document, Node
    from letterpress.layout.painter import Painted, paint

__all__ = ["Document", "Node", "Painted", "compose", "paint"]

_HOMES = {
    "compose": "letterpress.layout.letter",
    "Document": "letterpress.layout.page",
    "Node": "letterpress.layout.page",
    "Painted": "letterpress.layout.painter",
    "paint": "letterpress.layout.painter",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: reading one module of the stage (its page model, its images) does
    # not load the whole engine and ReportLab.
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'letterpress.layout' has no attribute {name!r}")
