"""The mail batch: the letters a build makes, as ``.eml`` files and, when asked, delivered.

Letters are planned and rendered by the build driver (``batch.produce``): the same
de-duplication, ``--strict``, checks, signing and ``-j`` workers as ``letterpress build``. Before
a letter is rendered it is checked here (exempt, addresses, subject) and looked up in the
ledger: a message every recipient has already received is not rendered, not sent and its
``.eml`` not touched. Each finished PDF is then composed into a message and, with SMTP
settings, delivered in this process, one message at a time, by one connection.

A delivered message's ``.eml`` is the record of what was sent and is never written again; a
message that was not sent is written as a draft (``X-Unsent: 1``). A new version of a message
whose file is such a record (``--resend``) is written under a new name, ``NAME.2.eml``.

SIGINT, SIGTERM and SIGHUP stop the run: a message being handed to the server is finished
(every network step has a deadline) and recorded as what became of it, nothing new starts, and
the report says what was delivered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from letterpress.batch import Outcome, Report, produce
from letterpress.batch.worker import Job
from letterpress.errors import LetterError, Problem
from letterpress.mail.addresses import Addressing, Mailbox, parse_mailbox, resolve
from letterpress.mail.ledger import Key, Ledger, LedgerError, Record
from letterpress.mail.message import Composed, compose, fingerprint, subject_of
from letterpress.mail.policy import refuse_exempt, refuse_exempt_attachments
from letterpress.mail.smtp import Delivery, Mailer, SmtpError, SmtpSettings
from letterpress.model import Letter
from letterpress.options import Options
from letterpress.output import remove_leftovers

STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
"""Ctrl-C, ``kill`` (a service stopping) and a closed terminal."""


@dataclass
class MailOutcome(Outcome):
    """What became of one letter file: its .eml files and their delivery."""

    written: int = 0
    """.eml files written by this run."""
    delivered: int = 0
    """Messages the server accepted in this run (for at least one recipient)."""
    already: int = 0
    """Messages an earlier run delivered to every recipient, so not sent again."""
    unsent: int = 0
    """Messages not tried: the SMTP server could not be used, or sending had stopped."""
    uncertain: int = 0
    """Messages handed over without an answer: they may have arrived."""


@dataclass
class MailReport(Report):
    """Every letter's outcome, and why sending stopped, if it did."""

    outcomes: list[MailOutcome] = field(default_factory=list)  # type: ignore[assignment]
    smtp_error: str = ""
    notes: list[str] = field(default_factory=list)
    """Said once for the whole run (letters changed since sent, messages that may arrive
    twice)."""

    @property
    def ok(self) -> bool:
        return (not self.interrupted and all(o.ok for o in self.outcomes)
                and not self.smtp_error)

    def total(self, what: str) -> int:
        return sum(getattr(outcome, what) for outcome in self.outcomes)


def mail(
    paths: Iterable[str | Path],
    out_dir: str | Path = "out",
    *,
    smtp: SmtpSettings | None = None,
    sender: str | Mailbox | None = None,
    allow_exempt: bool = False,
    resend: bool = False,
    options: Options | None = None,
    jobs: int | None = None,
) -> MailReport:
    """Write every letter's message to ``out_dir``; deliver it too when ``smtp`` is given.

    Raises ``ValueError`` for a malformed ``sender`` and ``LedgerBusy`` when another run is
    sending from ``out_dir``; every problem with a letter is in the report instead.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    from_box = parse_mailbox(sender) if isinstance(sender, str) else sender
    stop = _Stop()
    with stop.handling():
        mailing = _Mailing(out, smtp, from_box, allow_exempt, resend, stop)
        remove_leftovers(out)  # temporary .eml files of a mail run that was killed
        try:
            built = produce(paths, out, mailing, options, jobs=jobs, outcome=MailOutcome,
                            stopping=contextlib.nullcontext())
        finally:
            with stop.critical():
                mailing.close()
    report = MailReport(
        outcomes=[o for o in built.outcomes if isinstance(o, MailOutcome)],
        interrupted=built.interrupted or stop.requested,
        smtp_error=mailing.error,
        notes=mailing.notes(),
    )
    _report_unsent(report)
    report.seconds = time.perf_counter() - started
    return report


def row_key(values: tuple[tuple[str, str], ...]) -> str:
    """The identity of a merge row: a hash of its values, never of its position."""
    if not values:
        return ""
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass
class _Message:
    """What ``before`` found out about a message, for ``take``."""

    addressing: Addressing
    letter: str
    row: str
    todo: list[str]
    base: str
    """The .eml file's name inside the output folder, before any version suffix."""


