"""How the command line tells a person what went wrong: one ``PATH:LINE: message`` a line."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from letterpress.errors import Problem


def problems(items: Iterable[Problem]) -> None:
    """Print problems and warnings to standard error."""
    for problem in items:
        print(str(problem), file=sys.stderr)


def fail(message: str) -> None:
    """Print a problem that belongs to no file."""
    print(f"letterpress: {message}", file=sys.stderr)
