"""``letterpress check``: validate letters, their recipients and placeholders; write nothing."""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

if TYPE_CHECKING:
    from letterpress.batch import Report


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("check")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    parser.add_argument(
        "--strict", action="store_true", help="warnings (such as the address check's) are errors"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from letterpress import batch
    from letterpress.batch.progress import Lines

    result = batch.check(args.paths, progress=Lines(sys.stderr), strict=args.strict)
    print(summary(result, "checked"))
    if result.interrupted:
        return 130
    return 0 if result.ok and result.outcomes else 1


def summary(report: Report, done: str) -> str:
    """``built 248, failed 2 in 3.1 s`` (and what an interruption left undone)."""
    if not report.outcomes:
        return "no letters found (a folder stands for the *.yaml and *.yml files directly in it)"
    good = report.built if done == "built" else report.letters - report.failed
    line = f"{done} {good}, failed {report.failed} in {report.seconds:.1f} s"
    if report.interrupted:
        line += f"; interrupted: {report.not_reached} not {done}"
    return line
