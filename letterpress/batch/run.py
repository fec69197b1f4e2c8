"""Building and checking many letters: plan every file, run the jobs, report in file order.

A build has three steps. *Plan*: every letter file is loaded and made ready to merge (letter-level
problems such as a broken CSV header are found here, before any PDF is written) and given its
place in the output folder. *Run*: the letters are built in this process or in a pool of
workers (``pool.py``); a recipient row that cannot be merged fails alone. *Report*: each file's
outcome is completed in the order the files were named, so messages, reports and files never
depend on ``-j``; a finished merge then has its stale PDFs removed and, with ``--combined``, its
combined PDF written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from letterpress.batch.lock import FolderLock
from letterpress.batch.progress import Progress, Silent
from letterpress.batch.report import Outcome, Report
from letterpress.batch.worker import Job, Result
from letterpress.errors import LetterError, Problem, unexpected
from letterpress.options import Options
from letterpress.output import remove_leftovers
from letterpress.reading.yamlfile import LETTER_SUFFIXES

if TYPE_CHECKING:
    from letterpress.model import Letter
    from letterpress.reading.merge import Merge

OWNED_FILE = re.compile(r"\d{3,}-[a-z0-9-]+\.pdf|\.\d{3,}-[a-z0-9-]+\.pdf\.\w+\.part")
"""The files of a merge folder that a build owns: its PDFs, and temporary files of a build that
was killed. A finished merge removes those that no recipient of today's build has."""


def letter_files(paths: Iterable[str | Path]) -> list[Path]:
    """Letters named directly, and every ``*.yaml``/``*.yml`` directly inside named folders."""
    found: list[Path] = []
    for item in map(Path, paths):
        if _answers(item.is_dir):
            found.extend(sorted(p for p in item.iterdir() if _is_letter(p)))
        else:
            found.append(item)  # loading it says what is wrong with it, if anything
    return found


def _is_letter(path: Path) -> bool:
    # Hidden files are editors' lock and backup files, not letters.
    return path.suffix.lower() in LETTER_SUFFIXES and not path.name.startswith(".") and (
        _answers(path.is_file)
    )


def _answers(question: Callable[[], bool]) -> bool:
    """A yes-or-no question about a path, where 'the system cannot tell' (a name too long for
    it) counts as no: the path is then loaded as a letter, and loading says what is wrong."""
    try:
        return question()
    except OSError:
        return False


