"""Build the typesetting corpus and count rule violations in the PDFs.

    python bench/typesetting_corpus.py [--count 60] [--seed 13] [--keep DIR] [--old]

Generates ``--count`` varied letters (tests/corpus.py), builds each with the letterpress that
is importable, reads every PDF back with pypdfium2 and prints the violations per rule, the
pages per letter, and any line the checker could not match. ``--old`` leaves out keys that
older builds do not know, to measure a build from before the rules.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


from corpus import check, generate, page_count  # noqa: E402

from letterpress import load  # noqa: E402
from letterpress.options import Options  # noqa: E402
from letterpress.pipeline import render  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", type=Path, help="write the letters and PDFs here")
    parser.add_argument("--old", action="store_true", help="no attachments_numbered key")
    parser.add_argument("--verbose", action="store_true", help="print every violation")
    args = parser.parse_args()
    # The letters use the repository's logos and fonts, outside their temporary folder.
    os.environ.setdefault("LETTERPRESS_ROOT", "/")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="corpus-"))
    paths = generate(folder, args.count, args.seed, numbered=not args.old)
    totals: Counter[str] = Counter()
    pages: Counter[int] = Counter()
    problems = 0
    for path in paths:
        pdf = render(load(path), Options())
        path.with_suffix(".pdf").write_bytes(pdf)
        manifest = json.loads(path.with_suffix(".json").read_text("utf-8"))
        report = check(pdf, manifest)
        pages[page_count(pdf)] += 1
        totals.update(report.counts())
        problems += len(report.problems)
        if args.verbose:
            for rule, message in report.violations:
                print(f"{path.name}: rule {rule}: {message}")
            for problem in report.problems:
                print(f"{path.name}: checker: {problem}")
    print(f"{len(paths)} letters in {folder}")
    print("pages per letter: " + ", ".join(f"{n}: {pages[n]}" for n in sorted(pages)))
    for rule in sorted(totals, key=lambda r: int(r.split()[0])):
        print(f"rule {rule}: {totals[rule]} violations")
    print(f"total violations: {sum(totals.values())}")
    print(f"lines the checker could not match: {problems}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
