"""CPU ms per letter of finishing alone, in a warm process.

    python bench/finish_only.py [--count 40] [--rounds 7] [--repo PATH]

``--count`` distinct letters (the workload of ``bench/run.py``) are loaded, composed and painted
once; then every painted letter is finished, ``--rounds`` times. Prints the median per letter of
each round, then the median over rounds. Finishing is a small part of ``bench/stages.py``'s
total, so a change to it is read better here, with ``--repo`` alternating before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    # The letters are written to a temporary folder and name this repository's letterhead.
    os.environ.setdefault("LETTERPRESS_ROOT", "/")
    import workload

    import letterpress
    from letterpress import body, clock, finish, layout
    from letterpress.options import Options

    clock.fixed_time()
    options = Options()
    with tempfile.TemporaryDirectory(prefix="lp-finish-") as folder:
        painted = []
        for path in workload.write_distinct(Path(folder), args.count):
            letter = letterpress.load(path)
            document = layout.compose(letter, body.parse(letter.body), options)
            painted.append((layout.paint(document), letter))
    for page, letter in painted[:5]:
        finish.finish(page, letter, options, None)
    rounds = []
    for _ in range(args.rounds):
        spent = []
        for page, letter in painted:
            start = time.process_time()
            finish.finish(page, letter, options, None)
            spent.append((time.process_time() - start) * 1000)
        rounds.append(statistics.median(spent))
    print(f"finish {statistics.median(rounds):.3f} ms/letter ({min(rounds):.3f}-{max(rounds):.3f})")


if __name__ == "__main__":
    main()
