"""``letterpress build``: letters or folders of letters to PDF files in an output folder.

``run`` is three steps: the command line becomes ``Options``, ``batch.build`` does the work,
and the report is printed. A new build option is a new argument and a new field of
``Options``; nothing else here changes.
"""

from __future__ import annotations

import argparse
import sys

from letterpress.cli.check import summary

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

if TYPE_CHECKING:
    from typing import Any

    from letterpress.errors import LetterError
    from letterpress.options import Options, Signer, TimestampAuthority

EXIT_INTERRUPTED = 130
"""Ctrl-C or SIGTERM: the shell's number for a command stopped by SIGINT."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("build")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    parser.add_argument("-o", "--output", default="out", metavar="DIR", help="output folder")
    parser.add_argument(
        "--combined", action="store_true",
        help="also write each mail merge as one PDF for printing, DIR/NAME.pdf (PDF 1.7, a "
        "bookmark per recipient), and its manifest DIR/NAME.csv",
    )
    parser.add_argument(
        "--duplex", action="store_true",
        help="with --combined: add a blank page after a letter with an odd number of pages, "
        "so every letter starts on the front of a sheet",
    )
    add_options(parser)
    parser.add_argument(
        "--show-layout", action="store_true",
        help="draw envelope windows, print zones and frames over page 1 (a proof, not a letter)",
    )
    parser.set_defaults(run=run)


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of how letters are built, shared by every command that builds them
    (``build``, ``mail``): ``options(args)`` turns them into ``Options``."""
    parser.add_argument("--no-pdfa", action="store_true", help="write plain PDF, not PDF/A")
    parser.add_argument(
        "-j", "--jobs", type=_positive, default=None, metavar="N",
        help="letters built at once (default: the number of CPUs)",
    )
    add_signing_arguments(parser)
    parser.add_argument(
        "--strict-archive", action="store_true",
        help="an appended PDF that breaks PDF/A is an error, not a warning",
    )
    parser.add_argument(
        "--strict", action="store_true",
        help="warnings (address, print preflight) are errors: the letter is not written",
    )


def options(args: argparse.Namespace) -> Options:
    """The build options the command line asks for; loads the signing key once."""
    from letterpress.options import Options

    return Options(
        pdfa=not args.no_pdfa,
        strict_archive=args.strict_archive,
        strict=args.strict,
        show_layout=getattr(args, "show_layout", False),
        **signing_options(args),
    )


def add_signing_arguments(parser: argparse.ArgumentParser) -> None:
    """--sign, --tsa, --tsa-user, --ltv and --stamp, for every command that builds letters."""
    parser.add_argument(
        "--sign", metavar="P12",
        help="sign every PDF with the key in this PKCS#12 file "
        "(password from LETTERPRESS_SIGN_PASSWORD, or asked for)",
    )
    parser.add_argument(
        "--tsa", metavar="URL",
        help="with --sign: timestamp each signature at this RFC 3161 time-stamping authority "
        "(PAdES B-T)",
    )
    parser.add_argument(
        "--tsa-user", metavar="NAME",
        help="user name at the time-stamping authority (password from LETTERPRESS_TSA_PASSWORD)",
    )
    parser.add_argument(
        "--ltv", action="store_true",
        help="with --sign and --tsa: embed validation data and a document timestamp so the "
        "signature can be checked for years, offline (PAdES B-LTA)",
    )
    parser.add_argument(
        "--stamp", action="store_true",
        help="with --sign: show the signature (signer and time) on the last page",
    )


def signing_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``Options`` fields the signing arguments ask for: loads the key and asks the
    time-stamping authority for one timestamp, once. Raises ``LetterError``. The command has
    checked with :func:`check_signing_options` that the arguments go together."""
    return {
        "signer": _signer(args.sign) if args.sign else None,
        "tsa": _authority(args.tsa, args.tsa_user) if args.tsa else None,
        "ltv": bool(args.ltv),
        "stamp": bool(args.stamp),
    }


def check_signing_options(args: argparse.Namespace) -> None:
    from letterpress.errors import LetterError
    from letterpress.options import LTV_WITHOUT_TSA

    if args.ltv and not args.tsa:
        raise LetterError.at(None, None, "ltv", LTV_WITHOUT_TSA)
    for given, name in ((args.tsa, "--tsa"), (args.ltv, "--ltv"), (args.stamp, "--stamp")):
        if given and not args.sign:
            raise LetterError.at(
                None, None, name.lstrip("-"), f"{name} applies to signatures; add --sign P12"
            )
    if args.tsa_user and not args.tsa:
        raise LetterError.at(None, None, "tsa", "--tsa-user needs --tsa URL")


def _authority(url: str, user: str | None) -> TimestampAuthority:
    from letterpress.finish.sign import timestamp_authority

    return timestamp_authority(url, user)


def _signer(p12: str) -> Signer:
    from pathlib import Path

    from letterpress.finish.sign import load_signer, signing_password

    path = Path(p12)
    return load_signer(path, signing_password(path))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from letterpress import batch
    from letterpress.batch.progress import for_stream
    from letterpress.cli.report import fail
    from letterpress.errors import LetterError
    from letterpress.output import folder_problem

    if args.duplex and not args.combined:
        fail("--duplex applies to the print file: give --combined as well")
        return 2
    try:
        check_signing_options(args)
    except LetterError as exc:
        report_options(exc)  # options that do not go together: a wrong command line
        return 2
    try:
        chosen = options(args)
    except LetterError as exc:
        # No key, no letters: an unsigned PDF must not appear where a signed one was asked for.
        report_options(exc)
        return 1
    unusable = folder_problem(Path(args.output))
    if unusable:
        fail(f"cannot write into {args.output}: {unusable}")
        return 1
    result = batch.build(
        args.paths, args.output, chosen,
        jobs=args.jobs, combined=args.combined, progress=for_stream(sys.stderr),
        duplex=args.duplex,
    )
    print(summary(result, "built"))
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 0 if result.ok and result.outcomes else 1


def report_options(exc: LetterError) -> None:
    """A problem with a file (the key) names the file; one with an option names the option.
    Shared by every command that takes the build options."""
    from letterpress.cli.report import fail, problems

    for problem in exc.problems:
        if problem.path is None:
            fail(f"--{problem.field}: {problem.message}")
        else:
            problems([problem])


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value
