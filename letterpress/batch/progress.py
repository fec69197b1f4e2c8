"""How a build shows its progress: a live bar in a terminal, plain quiet lines in a log.

The build calls ``start(total)``, ``advance(ok)`` after each letter, ``finished(outcome)`` once
per letter file in the order the files were named (so logs read the same whatever ``-j`` is),
and ``stop()``. Problems and warnings are printed as ``PATH:LINE: message`` when their file is
finished.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Protocol

from letterpress.batch.report import Outcome

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import ProgressColumn, Task


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, ok: bool) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...
    def stop(self) -> None: ...


class Silent:
    """No output at all: for the Python API."""

    def start(self, total: int) -> None:
        pass

    def advance(self, ok: bool) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        pass

    def stop(self) -> None:
        pass


class Lines(Silent):
    """One line per letter file, and its problems; for logs and pipes."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def finished(self, outcome: Outcome) -> None:
        for problem in (*outcome.warnings, *outcome.problems):
            print(problem, file=self.stream)
        line = describe(outcome)
        if line:
            print(line, file=self.stream)
        self.stream.flush()


class Bar(Silent):
    """A rich progress bar with count, rate and time left; problems print above it."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console

        self.console = Console(file=stream)
        self._bar: RichProgress | None = None

    def start(self, total: int) -> None:
        from rich.progress import Progress

        self._bar = Progress(*_columns(), console=self.console)
        self._task = self._bar.add_task("letters", total=total)
        self._bar.start()

    def advance(self, ok: bool) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def finished(self, outcome: Outcome) -> None:
        for problem in (*outcome.warnings, *outcome.problems):
            self._print(str(problem))
        line = describe(outcome)
        if line:
            self._print(line)

    def _print(self, line: str) -> None:
        # soft_wrap: a long PATH:LINE: message stays one line, for editors and copying.
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _columns() -> list[ProgressColumn]:
    """building ━━━━━━━━━━━━━━ 120/250 48 letters/s 0:00:02 elapsed, 0:00:03 left"""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.0f} letters/s" if speed else "", style="progress.data.speed")

    return [
        TextColumn("building"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeElapsedColumn(), TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left"),
    ]


def for_stream(stream: IO[str]) -> Progress:
    """A bar when ``stream`` is a terminal, plain lines when it is not."""
    isatty = getattr(stream, "isatty", None)
    return Bar(stream) if isatty is not None and isatty() else Lines(stream)


def describe(outcome: Outcome) -> str:
    """One line about a letter file that built: where its letters went."""
    if not outcome.outputs:
        return ""
    if not outcome.merge:
        return f"built {outcome.outputs[0]}"
    folder = outcome.outputs[0].parent
    line = f"built {len(outcome.outputs)} of {outcome.letters} letters into {folder}/"
    if outcome.combined is not None:
        line += f" and {outcome.combined}"
        if outcome.manifest is not None:
            line += f" (list: {outcome.manifest})"
    return line
