"""How the command line tells a person what went wrong: one ``PATH:LINE: message`` a line."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from letterpress.errors import Problem


def problems(items: Iterable[Problem]) -> None:
    """Print problems and warnings to standard error."""
    for problem in items:
        print(str(problem), file=sys.stderr)


def fail(message: str) -> None:
    """Print a problem that belongs to no file."""
    print(f"letterpress: {message}", file=sys.stderr)


def one_letter_problem(path: Path, command: str) -> str | None:
    """Why ``path`` is not one letter file that ``command`` (preview, watch) can take."""
    try:
        if path.is_dir():
            return (
                f"{path} is a folder; {command} takes one letter file (.yaml). To build "
                f"every letter in a folder, use: letterpress build {path}"
            )
        if not path.exists():
            return f"{path} not found; name a letter file (.yaml)"
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    if path.suffix.lower() not in (".yaml", ".yml"):
        return f"{path} is not a letter file; {command} takes one letter file (.yaml or .yml)"
    return None