def default_jobs() -> int:
    """The CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def build(
    paths: Iterable[str | Path],
    out_dir: str | Path = "out",
    options: Options | None = None,
    *,
    jobs: int | None = None,
    combined: bool = False,
    progress: Progress | None = None,
    duplex: bool = False,
) -> Report:
    """Build every letter into ``out_dir``; one bad letter or recipient never stops the others.

    ``jobs`` worker processes (default: one per CPU) share the letters; ``combined`` also writes
    each merge's letters as one print file with its manifest (``duplex``: every letter starts
    on the front of a sheet). Ctrl-C or SIGTERM stops the build cleanly: files already
    written are complete, and the report says ``interrupted``.
    """
    from letterpress.batch import pool

    started = time.perf_counter()
    options = options or Options()
    tracker = _Tracker(
        Path(out_dir), progress or Silent(), combined, strict=options.strict,
        strict_archive=options.strict_archive, duplex=duplex,
    )
    # A proof's marks are meant to cross the print zones: its print file is not preflighted.
    tracker.preflight = not options.show_layout
    tracker.plan(letter_files(paths))
    tracker.progress.start(tracker.total)
    remove_leftovers(Path(out_dir))  # temporary files of a build that was killed
    workers = jobs or default_jobs()
    try:
        with _sigterm_as_interrupt():
            pool.execute(tracker.jobs(), options, workers, tracker.total, tracker.deliver)
    except KeyboardInterrupt:
        tracker.report.interrupted = True
        tracker.wrap_up("")
    except pool.WorkerLost as exc:
        tracker.wrap_up(f"{exc}; build again to make the letters that are missing")
    finally:
        tracker.release()
        tracker.progress.stop()
    tracker.report.seconds = time.perf_counter() - started
    return tracker.report


class Producer(Protocol):
    """What a front end other than ``build`` does with the letters a build makes (``mail``)."""

    def before(self, job: Job, outcome: Outcome) -> Path | None:
        """Called before the letter is rendered. Raise ``LetterError`` to fail it; return a
        file to count it as done without rendering it (sent already)."""
        ...

    def take(self, job: Job, outcome: Outcome, pdf: bytes) -> Path | None:
        """The finished PDF of ``job``, in this process. Returns the file it made, or None when
        it was not used because the run is stopping; raises ``LetterError`` to fail it."""
        ...

    def stopped(self) -> bool:
        """True once the run must start nothing new (asked after each letter it took)."""
        ...


def produce(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    producer: Producer,
    options: Options | None = None,
    *,
    jobs: int | None = None,
    outcome: Callable[[Path], Outcome] = Outcome,
    stopping: AbstractContextManager[object] | None = None,
) -> Report:
    """Plan and render as ``build`` does (the same de-duplication, ``--strict``, checks and
    workers), handing each finished PDF to ``producer`` instead of writing it.

    ``outcome`` makes the outcome of each letter file; ``stopping`` replaces the handling of
    SIGTERM (a ``KeyboardInterrupt`` raised inside it stops the run as Ctrl-C does).
    """
    from letterpress.batch import pool

    started = time.perf_counter()
    options = options or Options()
    tracker = _Tracker(Path(out_dir), Silent(), False, strict=options.strict, outcome=outcome)
    tracker.tidy = False  # the output folder holds the producer's files, not this build's
    tracker.plan(letter_files(paths))
    tracker.progress.start(tracker.total)
    waiting: dict[tuple[int, int], Job] = {}
    kept = Path(tempfile.mkdtemp(prefix="letterpress-"))

    def checked() -> Iterator[Job]:
        for job in tracker.jobs():
            try:
                done = producer.before(job, tracker.plans[job.plan].outcome)
            except LetterError as exc:
                tracker.deliver(Result(job.plan, job.index, None, _located(exc, job)))
                continue
            if done is not None:
                tracker.deliver(Result(job.plan, job.index, done))
                continue
            waiting[job.plan, job.index] = job
            yield replace(job, keep=kept)

    def take(result: Result) -> None:
        job = waiting.pop((result.plan, result.index), None)
        if result.kept and job is None:
            return  # the same result a second time, while stopping
        if result.kept and job is not None and result.target is not None:
            try:
                made = producer.take(job, tracker.plans[job.plan].outcome, _taken(result.target))
            except LetterError as exc:
                result = Result(result.plan, result.index, None, _located(exc, job),
                                result.warnings)
            else:
                result = replace(result, target=made, kept=False, skipped=made is None)
        tracker.deliver(result)
        if producer.stopped():
            raise KeyboardInterrupt

    try:
        with stopping or _sigterm_as_interrupt():
            pool.execute(checked(), options, jobs or default_jobs(), tracker.total, take)
    except KeyboardInterrupt:
        tracker.report.interrupted = True
        tracker.wrap_up("")
    except pool.WorkerLost as exc:
        tracker.wrap_up(f"{exc}; run the same command again for the letters that are missing")
    finally:
        tracker.release()
        tracker.progress.stop()
        shutil.rmtree(kept, ignore_errors=True)
    tracker.report.seconds = time.perf_counter() - started
    return tracker.report


def _taken(path: Path) -> bytes:
    """The bytes of a PDF a worker left for this process, which removes the file."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LetterError.at(
            path, None, "", f"cannot read the built letter: {exc.strerror}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def _located(exc: LetterError, job: Job) -> tuple[Problem, ...]:
    if not job.where:
        return tuple(exc.problems)
    return tuple(replace(p, message=f"{job.where}: {p.message}") for p in exc.problems)


def check(
    paths: Iterable[str | Path], progress: Progress | None = None, *, strict: bool = False
) -> Report:
    """Validate every letter, every recipient and every placeholder; write nothing.
    With ``strict``, warnings (such as the address check's) fail the letter."""
    started = time.perf_counter()
    tracker = _Tracker(None, progress or Silent(), combined=False, strict=strict)
    tracker.plan(letter_files(paths))
    tracker.progress.start(tracker.total)
    try:
        for job in tracker.jobs():
            tracker.deliver(Result(job.plan, job.index, job.target))
    except KeyboardInterrupt:
        tracker.report.interrupted = True
        tracker.wrap_up("")
    finally:
        tracker.progress.stop()
    tracker.report.seconds = time.perf_counter() - started
    return tracker.report


