"""batch: build or check many letters (files and folders of them) into an output folder."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from letterpress.errors import LetterError, Problem
from letterpress.options import Options

LETTER_SUFFIXES = (".yaml", ".yml")


@dataclass
class Outcome:
    """What became of one letter file."""

    source: Path
    outputs: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Report:
    """The outcome of every letter in a run, and how long it took."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes)


def letter_files(paths: Iterable[str | Path]) -> list[Path]:
    """Letters named directly, and every ``*.yaml``/``*.yml`` directly inside named folders."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found.extend(sorted(p for p in item.iterdir() if p.suffix in LETTER_SUFFIXES))
        else:
            found.append(item)
    return found


def build(
    paths: Iterable[str | Path], out_dir: str | Path = "out", options: Options | None = None
) -> Report:
    """Build every letter into ``out_dir``; one bad letter never stops the others."""
    from letterpress.load import load
    from letterpress.output import write_atomic
    from letterpress.pipeline import render

    started = time.perf_counter()
    report = Report()
    out = Path(out_dir)
    for source in letter_files(paths):
        outcome = Outcome(source)
        try:
            letter = load(source, outcome.warnings)
            target = out / f"{source.stem}.pdf"
            write_atomic(target, render(letter, options))
            outcome.outputs.append(target)
        except LetterError as exc:
            outcome.problems.extend(exc.problems)
        report.outcomes.append(outcome)
    report.seconds = time.perf_counter() - started
    return report


def check(paths: Iterable[str | Path]) -> Report:
    """Validate every letter without writing anything."""
    from letterpress.load import load

    report = Report()
    for source in letter_files(paths):
        outcome = Outcome(source)
        try:
            load(source, outcome.warnings)
        except LetterError as exc:
            outcome.problems.extend(exc.problems)
        report.outcomes.append(outcome)
    return report
