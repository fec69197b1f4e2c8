"""``letterpress build``: letters or folders of letters to PDF files in an output folder."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("build", help="build letters (files or folders) into PDFs")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    parser.add_argument("-o", "--output", default="out", metavar="DIR", help="output folder")
    parser.add_argument("--no-pdfa", action="store_true", help="write plain PDF, not PDF/A")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from letterpress.batch import build
    from letterpress.cli import report
    from letterpress.options import Options

    result = build(args.paths, args.output, Options(pdfa=not args.no_pdfa))
    for outcome in result.outcomes:
        report.problems(outcome.warnings)
        report.problems(outcome.problems)
    built = sum(len(o.outputs) for o in result.outcomes)
    failed = sum(not o.ok for o in result.outcomes)
    print(f"built {built}, failed {failed} in {result.seconds:.1f} s")
    return 0 if result.ok else 1