@dataclass
class _Plan:
    """One letter file on its way through the build."""

    number: int
    outcome: Outcome
    merge: Merge | None = None
    """The file's letters, ready to merge; None when it could not be loaded."""
    folder: Path | None = None
    issued: int = 0
    all_issued: bool = False
    aborted: bool = False
    settled: bool = False
    built: dict[int, Path] = field(default_factory=dict)
    listed: set[Path] = field(default_factory=set)
    """The PDF of every recipient in today's list, built or not: the ones tidying keeps."""
    failed: dict[int, tuple[Problem, ...]] = field(default_factory=dict)
    warnings: dict[int, tuple[Problem, ...]] = field(default_factory=dict)
    addressed: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Recipient name and postcode of each letter, for the print file's bookmarks and manifest
    (kept only with ``--combined``)."""
    lock: FolderLock | None = None
    """Held on a merge's folder while this build writes into it (see ``lock.py``)."""

    @property
    def complete(self) -> bool:
        return self.all_issued and len(self.built) + len(self.failed) == self.issued


class _Tracker:
    """The plans of a build, and their outcomes completed in order as results arrive."""

    def __init__(
        self,
        out: Path | None,
        progress: Progress,
        combined: bool,
        *,
        strict: bool = False,
        strict_archive: bool = False,
        duplex: bool = False,
        outcome: Callable[[Path], Outcome] = Outcome,
    ) -> None:
        self.out = out
        self.tidy = out is not None
        self.outcome = outcome
        self.strict = strict
        self.strict_archive = strict_archive
        self.duplex = duplex
        self.preflight = True
        self.progress = progress
        self.combined = combined
        self.report = Report()
        self.plans: list[_Plan] = []
        self._next = 0

    @property
    def total(self) -> int:
        return sum(plan.outcome.letters for plan in self.plans)

    # Plan ------------------------------------------------------------------------------------

    def plan(self, sources: list[Path]) -> None:
        seen: set[Path] = set()
        claimed: dict[str, Path] = {}
        for source in sources:
            key = source.resolve() if _answers(source.exists) else source
            if key in seen:
                continue  # named twice (a folder and a file in it): built once
            seen.add(key)
            plan = _Plan(len(self.plans), self.outcome(source))
            self.plans.append(plan)
            self.report.outcomes.append(plan.outcome)
            self._prepare(plan, claimed)

    def _prepare(self, plan: _Plan, claimed: dict[str, Path]) -> None:
        from letterpress.reading import load
        from letterpress.reading.merge import prepare

        outcome = plan.outcome
        try:
            letter = load(outcome.source, outcome.warnings)
            self._inspect(letter, outcome)
            if self.strict and outcome.warnings:
                raise LetterError(_as_errors(outcome.warnings))
            merge = prepare(letter)
            self._claim(outcome.source, claimed)
        except Exception as exc:  # one letter's failure, whatever it is (LetterError mostly)
            problems = exc.problems if isinstance(exc, LetterError) else [
                Problem(outcome.source, None, "", unexpected(exc, "load the letter"))
            ]
            outcome.problems.extend(problems)
            outcome.failed = 1
            plan.all_issued = True
            return
        plan.merge = merge
        outcome.letters = merge.count
        outcome.merge = letter.is_merge
        if self.out is not None:
            plan.folder = self.out / outcome.source.stem if letter.is_merge else self.out

    def _inspect(self, letter: Letter, outcome: Outcome) -> None:
        """What finishing (and, for ``check``, layout) would refuse, found before any letter
        of the file is typeset: once per letter file, not once per recipient."""
        if any(a.file is not None for a in letter.attachments):
            from letterpress.finish.attachments import check_attachments

            outcome.warnings.extend(check_attachments(letter, strict=self.strict_archive))
        if self.out is None:  # a build finds these while typesetting
            _check_typesetting(letter)

    def _claim(self, source: Path, claimed: dict[str, Path]) -> None:
        """Two letter files with one name would write the same PDF: the second one fails."""
        key = source.stem.casefold()  # Windows and macOS do not tell Brev.pdf from brev.pdf
        other = claimed.setdefault(key, source)
        if other != source:
            target = (self.out or Path()) / source.stem
            raise LetterError.at(
                source, None, "",
                f"{other} also builds {target}.pdf (or the folder {target}/); rename one of "
                "the two letter files",
            )

    # Run -------------------------------------------------------------------------------------

    def jobs(self) -> Iterator[Job]:
        """Every letter to build, read lazily, merge row by merge row."""
        for plan in self.plans:
            if plan.merge is not None:
                yield from self._jobs_of(plan)
            plan.all_issued = True
            self._flush()

    def _jobs_of(self, plan: _Plan) -> Iterator[Job]:
        from letterpress.reading.address import postcode
        from letterpress.reading.merge import Rejected

        folder = plan.folder or Path()
        if plan.outcome.merge and plan.folder is not None and self.tidy:
            with contextlib.suppress(OSError):  # writing each letter will say what is wrong
                plan.lock = FolderLock(plan.folder)
            remove_leftovers(plan.folder)
        try:
            for entry in plan.merge or ():
                plan.issued += 1
                plan.listed.add(folder / f"{entry.stem}.pdf")
                if isinstance(entry, Rejected):
                    self._record(Result(plan.number, entry.index, None, entry.problems))
                    continue
                if self.strict and entry.warnings:
                    # --strict: a recipient the post cannot reach fails alone.
                    errors = tuple(_as_errors(list(entry.warnings)))
                    self._record(Result(plan.number, entry.index, None, errors))
                    continue
                plan.outcome.warnings.extend(entry.warnings)
                if self.combined and entry.letter.recipient is not None:
                    recipient = entry.letter.recipient
                    plan.addressed[entry.index] = (recipient.name, postcode(recipient.address))
                target = folder / f"{entry.stem}.pdf"
                yield Job(plan.number, entry.index, target, entry.letter, entry.where,
                          values=entry.values)
        except LetterError as exc:
            # The recipients file went bad while it was read (changed on disk?).
            plan.outcome.problems.extend(exc.problems)
            plan.aborted = True
        except Exception as exc:  # the letters of the other files are still built
            message = unexpected(exc, "read the recipients")
            plan.outcome.problems.append(Problem(plan.outcome.source, None, "", message))
            plan.aborted = True

    def deliver(self, result: Result) -> None:
        self._record(result)
        self._flush()

    def _record(self, result: Result) -> None:
        plan = self.plans[result.plan]
        if result.skipped or result.index in plan.built or result.index in plan.failed:
            return  # skipped while stopping, or delivered again while stopping
        if result.warnings:
            plan.warnings[result.index] = result.warnings
        if result.target is not None:
            plan.built[result.index] = result.target
        else:
            plan.failed[result.index] = result.problems
        self.progress.advance(result.target is not None)

    # Report ----------------------------------------------------------------------------------

    def _flush(self) -> None:
        """Complete the outcomes of finished files, in the order the files were named."""
        while self._next < len(self.plans) and self.plans[self._next].complete:
            plan = self.plans[self._next]
            self._settle(plan)
            if not plan.aborted:
                self._tidy(plan)
            self.progress.finished(plan.outcome)
            self._next += 1

    def wrap_up(self, reason: str) -> None:
        """After an interruption: report what every unfinished file got so far."""
        for plan in self.plans[self._next :]:
            self._settle(plan)
            missing = plan.outcome.letters - len(plan.built) - len(plan.failed)
            if reason and missing > 0 and plan.merge is not None:
                count = f"{missing} of {plan.outcome.letters} letters" if plan.outcome.merge else ""
                message = f"{count} not built: {reason}".strip()
                plan.outcome.problems.append(Problem(plan.outcome.source, None, "", message))
                plan.outcome.failed += missing
            self.progress.finished(plan.outcome)
        self._next = len(self.plans)

    def _settle(self, plan: _Plan) -> None:
        """Put the results of ``plan`` into its outcome, in recipient order (once)."""
        if plan.settled:
            return
        plan.settled = True
        outcome = plan.outcome
        if self.out is not None:  # a check writes nothing
            outcome.outputs = [plan.built[i] for i in sorted(plan.built)]
        for index in sorted(plan.failed):
            outcome.problems.extend(plan.failed[index])
        for index in sorted(plan.warnings):
            outcome.warnings.extend(w for w in plan.warnings[index] if w not in outcome.warnings)
        if plan.merge is not None:
            outcome.failed = len(plan.failed)
            if plan.aborted:
                outcome.failed += max(1, outcome.letters - plan.issued)

    def _tidy(self, plan: _Plan) -> None:
        """A finished merge: remove PDFs of recipients no longer there; write --combined."""
        if not plan.outcome.merge or plan.folder is None or not self.tidy:
            return
        if plan.lock is None or plan.lock.alone():
            # Another build writing here now would have its new letters taken for old ones.
            # A recipient whose letter failed today (a full disk) keeps the one built before.
            _remove_stale(plan.folder, plan.listed)
        self.release(plan)
        if self.combined and plan.outcome.outputs:
            self._combine(plan)

    def release(self, plan: _Plan | None = None) -> None:
        """Let go of the merge folder of ``plan``, or of every plan's."""
        for each in [plan] if plan is not None else self.plans:
            if each.lock is not None:
                each.lock.release()
                each.lock = None

    def _combine(self, plan: _Plan) -> None:
        from letterpress.batch.combine import ManifestInTheWay, Printed, combine, manifest_path

        assert self.out is not None
        outcome = plan.outcome
        target = self.out / f"{outcome.source.stem}.pdf"
        letters = [
            Printed(plan.built[i], *plan.addressed.get(i, ("", ""))) for i in sorted(plan.built)
        ]
        try:
            findings = combine(
                letters, target, outcome.source.stem, duplex=self.duplex, strict=self.strict,
                preflight=self.preflight,
            )
        except ManifestInTheWay as exc:
            outcome.problems.append(Problem(outcome.source, None, "", f"{exc}"))
            return
        except Exception as exc:  # a broken combined file must not hide the letters built
            outcome.problems.append(
                Problem(outcome.source, None, "", f"cannot write {target}: {exc}")
            )
            return
        found = [finding.as_problem() for finding in findings]
        if self.strict and found:
            outcome.problems.extend(_as_errors(found))
            return
        outcome.warnings.extend(found)
        outcome.combined = target
        outcome.manifest = manifest_path(target)


