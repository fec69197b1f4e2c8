"""``letterpress watch``: build a letter, then rebuild it whenever it or its files change."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "watch",
        description="Build the letter into DIR, then build it again whenever the letter, its "
        "letterhead, logo, fonts, signature images, body file, attachments or recipients CSV "
        "are saved. A save that breaks the letter prints the problem and keeps the last good "
        "PDF. Stop with Ctrl-C.",
    )
    parser.add_argument("path", metavar="PATH", help="the letter file")
    parser.add_argument("-o", "--output", default="out", metavar="DIR", help="output folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from letterpress.cli import report
    from letterpress.cli.report import one_letter_problem
    from letterpress.desktop.watch import watch

    problem = one_letter_problem(Path(args.path), "watch")
    if problem:
        report.fail(problem)
        return 1
    print(f"watching {args.path}; stop with Ctrl-C", flush=True)
    return watch(Path(args.path), Path(args.output))
