"""``letterpress check``: validate letters and write nothing."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="validate letters; writes nothing")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from letterpress.batch import check
    from letterpress.cli import report

    result = check(args.paths)
    for outcome in result.outcomes:
        report.problems(outcome.warnings)
        report.problems(outcome.problems)
    failed = sum(not o.ok for o in result.outcomes)
    print(f"checked {len(result.outcomes)}, failed {failed}")
    return 0 if result.ok else 1
