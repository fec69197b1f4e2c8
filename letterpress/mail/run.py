"""The mail batch: letters to ``.eml`` files in an output folder and, when asked, delivered.

For each letter: load it, refuse it if exempt, make one message per recipient of a merge,
check the addresses and header texts, render the PDF, write the ``.eml`` atomically and, with
SMTP settings, deliver it to every recipient the ledger does not show as reached already.
One bad letter, message or recipient never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from letterpress.batch import Outcome, Report, letter_files
from letterpress.errors import LetterError, Problem, unexpected
from letterpress.mail.addresses import Mailbox, parse_mailbox, resolve
from letterpress.mail.ledger import Ledger, Record
from letterpress.mail.message import Composed, compose, subject_of
from letterpress.mail.policy import refuse_exempt
from letterpress.mail.smtp import Delivery, Mailer, SmtpError, SmtpSettings
from letterpress.model import Letter
from letterpress.options import Options


@dataclass
class MailOutcome(Outcome):
    """What became of one letter file: its .eml files and their delivery."""

    delivered: int = 0
    """Messages delivered by this run (to at least one recipient)."""
    already: int = 0
    """Messages an earlier run delivered to every recipient, so not sent again."""
    unsent: int = 0
    """Messages not tried because the SMTP server could not be used."""


@dataclass
class MailReport(Report):
    """Every letter's outcome, and why sending stopped, if it did."""

    outcomes: list[MailOutcome] = field(default_factory=list)  # type: ignore[assignment]
    smtp_error: str = ""

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes) and not self.smtp_error


