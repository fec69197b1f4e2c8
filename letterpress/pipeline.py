"""pipeline: one letter (with its recipient set) through body, layout and finish to PDF bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from letterpress.errors import Problem
from letterpress.model import Letter
from letterpress.options import Options

if TYPE_CHECKING:
    from letterpress.layout.page import Document


class Rendered(NamedTuple):
    """A finished letter and the layout it was painted from (what ``build`` preflights)."""

    pdf: bytes
    document: Document


def render(
    letter: Letter, options: Options | None = None, warnings: list[Problem] | None = None
) -> bytes:
    """Typeset ``letter`` and return the finished PDF; soft findings go to ``warnings``.
    Raises :class:`letterpress.clock.BadEpoch` for a ``SOURCE_DATE_EPOCH`` that is no moment,
    before ReportLab reads it as well."""
    return render_laid_out(letter, options, warnings).pdf


def render_laid_out(
    letter: Letter, options: Options | None = None, warnings: list[Problem] | None = None
) -> Rendered:
    """``render``, keeping the laid-out document beside the PDF."""
    from letterpress import body, clock, finish, layout

    clock.fixed_time()
    options = options or Options()
    blocks = body.parse(letter.body)
    document = layout.compose(letter, blocks, options)
    painted = layout.paint(document)
    return Rendered(finish.finish(painted, letter, options, warnings), document)
