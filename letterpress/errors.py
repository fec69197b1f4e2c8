"""Problems with a letter, reported as ``PATH:LINE: field: message`` and never as a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Control characters, line separators and lone surrogates: a file name or value quoted in a
# message must not break it over lines, send escape sequences to the terminal, or fail to
# encode when it is printed.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as is known."""

    path: Path | None
    line: int | None
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = str(self.path) if self.path is not None else "<letter>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        field = f"{self.field}: " if self.field else ""
        kind = "warning: " if self.warning else ""
        return _one_line(f"{where}: {kind}{field}{self.message}")


def _one_line(text: str) -> str:
    """``text`` with each control character written as an escape, such as ``\\r``."""
    return _UNPRINTABLE.sub(lambda found: repr(found[0])[1:-1], text)


class LetterError(Exception):
    """A letter (or a file it names) cannot be built; carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: Path | None, line: int | None, field: str, message: str) -> LetterError:
        return cls(Problem(path, line, field, message))


def unexpected(exc: BaseException, doing: str = "build the letter") -> str:
    """The message for an exception no check foresaw, which costs one letter, not the batch."""
    if isinstance(exc, MemoryError):
        return (
            f"too little memory to {doing}; close other programs, or build fewer letters at "
            "once (-j 1)"
        )
    return (
        f"could not {doing} ({type(exc).__name__}: {exc}); this is a bug in letterpress: "
        "please report it with the letter"
    )