def mail(
    paths: Iterable[str | Path],
    out_dir: str | Path = "out",
    *,
    smtp: SmtpSettings | None = None,
    sender: str | Mailbox | None = None,
    allow_exempt: bool = False,
    resend: bool = False,
    options: Options | None = None,
) -> MailReport:
    """Write every letter's message to ``out_dir``; deliver it too when ``smtp`` is given.

    Raises ``ValueError`` for a malformed ``sender`` and ``LedgerBusy`` when another run is
    sending from ``out_dir``; every problem with a letter is in the report instead.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    from_box = parse_mailbox(sender) if isinstance(sender, str) else sender
    report = MailReport()
    courier = _Courier(out, smtp, resend) if smtp is not None else None
    try:
        for source in letter_files(paths):
            outcome = MailOutcome(source)
            _one_file(outcome, out, from_box, courier, allow_exempt, options)
            report.outcomes.append(outcome)
    finally:
        if courier is not None:
            courier.close()
            report.smtp_error = courier.error
    _report_unsent(report)
    report.seconds = time.perf_counter() - started
    return report


def _one_file(
    outcome: MailOutcome, out: Path, sender: Mailbox | None, courier: _Courier | None,
    allow_exempt: bool, options: Options | None,
) -> None:
    from letterpress.reading import load

    try:
        letter = load(outcome.source, outcome.warnings)
        refuse_exempt(letter, allow_exempt)
        for name, item, where in _messages(outcome, letter):
            try:
                _one_message(outcome, name, item, out, sender, courier, options)
            except LetterError as exc:
                outcome.problems.extend(_located(exc.problems, where))
            except Exception as exc:  # a bug must cost one letter, not the run
                failed = Problem(outcome.source, None, "", unexpected(exc))
                outcome.problems.extend(_located([failed], where))
    except LetterError as exc:
        outcome.problems.extend(exc.problems)
    except Exception as exc:  # the other letter files are still mailed
        outcome.problems.append(Problem(outcome.source, None, "", unexpected(exc, "load it")))


def _messages(outcome: MailOutcome, letter: Letter) -> Iterator[tuple[str, Letter, str]]:
    """Each message's file name inside the output folder, its letter and, in a merge, which
    recipient it is for (``recipient 4 (mottakere.csv:5)``).

    A recipient of a merge that cannot be merged is reported; the others still are.
    """
    stem = outcome.source.stem
    if not letter.is_merge:
        yield f"{stem}.eml", letter, ""
        return
    from letterpress.reading.merge import Rejected, entries

    for entry in entries(letter):
        if isinstance(entry, Rejected):
            outcome.problems.extend(entry.problems)
            continue
        outcome.warnings.extend(entry.warnings)
        yield f"{stem}/{entry.stem}.eml", entry.letter, entry.where


def _located(problems: list[Problem], where: str) -> list[Problem]:
    if not where:
        return problems
    return [replace(p, message=f"{where}: {p.message}") for p in problems]


def _one_message(
    outcome: MailOutcome, name: str, letter: Letter, out: Path, sender: Mailbox | None,
    courier: _Courier | None, options: Options | None,
) -> None:
    import letterpress
    from letterpress.output import write_atomic

    # Everything about the message is checked before the costly rendering of the PDF.
    addressing = resolve(letter, sender)
    subject_of(letter)
    pdf = letterpress.render(letter, options)
    composed = compose(letter, pdf, addressing, draft=courier is None)
    target = out / name
    try:
        write_atomic(target, composed.eml)
    except OSError as exc:
        raise LetterError.at(target, None, "", f"cannot write it: {exc.strerror}") from None
    outcome.outputs.append(target)
    if courier is not None:
        courier.deliver(outcome, name, letter, composed)


def _report_unsent(report: MailReport) -> None:
    for outcome in report.outcomes:
        if outcome.unsent:
            outcome.problems.append(Problem(
                outcome.source, None, "",
                f"{outcome.unsent} message(s) not sent: the SMTP server could not be used "
                "(see above); once that is fixed, the same command sends them",
            ))


class _Courier:
    """Delivery for one run: the SMTP connection and the ledger of the output folder."""

    def __init__(self, out: Path, settings: SmtpSettings, resend: bool) -> None:
        self.mailer = Mailer(settings)
        self.ledger = Ledger(out)
        self.ledger.open()
        self.resend = resend
        self.error = ""

    def close(self) -> None:
        self.mailer.close()
        self.ledger.close()

    def deliver(self, outcome: MailOutcome, name: str, letter: Letter, composed: Composed) -> None:
        done = {} if self.resend else self.ledger.delivered(name)
        self._warn_changed(outcome, name, done, composed)
        todo = [address for address in composed.recipients if address.lower() not in done]
        if not todo:
            outcome.already += 1
            return
        if self.error:
            outcome.unsent += 1
            return
        self._warn_unsettled(outcome, name, todo)
        try:
            delivery = self.mailer.send(
                composed.sender, todo, composed.wire, _Journal(self.ledger, name, composed)
            )
        except SmtpError as exc:
            self.error = str(exc)
            outcome.unsent += 1
            return
        except OSError as exc:
            # Without a record of what was delivered, going on could send things twice.
            self.error = (
                f"cannot write to {self.ledger.path} ({exc.strerror}); sending stopped, and "
                f"{name} may have been delivered without being recorded"
            )
            outcome.unsent += 1
            return
        _record(outcome, name, letter, delivery)

    def _warn_changed(
        self, outcome: MailOutcome, name: str, done: dict[str, Record], composed: Composed
    ) -> None:
        changed = sorted(a for a, r in done.items() if r.fingerprint != composed.fingerprint)
        if changed:
            outcome.warnings.append(Problem(
                outcome.source, None, "",
                f"{name}: the letter has changed since it was delivered to {', '.join(changed)}; "
                "it is not sent to them again (--resend sends it to every recipient)",
                warning=True,
            ))

    def _warn_unsettled(self, outcome: MailOutcome, name: str, todo: list[str]) -> None:
        if self.resend:
            return
        unsettled = sorted(self.ledger.unsettled(name) & {a.lower() for a in todo})
        if unsettled:
            outcome.warnings.append(Problem(
                outcome.source, None, "",
                f"{name}: an earlier run stopped while handing this message to the server for "
                f"{', '.join(unsettled)}; it is sent again and may arrive twice",
                warning=True,
            ))


@dataclass
class _Journal:
    """Records a message's progress in the ledger as it happens."""

    ledger: Ledger
    name: str
    composed: Composed

    def sending(self, recipients: list[str]) -> None:
        self._append("sending", recipients)

    def delivered(self, recipients: list[str]) -> None:
        self._append("delivered", recipients)

    def refused(self, recipients: list[str]) -> None:
        self._append("refused", recipients)

    def _append(self, event: str, recipients: list[str]) -> None:
        composed = self.composed
        self.ledger.append(event, self.name, recipients, composed.message_id, composed.fingerprint)


def _record(outcome: MailOutcome, name: str, letter: Letter, delivery: Delivery) -> None:
    if delivery.accepted:
        outcome.delivered += 1
    for address, reply in delivery.refused.items():
        line = _line_of(letter, address)
        outcome.problems.append(Problem(
            outcome.source, line, "",
            f"{name}: the server refused {address} ({reply}); not sent to that address; "
            "correct it and run the command again",
        ))
    for address, reason in delivery.failed.items():
        outcome.problems.append(Problem(
            outcome.source, None, "",
            f"{name}: not delivered to {address} ({reason}); run the command again later",
        ))


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

