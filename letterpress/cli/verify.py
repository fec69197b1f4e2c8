"""``letterpress verify``: the signatures and the PDF/A and PDF/UA claims of finished letters."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

if TYPE_CHECKING:
    from datetime import datetime

    from letterpress.checks.verify import SignatureCheck, Verification


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("verify")
    parser.add_argument("paths", nargs="+", metavar="PDF", help="PDF files to check")
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="CA.pem",
        help="a CA certificate to trust (may be given more than once); without it no "
        "signature counts as trusted",
    )
    parser.add_argument(
        "--require-signature",
        action="store_true",
        help="an unsigned file fails (by default an unsigned letter that meets its PDF/A and "
        "PDF/UA claims passes)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from letterpress.checks.verify import load_trust, verify
    from letterpress.cli import report
    from letterpress.errors import LetterError

    trust = [Path(t) for t in args.trust]
    try:
        load_trust(trust)
    except LetterError as exc:
        report.problems(exc.problems)
        return 2
    results = [verify(Path(p), trust) for p in args.paths]
    required = args.require_signature
    for result in results:
        print("\n".join(describe(result, require_signature=required)))
    failed = sum(not r.passes(require_signature=required) for r in results)
    print(f"verified {len(results)}, failed {failed}")
    return 0 if failed == 0 else 1


def describe(result: Verification, *, require_signature: bool = False) -> list[str]:
    """The lines printed for one file."""
    passed = result.passes(require_signature=require_signature)
    lines = [f"{result.path}: {'OK' if passed else 'FAILED'}"]
    if result.error is not None:
        return [*lines, f"  error: {result.error}"]
    if not result.signatures:
        required = " and --require-signature was given" if require_signature else ""
        lines.append(f"  signature: none (the file is not signed{required})")
    for signature in result.signatures:
        lines.extend(_signature(signature))
    lines.append(_pdfa(result))
    lines.extend(f"    {problem}" for problem in result.pdfa_problems)
    lines.append(_pdfua(result))
    lines.extend(f"    {problem}" for problem in result.pdfua_problems)
    return lines


def _signature(check: SignatureCheck) -> list[str]:
    when = (
        f"{_time(check.signing_time)} (the signer's clock)" if check.signing_time else "unknown"
    )
    role = " (certifies the letter)" if check.certifies else ""
    lines = [f"  signature {check.field}: {check.signer or 'unknown signer'}{role}"]
    if check.level:
        lines.append(f"    level:   PAdES {check.level}")
    lines.append(f"    signed:  {when}")
    if check.timestamp is not None:
        lines.append(
            f"    timestamp: {_time(check.timestamp)} by {check.timestamp_authority or 'unknown'}"
        )
    for moment, authority in check.archive_timestamps:
        lines.append(f"    document timestamp: {_time(moment)} by {authority or 'unknown'}")
    if check.level:
        offline = (
            "yes, the file carries the data to validate it"
            if check.offline
            else f"no, {check.offline_problem}"
        )
        lines.append(f"    offline: {offline}")
    return [
        *lines,
        f"    intact:  {_yes(check.intact)}   valid: {_yes(check.valid)}   "
        f"trusted: {_yes(check.trusted)}",
        f"    covers:  {check.coverage}",
        *(f"    problem: {problem}" for problem in check.problems),
    ]


def _time(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S %Z}" if moment is not None else "unknown"


def _pdfa(result: Verification) -> str:
    if result.pdfa_claim is None:
        return "  PDF/A: none claimed"
    if result.pdfa_meets is None:
        return f"  PDF/A: claims {result.pdfa_claim}, not checked"
    verdict = "meets it" if result.pdfa_meets else "does NOT meet it"
    return f"  PDF/A: claims {result.pdfa_claim}, {verdict}"


def _pdfua(result: Verification) -> str:
    if result.pdfua_claim is None:
        return "  PDF/UA: none claimed"
    if result.pdfua_meets is None:
        return f"  PDF/UA: claims {result.pdfua_claim}, not checked"
    verdict = "meets it" if result.pdfua_meets else "does NOT meet it"
    return f"  PDF/UA: claims {result.pdfua_claim}, {verdict}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"
