"""What a build or check did: an outcome per letter file, and the run as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from letterpress.errors import Problem


@dataclass
class Outcome:
    """What became of one letter file (one PDF, or one per recipient of a merge)."""

    source: Path
    outputs: list[Path] = field(default_factory=list)
    """The PDFs written, in recipient order."""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    letters: int = 1
    """Letters this file makes: 1, or the number of recipients of a merge."""
    failed: int = 0
    """Letters that could not be made (the whole file counts as one when it cannot be read)."""
    combined: Path | None = None
    """The ``--combined`` PDF of a merge."""
    manifest: Path | None = None
    """The list of the letters in the ``--combined`` PDF, in print order (``x.csv``)."""
    merge: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Report:
    """The outcome of every letter file in a run, and how long it took."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    """Stopped by Ctrl-C or SIGTERM: letters not reached are neither built nor failed."""

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(outcome.ok for outcome in self.outcomes)

    @property
    def built(self) -> int:
        return sum(len(outcome.outputs) for outcome in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(outcome.failed for outcome in self.outcomes)

    @property
    def letters(self) -> int:
        return sum(outcome.letters for outcome in self.outcomes)

    @property
    def not_reached(self) -> int:
        return self.letters - self.built - self.failed
