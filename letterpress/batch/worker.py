"""Building one letter into its file, in the build process or in a worker process of the pool.

A worker is set up once (``init``): it imports the render stages, keeps the build options, and
then renders job after job, so fonts, hyphenation dictionaries and images loaded by the render
path stay cached in the process. Every file is written with ``write_atomic``: a worker stopped
at any moment leaves the old file or the new one, never part of one.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import signal
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from letterpress.errors import LetterError, Problem, unexpected
from letterpress.options import Options

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

if TYPE_CHECKING:
    # Only a pool of worker processes needs multiprocessing; one letter is built in-process.
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

    from letterpress.model import Letter


@dataclass(frozen=True)
class Job:
    """One PDF to write: which letter file and recipient it is, where it goes, and the letter."""

    plan: int
    """Position of the letter file in the build."""
    index: int
    """Recipient number in a merge (1 for a plain letter)."""
    target: Path
    letter: Letter
    where: str = ""
    """Which recipient, for messages: ``recipient 4 (mottakere.csv:5)``."""
    values: tuple[tuple[str, str], ...] = ()
    """The merge row's own data (see ``Merged.values``)."""
    keep: Path | None = None
    """A private folder to leave the finished PDF in, for this process to use (``mail``),
    instead of writing it to ``target``. A file, not bytes in the result: a worker stopped
    while sending a large result would leave the pool's result pipe half-written, and the
    build process waiting on it forever."""


@dataclass(frozen=True)
class Result:
    """What became of one job."""

    plan: int
    index: int
    target: Path | None
    """The file written; None when the letter failed."""
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    """Soft findings of rendering; the same for most letters of a merge, so reported once."""
    skipped: bool = False
    """Not attempted: the build was stopping."""
    kept: bool = False
    """``target`` is the finished PDF left in the job's ``keep`` folder."""


RENDER_PATH = (
    "letterpress.pipeline",
    "letterpress.body.markdown",
    "letterpress.layout.letter",
    "letterpress.layout.painter",
    "letterpress.fonts.metrics",
    "letterpress.fonts.parsed",
    "letterpress.finish",
    "letterpress.checks.preflight",
    "letterpress.checks.drawn",
    "letterpress.output",
)
"""The modules ``run`` needs, which ``pipeline.render`` imports only on its first letter. A
worker imports them when it starts; where workers start from a fork server, the server imports
them once, before it starts any worker, and no worker imports them again."""

_options = Options()
_busy = False
_stopping: Event | None = None


def init(
    options: Options, environment: dict[str, str], stopping: Event, lifeline: Connection
) -> None:
    """Set up a worker process: import the render path once and follow the build process.

    ``environment`` is the build process's: a worker started by a long-lived fork server would
    otherwise see the variables (``SOURCE_DATE_EPOCH``) of the moment that server started.
    ``stopping`` is an event the build process sets on Ctrl-C: the letter being built is
    finished, the rest of the chunk is skipped. ``lifeline`` is the reading end of a pipe whose
    other end only the build process holds.
    """
    global _options, _stopping
    _options, _stopping = options, stopping
    os.environ.clear()
    os.environ.update(environment)
    # Ctrl-C reaches every process of the terminal; the build process decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):  # a closed terminal, too, is the build process's to handle
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminated)
    _follow(lifeline)
    prepare()


_prepared = False


def prepare() -> None:
    """Import the render path (in a worker of a fork server, already done) and take
    everything imported so far out of the cyclic garbage collector's sight, once per process.

    Modules, classes and tables live as long as the process, yet every full collection walks
    them again, and so does the last one when the process exits. Frozen, they are never walked
    (a one-letter ``build`` spends about 15 % less CPU); what letters make is collected as
    usual. Once only: a long-lived process (``watch``) must not freeze the garbage of the
    letters it built before.
    """
    global _prepared
    if _prepared:
        return
    collecting = gc.isenabled()
    gc.disable()  # importing makes nothing to collect
    try:
        for name in RENDER_PATH:  # the heavy imports, before the first letter (or in the server)
            importlib.import_module(name)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    _prepared = True


def _stopping_now() -> bool:
    return _stopping is not None and _stopping.is_set()


def run_chunk(jobs: list[Job]) -> list[Result]:
    """Build a few letters in a worker process."""
    global _busy
    _busy = True
    try:
        return [_skipped(job) if _stopping_now() else run(job, _options) for job in jobs]
    except _Terminated:
        # write_atomic has removed its temporary file on the way out; now stop at once.
        os._exit(143)
    finally:
        _busy = False


def run(job: Job, options: Options) -> Result:
    """Render ``job``'s letter and write it; every problem is returned, none raised."""
    from letterpress.checks.drawn import preflight_letter
    from letterpress.output import write_atomic
    from letterpress.pipeline import render_laid_out

    warnings: list[Problem] = []
    try:
        pdf, document = render_laid_out(job.letter, options, warnings)
        if not options.show_layout:  # a proof's marks are meant to cross the print zones
            appended = any(a.file is not None for a in job.letter.attachments)
            found = preflight_letter(
                pdf, document, job.target, appended=appended, signed=options.signer is not None
            )
            warnings.extend(finding.as_problem() for finding in found)
        if options.strict and warnings:
            raise LetterError([replace(w, warning=False) for w in warnings])
        if job.keep is not None:
            # A private scratch file, read once the result arrives: no fsync, no rename.
            kept = job.keep / f"{job.plan}-{job.index}.pdf"
            try:
                kept.write_bytes(pdf)
            except OSError as exc:
                return _failed(job, f"cannot write {kept}: {exc.strerror or exc}")
            return Result(job.plan, job.index, kept, (), tuple(warnings), kept=True)
        write_atomic(job.target, pdf)
    except LetterError as exc:
        problems = tuple(located(p, job.where) for p in exc.problems)
        return Result(job.plan, job.index, None, problems, tuple(warnings))
    except OSError as exc:
        return _failed(job, f"cannot write {job.target}: {exc.strerror or exc}")
    except (Exception, MemoryError) as exc:  # a bug must cost one letter, not the batch
        return _failed(job, unexpected(exc))
    return Result(job.plan, job.index, job.target, (), tuple(warnings))


def _skipped(job: Job) -> Result:
    return Result(job.plan, job.index, None, skipped=True)


def _failed(job: Job, message: str) -> Result:
    source = job.letter.source.path if job.letter.source is not None else None
    problem = Problem(source, None, "", f"{job.where}: {message}" if job.where else message)
    return Result(job.plan, job.index, None, (problem,))


def located(problem: Problem, where: str) -> Problem:
    """A problem in a merged letter, saying which recipient's letter it is."""
    return replace(problem, message=f"{where}: {problem.message}") if where else problem


class _Terminated(BaseException):
    """SIGTERM in a worker: unwinds through write_atomic, which removes its temporary file."""


def _terminated(signum: int, frame: object) -> None:
    if _busy:
        raise _Terminated
    os._exit(143)


def _follow(lifeline: Connection) -> None:
    """Exit when the build process is gone (killed), instead of waiting for work forever.

    Nothing is ever sent on the lifeline: reading it returns only when the build process's end
    is closed, which the system does when that process dies however it dies.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv()
        os._exit(1)

    threading.Thread(target=watch, name="letterpress-lifeline", daemon=True).start()
