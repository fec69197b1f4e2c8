"""layout: a letter and its body blocks to laid-out pages (``compose``), painted to PDF
(``paint``)."""

from __future__ import annotations

from letterpress.layout.letter import compose
from letterpress.layout.page import Document, Node
from letterpress.layout.painter import Painted, paint

__all__ = ["Document", "Node", "Painted", "compose", "paint"]
