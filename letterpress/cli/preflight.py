"""``letterpress preflight``: is a PDF fit for central print and digital mailboxes?"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing and pathlib cost a new process milliseconds; checkers read this
if TYPE_CHECKING:
    from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "preflight",
        description="Check PDFs (letters, or attachments from elsewhere) for A4 portrait, "
        "PDF 1.4–1.7, embedded fonts, no encryption, a free left margin and barcode zone, "
        "a 10 mm clear edge and a sensible file size. Exits 1 if anything is found.",
    )
    parser.add_argument("paths", nargs="+", metavar="PDF", help="PDF files")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from letterpress.checks.preflight import preflight

    files = pdf_files(args.paths)
    if not files:
        print(f"letterpress: no PDF files in {', '.join(args.paths)}", file=sys.stderr)
        return 1
    found = 0
    for path in files:
        findings = preflight(path)
        for finding in findings:
            print(finding, file=sys.stderr)
        found += len(findings)
    print(f"checked {len(files)}, {found} finding{'s' if found != 1 else ''}")
    return 1 if found else 0


def pdf_files(paths: list[str]) -> list[Path]:
    """Files named directly, and every ``*.pdf`` in named folders (a build's merge folders too)."""
    from pathlib import Path

    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf")
        else:
            found.append(path)
    return found
