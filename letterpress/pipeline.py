"""pipeline: one letter (with its recipient set) through body, layout and finish to PDF bytes."""

from __future__ import annotations

from letterpress.errors import Problem
from letterpress.model import Letter
from letterpress.options import Options


def render(
    letter: Letter, options: Options | None = None, warnings: list[Problem] | None = None
) -> bytes:
    """Typeset ``letter`` and return the finished PDF; soft findings go to ``warnings``."""
    from letterpress import body, finish, layout

    options = options or Options()
    blocks = body.parse(letter.body)
    document = layout.compose(letter, blocks, options)
    painted = layout.paint(document)
    return finish.finish(painted, letter, options, warnings)
