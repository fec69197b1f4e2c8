"""The three engines behind one interface: make ``count`` letters of a workload, timing each.

An engine is prepared (fonts, compiler, imports, input files) outside the timings, warmed up
on the seed letter, and then timed letter by letter. letterpress is reached only through its
public API; while that API is missing or failing, :class:`Unavailable` carries the reason.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import workload
from workload import REPO

ENGINES = ("typst", "reportlab", "letterpress")
WORKLOADS = ("distinct", "merge", "merge-csv")
"""Distinct letters; a merge with its recipients in the letter; a merge with them in a CSV."""


class Unavailable(Exception):
    """An engine (in practice: letterpress, still being written) cannot run a workload."""


@dataclass
class Batch:
    """The letters of one workload: ``setup`` runs once (timed), then one call per letter."""

    calls: Iterator[Callable[[], bytes]]
    setup: Callable[[], None] = lambda: None


class Engine(Protocol):
    """Prepared once; renders the seed letter and the letters of a workload."""

    def seed(self) -> bytes: ...

    def batch(self, kind: str, count: int, folder: Path) -> Batch: ...


class AnchorEngine:
    """Typst or ReportLab: anchor data prepared in memory, one render call per letter."""

    def __init__(self, render: Callable[[workload.LetterData], bytes]) -> None:
        self.render = render

    def seed(self) -> bytes:
        return self.render(workload.seed_data())

    def batch(self, kind: str, count: int, folder: Path) -> Batch:
        data = workload.distinct_data(count) if kind == "distinct" else workload.merge_data(count)
        return Batch(partial(self.render, letter) for letter in data)


class LetterpressEngine:
    """letterpress through ``letterpress.load`` and ``letterpress.render``."""

    def __init__(self) -> None:
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        try:
            import letterpress

            self.load: Callable[[Path], Any] = letterpress.load
            self.render: Callable[[Any], bytes] = letterpress.render
        except Exception as exc:
            raise Unavailable(reason(exc)) from exc

    def seed(self) -> bytes:
        return self.render(self.load(workload.SEED))

    def batch(self, kind: str, count: int, folder: Path) -> Batch:
        if kind == "distinct":
            paths = workload.write_distinct(folder, count)
            return Batch(partial(self._one, path) for path in paths)
        path = workload.write_merge(folder, count, as_csv=kind == "merge-csv")
        return self._merge(path, count)

    def _one(self, path: Path) -> bytes:
        return self.render(self.load(path))

    def _merge(self, path: Path, count: int) -> Batch:
        expand = merge_api()
        items: list[Iterator[Any]] = []

        def setup() -> None:
            # The merge letter (all recipients) is loaded once for the whole batch.
            items.append(iter(expand(self.load(path))))

        def one() -> bytes:
            return self.render(next(items[0]).letter)

        return Batch((one for _ in range(count)), setup)


def merge_api() -> Callable[[Any], Any]:
    """``letterpress.reading.merge.expand``, or :class:`Unavailable` while it does not exist."""
    try:
        from letterpress.reading.merge import expand
    except Exception as exc:
        raise Unavailable(f"merge API: {reason(exc)}") from exc
    return expand


def guarded(call: Callable[[], Any]) -> Any:
    """Run ``call``; any failure of letterpress becomes :class:`Unavailable`."""
    try:
        return call()
    except Unavailable:
        raise
    except Exception as exc:
        raise Unavailable(reason(exc)) from exc


def reason(exc: BaseException) -> str:
    """A one-line account of why something failed."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def engine(name: str) -> Engine:
    """The engine called ``name``, prepared for use."""
    if name == "typst":
        from typst_anchor import TypstAnchor

        return AnchorEngine(TypstAnchor().render)
    if name == "reportlab":
        import reportlab_anchor

        return AnchorEngine(reportlab_anchor.render)
    if name == "letterpress":
        return LetterpressEngine()
    raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")


def pages(pdf: bytes) -> int:
    """The number of pages of ``pdf`` (counted outside the timings)."""
    import pypdfium2

    return len(pypdfium2.PdfDocument(pdf))


def time_letters(subject: Engine, kind: str, count: int, warmup: int) -> dict[str, Any]:
    """Time ``count`` letters of a workload, one by one, after ``warmup`` renders of the seed.

    Returns the milliseconds (wall clock and CPU time) of each letter and of the batch's
    setup, the size of the seed letter's PDF and the page count of every letter.
    """
    seed = guarded(subject.seed)
    for _ in range(warmup - 1):
        guarded(subject.seed)
    with tempfile.TemporaryDirectory(prefix="lp-bench-") as folder:
        batch = guarded(lambda: subject.batch(kind, count, Path(folder)))
        setup = clocked(lambda: guarded(batch.setup))[1]
        wall, cpu, counts = [], [], []
        for call in batch.calls:
            pdf, spent = clocked(lambda call=call: guarded(call))
            wall.append(spent["wall"])
            cpu.append(spent["cpu"])
            counts.append(pages(pdf))
    return {"wall": wall, "cpu": cpu, "setup": setup, "size": len(seed), "pages": counts}


def clocked(call: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """``call()`` and the milliseconds it took, by the wall clock and in CPU time.

    CPU time is what the process itself spent; on a shared machine it stays put while the
    wall clock also counts the time other processes held the core.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    spent = {"wall": (time.perf_counter() - wall) * 1000, "cpu": (time.process_time() - cpu) * 1000}
    return result, spent