class _Mailing:
    """The producer of ``batch.produce``: every letter becomes a message, maybe delivered."""

    def __init__(
        self, out: Path, smtp: SmtpSettings | None, sender: Mailbox | None,
        allow_exempt: bool, resend: bool, stop: _Stop,
    ) -> None:
        self.out = out
        self.sender = sender
        self.allow_exempt = allow_exempt
        self.resend = resend
        self.stop = stop
        self.error = ""
        self.ledger = Ledger(out)
        self.mailer = Mailer(smtp) if smtp is not None else None
        if self.mailer is not None:
            self.ledger.open()
        else:
            self.ledger.read()
        self._waiting: dict[tuple[int, int], _Message] = {}
        self._rows: dict[str, frozenset[str]] = {}
        self.changed = 0
        self.unsettled = 0

    @property
    def sending(self) -> bool:
        return self.mailer is not None

    def close(self) -> None:
        if self.mailer is not None:
            self.mailer.close()
        self.ledger.close()

    def stopped(self) -> bool:
        return self.stop.requested

    def notes(self) -> list[str]:
        said = []
        if self.changed:
            said.append(
                f"{self.changed} letter(s) changed since they were sent; they were not sent "
                "again, and their .eml files are kept as sent (--resend sends the new version, "
                "written as a new file NAME.2.eml)"
            )
        if self.unsettled:
            said.append(
                f"{self.unsettled} message(s) were handed to the server by an earlier run that "
                "got no answer; they were sent again and may arrive twice"
            )
        return said

    # Before rendering ---------------------------------------------------------------------

    def before(self, job: Job, outcome: Outcome) -> Path | None:
        if self.stop.requested:
            raise KeyboardInterrupt
        letter = job.letter
        refuse_exempt(letter, self.allow_exempt)
        refuse_exempt_attachments(letter, self.allow_exempt)
        addressing = resolve(letter, self.sender)
        subject_of(letter)
        source = _resolved(letter, outcome.source)
        row = row_key(job.values)
        base = job.target.relative_to(self.out).with_suffix(".eml").as_posix()
        message = _Message(addressing, source, row, addressing.recipients, base)
        if not self.resend:
            done = self._delivered(job, message)
            message.todo = [a for a in addressing.recipients if a.lower() not in done]
            if not message.todo:
                assert isinstance(outcome, MailOutcome)
                outcome.already += 1
                if any(r.fingerprint != fingerprint(letter, addressing) for r in done.values()):
                    self.changed += 1
                return self.out / next(iter(done.values())).file
        self._waiting[job.plan, job.index] = message
        return None

    def _delivered(self, job: Job, message: _Message) -> dict[str, Record]:
        found = {}
        for address in message.addressing.recipients:
            key: Key = (message.letter, message.row, address.lower())
            record = self.ledger.delivered(key, lambda: self._current_rows(job))
            if record is None:
                record = self.ledger.delivered_before(Path(message.letter).stem, address)
            if record is not None:
                found[address.lower()] = record
        return found

    def _current_rows(self, job: Job) -> frozenset[str]:
        """The identities of every row of ``job``'s merge today (read once per letter)."""
        source = _resolved(job.letter, Path())
        if source not in self._rows:
            from letterpress.reading.merge import Merged

            merge = _merge_of(job)
            self._rows[source] = frozenset(
                row_key(entry.values) for entry in merge if isinstance(entry, Merged)
            ) if merge is not None else frozenset()
        return self._rows[source]

    # After rendering ----------------------------------------------------------------------

    def take(self, job: Job, outcome: Outcome, pdf: bytes) -> Path | None:
        assert isinstance(outcome, MailOutcome)
        message = self._waiting.pop((job.plan, job.index))
        with self.stop.critical():
            if self.stop.requested:
                return None
            composed = compose(job.letter, pdf, message.addressing)
            if self.mailer is None:
                return self._write(outcome, self._free_name(message.base), composed.draft)
            return self._deliver(job, outcome, message, composed)

    def _deliver(
        self, job: Job, outcome: MailOutcome, message: _Message, composed: Composed
    ) -> Path | None:
        assert self.mailer is not None
        name = self._free_name(message.base)
        if self.error:
            outcome.unsent += 1
            return self._write(outcome, name, composed.draft)
        if not self.resend:
            # Looked up again just before sending: a recipient listed twice with the same data
            # may have got this very message from this run already.
            earlier = {
                a: self.ledger.delivered_exactly((message.letter, message.row, a.lower()))
                for a in message.todo
            }
            message.todo = [a for a, record in earlier.items() if record is None]
            if not message.todo:
                outcome.already += 1
                return self.out / next(r for r in earlier.values() if r is not None).file
        if not self.resend and any(
            self.ledger.unsettled((message.letter, message.row, a.lower())) for a in message.todo
        ):
            self.unsettled += 1
        journal = _Journal(self.ledger, name, composed, message.letter, message.row)
        try:
            delivery = self.mailer.send(
                composed.sender, message.todo, composed.wire, journal, self.stop.asked
            )
        except SmtpError as exc:
            self.error = str(exc)
            outcome.unsent += 1
            return self._write(outcome, name, composed.draft)
        except LedgerError as exc:
            return self._ledger_failed(outcome, name, composed, exc)
        _record(outcome, name, job, delivery)
        sent = delivery.accepted or delivery.uncertain
        return self._write(outcome, name, composed.eml if sent else composed.draft)

    def _ledger_failed(
        self, outcome: MailOutcome, name: str, composed: Composed, exc: LedgerError
    ) -> Path:
        # Without a record of what was delivered, going on could send things twice.
        if exc.event == "delivered":
            self.error = (f"{exc}; sending stopped: {name} was delivered to "
                          f"{', '.join(composed.recipients)} but this is not recorded, so the "
                          "next run will send it again")
            outcome.delivered += 1
            return self._write(outcome, name, composed.eml)
        if exc.event == "sending":
            self.error = f"{exc}; sending stopped before {name} was handed over"
        else:
            self.error = f"{exc}; sending stopped after the server refused {name}"
        outcome.unsent += 1
        return self._write(outcome, name, composed.draft)

    def _free_name(self, base: str) -> str:
        """``base``, or ``base`` with a version suffix when that file is a copy of what was
        sent (by an earlier run, or to other recipients): such a copy is never written over."""
        name, version = base, 1
        while self.ledger.taken(name):
            version += 1
            name = base.removesuffix(".eml") + f".{version}.eml"
        return name

    def _write(self, outcome: MailOutcome, name: str, data: bytes) -> Path:
        from letterpress.output import write_atomic

        target = self.out / name
        try:
            write_atomic(target, data)
        except OSError as exc:
            raise LetterError.at(target, None, "", f"cannot write it: {exc.strerror}") from None
        outcome.written += 1
        return target


