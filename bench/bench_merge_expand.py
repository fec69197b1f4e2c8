"""What preparing each recipient of a mail merge costs: its letter filled in and validated, before
any layout. Compared with rendering one merged letter, the work the merge exists for.

    python bench/bench_merge_expand.py [--recipients 2000] [--rounds 5]

Prints the median time per recipient of ``entries`` (fill, check, validate with the model) and
of ``render`` for one of the merged letters, and the share of a merged letter's total that
preparing it takes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload  # noqa: E402

import letterpress  # noqa: E402
from letterpress.reading.merge import Merged, entries  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        letter = letterpress.load(workload.write_merge(Path(folder), args.recipients, True))
        expand = []
        for _ in range(args.rounds):
            start = time.process_time()
            merged = [e for e in entries(letter) if isinstance(e, Merged)]
            expand.append((time.process_time() - start) / args.recipients)
        assert len(merged) == args.recipients
        letterpress.render(merged[0].letter)  # fonts, hyphenation and images loaded once
        render = []
        for item in merged[1 : 1 + 4 * args.rounds]:
            start = time.process_time()
            letterpress.render(item.letter)
            render.append(time.process_time() - start)
    per_recipient, per_letter = statistics.median(expand), statistics.median(render)
    print(f"recipients: {args.recipients}, rounds: {args.rounds}, CPU time")
    print(f"prepare one recipient (fill, check, validate): {per_recipient * 1e6:8.1f} µs")
    print(f"render one merged letter:                      {per_letter * 1e6:8.1f} µs")
    print(f"preparing is {per_recipient / (per_recipient + per_letter):.1%} of a merged letter")


if __name__ == "__main__":
    main()
