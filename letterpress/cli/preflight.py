"""``letterpress preflight``: is a PDF fit for central print and digital mailboxes?"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "preflight",
        help="check PDFs against the rules of central print and digital mailboxes",
        description="Check PDFs (letters, or attachments from elsewhere) for A4 portrait, "
        "PDF 1.4–1.7, embedded fonts, no encryption, a free left margin and barcode zone, "
        "a 10 mm clear edge and a sensible file size. Exits 1 if anything is found.",
    )
    parser.add_argument("paths", nargs="+", metavar="PDF", help="PDF files")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from letterpress.desktop.preflight import preflight

    found = 0
    for name in args.paths:
        findings = preflight(Path(name))
        for finding in findings:
            print(finding, file=sys.stderr)
        found += len(findings)
    print(f"checked {len(args.paths)}, {found} finding{'s' if found != 1 else ''}")
    return 1 if found else 0