@dataclass
class _Journal:
    """Records a message's progress in the ledger as it happens."""

    ledger: Ledger
    name: str
    composed: Composed
    letter: str
    row: str

    def sending(self, recipients: list[str]) -> None:
        self._append("sending", recipients)

    def delivered(self, recipients: list[str]) -> None:
        self._append("delivered", recipients)

    def refused(self, recipients: list[str]) -> None:
        self._append("refused", recipients)

    def _append(self, event: str, recipients: list[str]) -> None:
        composed = self.composed
        self.ledger.append(event, self.name, recipients, composed.message_id,
                           composed.fingerprint, letter=self.letter, row=self.row)


def _record(outcome: MailOutcome, name: str, job: Job, delivery: Delivery) -> None:
    letter = job.letter
    where = f"{job.where}: " if job.where else ""
    source = outcome.source
    if delivery.accepted:
        outcome.delivered += 1
    elif delivery.uncertain:
        outcome.uncertain += 1
    if delivery.stopped and not delivery.accepted:
        outcome.unsent += 1
    for address, reply in delivery.refused.items():
        outcome.problems.append(Problem(
            source, _line_of(letter, address), "",
            f"{where}{name}: the server refused {address} ({reply}); not sent to that "
            "address, and not tried again; correct it and run the command again",
        ))
    for address, reason in delivery.uncertain.items():
        outcome.problems.append(Problem(
            source, None, "",
            f"{where}{name}: {address}: {reason}; it is not sent again in this run (the next "
            "run sends it again and says it may arrive twice)",
        ))
    for address, reason in delivery.failed.items():
        outcome.problems.append(Problem(
            source, None, "",
            f"{where}{name}: not delivered to {address} ({reason}); run the command again later",
        ))


