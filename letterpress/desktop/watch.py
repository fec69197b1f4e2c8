"""Watch: build a letter, then build it again whenever it or a file it uses is saved.

The files watched come from the loaded letter: the letter, its letterhead file, the logo, the
letterhead's fonts, signature images, the body file, appended attachments and a recipients CSV.
They are derived again after every good build, so a letter that starts using a new file has it
watched from then on. A save that breaks the letter prints the problem and leaves the last good
PDF in place; the next good save builds again. The process stays warm between builds (fonts
registered, modules imported), which is what makes a rebuild fast.

Directories are watched rather than files: editors often save by writing a new file and
renaming it over the old one, which a watch on the old file would not see.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from letterpress.batch.report import Outcome
from letterpress.errors import LetterError
from letterpress.model import Letter
from letterpress.options import Options

if TYPE_CHECKING:
    from watchfiles import Change

STEP_MS = 30
"""Quiet time after a change before building: an editor's save is often several writes."""

DEBOUNCE_MS = 1600
"""Longest time changes are gathered before a build starts anyway."""


def watched_files(letter: Letter) -> set[Path]:
    """Every file ``letter`` was built from."""
    letterhead = letter.letterhead
    files: list[Path | None] = [
        letter.source.path if letter.source else None,
        letterhead.source,
        letterhead.logo,
        letter.body_file,
    ]
    if letterhead.fonts is not None:
        fonts = letterhead.fonts
        files += [fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic]
    files += [signatory.signature for signatory in letter.signatories]
    files += [attachment.file for attachment in letter.attachments]
    if isinstance(letter.recipients, Path):
        files.append(letter.recipients)
    return {path.resolve() for path in files if path is not None}


@dataclass
class Build:
    """One build of the watched letter."""

    outcome: Outcome
    seconds: float
    files: set[Path] = field(default_factory=set)
    """The files the letter uses, when it loaded."""

    @property
    def ok(self) -> bool:
        return self.outcome.ok


class Watcher:
    """Builds one letter into a folder, and again when its files change."""

    def __init__(
        self, path: Path, out_dir: Path, options: Options | None = None,
        out: TextIO | None = None, err: TextIO | None = None,
    ) -> None:
        self.path = Path(path)
        self.out_dir = Path(out_dir)
        self.options = options or Options()
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.files: set[Path] = {self.path.resolve()}
        self.on_build: Callable[[Build], None] | None = None
        """Called after each build, for callers that time or count builds."""

    def build(self) -> Build:
        """Build the letter now, report the result, and update the files to watch."""
        started = time.perf_counter()
        outcome, files = self._build()
        result = Build(outcome, time.perf_counter() - started, files)
        if result.ok and files:
            self.files = files | {self.path.resolve()}
        self._report(result)
        if self.on_build is not None:
            self.on_build(result)
        return result

    def run(self, stop: threading.Event | None = None) -> None:
        """Build, then rebuild on every change until ``stop`` is set or Ctrl-C is pressed."""
        import watchfiles

        self.build()
        stop = stop or threading.Event()
        while not stop.is_set():
            directories = self._directories()
            for changes in watchfiles.watch(
                *directories, watch_filter=self._relevant, recursive=False, step=STEP_MS,
                debounce=DEBOUNCE_MS, stop_event=stop, raise_interrupt=True,
            ):
                self._print_changes(changes)
                self.build()
                if self._directories() != directories:
                    break  # watch the new set of folders

    def _build(self) -> tuple[Outcome, set[Path]]:
        from letterpress.batch import build
        from letterpress.reading import load

        try:
            # Loaded here too for the file list; a broken letter fails here, before the build.
            files = watched_files(load(self.path))
        except LetterError as exc:
            return Outcome(self.path, problems=list(exc.problems)), set()
        report = build([self.path], self.out_dir, self.options)
        if report.interrupted:
            raise KeyboardInterrupt  # the build took Ctrl-C; it is meant for the watch
        return report.outcomes[0], files

    def _directories(self) -> list[Path]:
        return sorted({path.parent for path in self.files if path.parent.is_dir()})

    def _relevant(self, change: Change, path: str) -> bool:
        return Path(path).resolve() in self.files

    def _print_changes(self, changes: Iterable[tuple[Change, str]]) -> None:
        names = sorted({Path(path).name for _, path in changes})
        print(f"{_now()} changed: {', '.join(names)}", file=self.out, flush=True)

    def _report(self, result: Build) -> None:
        for problem in result.outcome.warnings:
            print(problem, file=self.err, flush=True)
        if not result.ok:
            for problem in result.outcome.problems:
                print(problem, file=self.err, flush=True)
            kept = "; the last good PDF is kept" if self._has_output() else ""
            print(f"{_now()} not built{kept}; waiting for the next save",
                  file=self.err, flush=True)
            return
        outputs = ", ".join(str(p) for p in result.outcome.outputs)
        print(f"{_now()} built {outputs} in {result.seconds:.2f} s", file=self.out, flush=True)

    def _has_output(self) -> bool:
        return (self.out_dir / f"{self.path.stem}.pdf").exists() or (
            self.out_dir / self.path.stem
        ).is_dir()


def watch(path: Path, out_dir: Path, options: Options | None = None) -> int:
    """Watch until Ctrl-C; returns 0 (a broken letter is reported, not an exit)."""
    watcher = Watcher(path, out_dir, options)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a watch ends
        watcher.run()
    print(f"{_now()} stopped watching {path}", file=watcher.out, flush=True)
    return 0


def _now() -> str:
    return time.strftime("%H:%M:%S")

