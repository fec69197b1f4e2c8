"""``letterpress preview``: build a letter and write a PNG of every page to look at."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "preview",
        description="Build the letter into DIR and write DIR/<name>-1.png, -2.png … (one per "
        "page, about 100 dpi). With --open, also show the PDF in the system's viewer.",
    )
    parser.add_argument("path", metavar="PATH", help="the letter file")
    parser.add_argument("-o", "--output", default="out", metavar="DIR", help="output folder")
    parser.add_argument(
        "--open", action="store_true", help="open the PDF in the system viewer (does not wait)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from letterpress.cli import report
    from letterpress.cli.report import one_letter_problem
    from letterpress.desktop.preview import preview
    from letterpress.desktop.viewer import NoViewer, open_in_viewer

    problem = one_letter_problem(Path(args.path), "preview")
    if problem:
        report.fail(problem)
        return 1
    result = preview(Path(args.path), Path(args.output))
    report.problems(result.outcome.warnings)
    report.problems(result.outcome.problems)
    for png in result.pngs:
        print(png)
    if args.open and result.outcome.outputs:
        try:
            open_in_viewer(result.outcome.outputs[0])
        except (NoViewer, OSError) as exc:
            report.fail(str(exc))
            return 1
    return 0 if result.ok else 1