def _report_unsent(report: MailReport) -> None:
    for outcome in report.outcomes:
        if outcome.unsent and not report.interrupted:
            outcome.problems.append(Problem(
                outcome.source, None, "",
                f"{outcome.unsent} message(s) not sent: sending had stopped (see above); once "
                "that is fixed, the same command sends them",
            ))


def _resolved(letter: Letter, fallback: Path) -> str:
    path = letter.source.path if letter.source is not None else fallback
    with contextlib.suppress(OSError):
        path = path.resolve()
    return str(path)


def _merge_of(job: Job) -> Iterable[object] | None:
    """The recipients of ``job``'s letter file, read again."""
    from letterpress.reading import load
    from letterpress.reading.merge import prepare

    if job.letter.source is None:
        return None
    try:
        return prepare(load(job.letter.source.path, []))
    except LetterError:
        return None


def _line_of(letter: Letter, address: str) -> int | None:
    """The line that names ``address``, where the letter file says."""
    source = letter.source
    if source is None:
        return None
    candidates: list[tuple[str, str]] = []
    if letter.recipient is not None:
        candidates.append(("recipient.email", letter.recipient.email))
    if letter.email is not None:
        for key in ("to", "cc", "bcc"):
            values = getattr(letter.email, key)
            candidates += [(f"email.{key}.{i}", value) for i, value in enumerate(values)]
    for field_name, value in candidates:
        if _same_address(value, address):
            return source.line_of(field_name)
    return None


def _same_address(value: str, address: str) -> bool:
    try:
        return parse_mailbox(value).address.lower() == address.lower()
    except ValueError:
        return False


class _Stop:
    """Stopping on a signal without cutting a message in two.

    Outside a critical section a stop signal raises ``KeyboardInterrupt`` at once (rendering
    stops as in ``build``). Inside one (composing, delivering and recording a message) it is
    only noted: the message is finished, recorded, and then the run stops.
    """

    def __init__(self) -> None:
        self.requested = False
        self._critical = 0

    def asked(self) -> bool:
        return self.requested

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous: dict[int, object] = {}
        for name in STOP_SIGNALS:
            number = getattr(signal, name, None)
            if number is not None:
                previous[number] = signal.signal(number, self._signalled)
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1

    def _signalled(self, signum: int, frame: object) -> None:
        self.requested = True
        if not self._critical:
            raise KeyboardInterrupt