def _check_typesetting(letter: Letter) -> None:
    """What layout would refuse, found by ``check`` without typesetting: characters the fonts
    cannot show, a logo or signature image that cannot be decoded or shows nothing."""
    from letterpress import body
    from letterpress import geometry as g
    from letterpress.fonts import font_set
    from letterpress.layout.glyphs import check_glyphs
    from letterpress.layout.images import picture

    check_glyphs(letter, body.parse(letter.body), font_set(letter.letterhead))
    source = letter.source
    head = letter.letterhead
    where: Path | None
    if head.logo is not None:
        if head.source is not None:  # a letterhead file is named by itself
            where, line, field = head.source, None, "logo"
        else:
            where, field = (source.path if source else None), "letterhead.logo"
            line = source.line_of(field) if source else None
        picture(head.logo, where, field, line, (g.LOGO_BOX.width, g.LOGO_BOX.height))
    for number, person in enumerate(letter.signatories):
        if person.signature is not None:
            field = f"signatories.{number}.signature"
            line = source.line_of(field) if source else None
            where = source.path if source else None
            picture(person.signature, where, field, line, g.SIGNATURE_BOX)


def _remove_stale(folder: Path, keep: set[Path]) -> None:
    """PDFs left from an earlier build of this merge would be mistaken for today's letters."""
    # Only the merge's own folder: a build never removes files elsewhere in the output folder.
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if OWNED_FILE.fullmatch(path.name) and path not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a service stopping) stops the build the way Ctrl-C does."""
    main = threading.current_thread() is threading.main_thread()
    if not main or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _as_errors(warnings: list[Problem]) -> list[Problem]:
    """``--strict``: the warnings, each now an error that stops the letter."""
    errors = [replace(w, warning=False) for w in warnings]
    warnings.clear()
    return errors
