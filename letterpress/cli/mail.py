"""``letterpress mail``: letters as ready-to-send ``.eml`` messages, delivered with ``--send``."""

from __future__ import annotations

import argparse
import sys

from letterpress.cli.build import EXIT_INTERRUPTED, add_options

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

if TYPE_CHECKING:
    from letterpress.mail import MailReport, SmtpSettings

USAGE_ERROR = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "mail",
        description=(
            "Write DIR/x.eml for every letter (a merge: DIR/x/001-name.eml ...). With --send, "
            "also deliver them; a second run sends only what was not delivered. The SMTP user "
            "and password are read from LETTERPRESS_SMTP_USER and LETTERPRESS_SMTP_PASSWORD. "
            "Letters are built as by 'letterpress build', with the same options."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    parser.add_argument("-o", "--output", default="out", metavar="DIR", help="output folder")
    parser.add_argument("--from", dest="sender", metavar="ADDR",
                        help="sender address (default: the letterhead's email)")
    parser.add_argument("--allow-exempt", action="store_true",
                        help="also mail letters marked exempt from public disclosure")
    building = parser.add_argument_group("building the letters (as in letterpress build)")
    add_options(building)  # type: ignore[arg-type]
    sending = parser.add_argument_group("delivery")
    sending.add_argument("--send", action="store_true", help="deliver the messages over SMTP")
    sending.add_argument("--smtp", metavar="HOST[:PORT]", help="the SMTP server to deliver to")
    sending.add_argument("--tls", choices=("starttls", "ssl", "none"), default="starttls",
                         help="how to encrypt the connection (default: starttls)")
    sending.add_argument("--cafile", metavar="PEM",
                         help="trust the certificate authorities in this file, not the system's")
    sending.add_argument("--resend", action="store_true",
                         help="send again, also to recipients an earlier run delivered to")
    sending.add_argument("--timeout", type=_positive, default=30.0, metavar="SECONDS",
                         help="longest wait for any one network step (default: 30)")
    sending.add_argument("--attempts", type=_count, default=4, metavar="N",
                         help="tries of a message that fails temporarily (default: 4)")
    sending.add_argument("--retry-delay", type=_positive, default=2.0, metavar="SECONDS",
                         help="wait before the second try, doubled for each later one (default: 2)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from letterpress.cli import report
    from letterpress.cli.build import check_signing_options, options
    from letterpress.errors import LetterError
    from letterpress.mail import SmtpError, mail
    from letterpress.mail.ledger import LedgerBusy
    from letterpress.output import folder_problem

    try:
        settings = _settings(args)
        if args.sender is not None:
            _check_sender(args.sender)
    except ValueError as exc:
        report.fail(str(exc))
        return USAGE_ERROR
    unusable = folder_problem(Path(args.output))
    if unusable:
        report.fail(f"cannot write into {args.output}: {unusable}")
        return 1
    try:
        check_signing_options(args)
    except LetterError as exc:
        report.problems(exc.problems)  # options that do not go together: a wrong command line
        return USAGE_ERROR
    try:
        chosen = options(args)
    except LetterError as exc:
        # No key, no letters: an unsigned PDF must not go out where a signed one was asked for.
        report.problems(exc.problems)
        return 1
    try:
        result = mail(
            args.paths, args.output, smtp=settings, sender=args.sender,
            allow_exempt=args.allow_exempt, resend=args.resend, options=chosen, jobs=args.jobs,
        )
    except SmtpError as exc:
        report.fail(str(exc))
        return USAGE_ERROR
    except LedgerBusy as exc:
        report.fail(str(exc))
        return 1
    except OSError as exc:
        report.fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
        return 1
    _print(result, sending=settings is not None)
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 0 if result.ok else 1


def _settings(args: argparse.Namespace) -> SmtpSettings | None:
    """The SMTP settings of the command line, or ``ValueError`` for a wrong combination."""
    from pathlib import Path

    from letterpress.mail import SmtpSettings
    from letterpress.mail.smtp import credentials_from_environment, parse_server

    if not args.send:
        for given, option in ((args.smtp, "--smtp"), (args.resend, "--resend"),
                              (args.cafile, "--cafile")):
            if given:
                raise ValueError(f"{option} is only used with --send")
        return None
    if not args.smtp:
        raise ValueError("--send needs --smtp HOST[:PORT], the server to deliver to")
    host, port = parse_server(args.smtp, args.tls)
    cafile = Path(args.cafile) if args.cafile else None
    if cafile is not None and not cafile.is_file():
        raise ValueError(f"--cafile {cafile}: no such file")
    user, password = credentials_from_environment()
    return SmtpSettings(
        host=host, port=port, tls=args.tls, user=user, password=password,
        timeout=args.timeout, attempts=args.attempts, retry_delay=args.retry_delay,
        cafile=cafile,
    )


def _check_sender(sender: str) -> None:
    from letterpress.mail.addresses import parse_mailbox

    try:
        parse_mailbox(sender)
    except ValueError as exc:
        raise ValueError(f"--from: {exc}") from None


def _print(result: MailReport, sending: bool) -> None:
    from letterpress.cli import report

    if result.smtp_error:
        report.fail(result.smtp_error)
    said: set[object] = set()
    for outcome in result.outcomes:
        for problem in (*outcome.warnings, *outcome.problems):
            if problem not in said:  # the same finding of two letters is said once
                said.add(problem)
                report.problems([problem])
    for note in result.notes:
        print(f"letterpress: {note}", file=sys.stderr)
    if result.interrupted:
        print(f"interrupted: {_not_reached(result, sending)}; nothing new was started; run the "
              "same command again for the rest", file=sys.stderr)
    print(summary(result, sending), file=sys.stdout)


def summary(result: MailReport, sending: bool) -> str:
    """The last line of every run, complete or interrupted."""
    failed = sum(not o.ok for o in result.outcomes)
    line = f"wrote {result.total('written')} .eml"
    if sending:
        line += (f", delivered {result.total('delivered')}, already delivered before "
                 f"{result.total('already')}")
        uncertain = result.total("uncertain")
        if uncertain:
            line += f", may have arrived {uncertain}"
    elif result.total("already"):
        line += f", already delivered before {result.total('already')} (their copies kept)"
    return f"{line}; {failed} letter(s) with problems"


def _not_reached(result: MailReport, sending: bool) -> str:
    missing = result.not_reached + result.total("unsent")
    return f"{missing} message(s) not {'sent' if sending else 'written'}"


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)
