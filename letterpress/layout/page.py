"""What layout produces: pages of positioned text, images, rules and links, and the structure
(headings, paragraphs, lists, tables...) each of them belongs to.

Positions are in millimetres from the top-left corner of the sheet; a text's ``y`` is its
baseline. A drawing whose ``node`` is None is decoration (an artifact for assistive technology).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from letterpress.layout.images import Picture


@dataclass(eq=False)
class Node:
    """An element of the document's logical structure (a PDF structure element)."""

    role: str
    children: list[Node] = field(default_factory=list)
    alt: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    actual_text: str | None = None
    lang: str | None = None
    """The element's language where it differs from the document's (BCP 47)."""

    def add(self, role: str, **kwargs: Any) -> Node:
        child = Node(role, **kwargs)
        self.children.append(child)
        return child


@dataclass(frozen=True)
class Text:
    """A run of text in one font on one baseline."""

    x: float
    y: float
    text: str
    font: str
    size: float
    node: Node | None
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Image:
    """A raster image scaled into a box (already fitted: never stretched)."""

    x: float
    y: float
    width: float
    height: float
    key: str
    """Identifies the prepared image in ``Document.images``."""
    node: Node | None


@dataclass(frozen=True)
class Line:
    """A straight rule."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.5
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Rect:
    """An outlined or filled rectangle (table rules, layout overlay)."""

    x: float
    y: float
    width: float
    height: float
    stroke: tuple[float, float, float] | None = (0.0, 0.0, 0.0)
    fill: tuple[float, float, float] | None = None
    line_width: float = 0.5


@dataclass(frozen=True)
class Link:
    """A clickable area leading to ``url``."""

    x: float
    y: float
    width: float
    height: float
    url: str
    node: Node
    text: str


Item = Text | Image | Line | Rect | Link


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)


@dataclass
class Document:
    """A laid-out letter: its pages, structure tree and the resources they draw with."""

    pages: list[Page]
    structure: Node
    images: dict[str, Picture]
    title: str
    author: str
    subject: str
    language: str
