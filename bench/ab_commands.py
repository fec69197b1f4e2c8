"""Whole commands of two checkouts of letterpress, alternating, beside the Typst anchor.

    python bench/ab_commands.py OTHER_CHECKOUT [--rounds 3] [--distinct 100] [--merge 250]

The workloads and commands are those of ``commands.py`` (``letterpress build FOLDER -j 1`` and
``build MERGE.yaml -j 1``). Each round runs the other checkout's letterpress, this one's and the
Typst anchor once per workload, in turns that swap order every round, each process pinned to
one core; a change is read from the two letterpress rows of the same run, CPU ms per letter
(median over rounds, range in brackets). Both checkouts run with this checkout's Python
environment: only the ``letterpress`` package differs (``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import commands
from workload import REPO


def timed(command: list[str], checkout: Path, cpu: int) -> float:
    """CPU milliseconds of one whole command run with ``checkout``'s letterpress."""
    env = {**commands._bytecode_kept(), "RAYON_NUM_THREADS": "1",
           "SOURCE_DATE_EPOCH": "1663027200",
           "PYTHONPATH": os.pathsep.join((str(checkout), str(checkout / "bench")))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=checkout,
                          check=False, preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}")
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="another checkout of letterpress (e.g. main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--distinct", type=int, default=100)
    parser.add_argument("--merge", type=int, default=250)
    args = parser.parse_args()
    cpu = min(os.sched_getaffinity(0))
    counts = {"distinct": args.distinct, "merge": args.merge}
    checkouts = {"other": args.other.resolve(), "this": REPO}
    per_letter: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="lp-ab-") as name:
        found = commands.commands(Path(name), args.distinct, args.merge)
        for number in range(args.rounds + 1):  # the first round is untimed: caches warm
            for kind, by_engine in found.items():
                build = by_engine["letterpress"]
                build = [sys.executable, "-m", "letterpress", *build[build.index("build"):]]
                turns = [("other", build), ("this", build), ("typst", by_engine["typst"])]
                for label, command in turns if number % 2 else turns[::-1]:
                    ms = timed(command, checkouts.get(label, REPO), cpu)
                    if number:
                        per_letter.setdefault((kind, label), []).append(ms / counts[kind])
            print(f"  round {number} of {args.rounds}", file=sys.stderr, flush=True)
    print(f"whole commands, -j 1, cpu ms/letter; median of {args.rounds} rounds; "
          f"other = {checkouts['other']}")
    for kind in counts:
        typst = statistics.median(per_letter[kind, "typst"])
        for label in ("other", "this", "typst"):
            values = per_letter[kind, label]
            middle = statistics.median(values)
            print(f"{kind:8} {label:6} {middle:6.1f} ({min(values):.1f}–{max(values):.1f})"
                  f"  {middle / typst:.2f}× Typst")


if __name__ == "__main__":
    main()
