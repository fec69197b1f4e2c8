"""How fast a new ``letterpress`` process starts: ``--help`` and ``check`` of one letter against
a bare ``python -c pass``, each a whole new process, interleaved.

    python bench/bench_startup.py [--runs 30]

Prints the median and the fastest wall time of each command and the ratio of the medians to the
bare interpreter. The goal is ``letterpress --help`` at most 3x ``python -c pass``. Uses the
``letterpress`` script beside this Python (the virtual environment's), so the numbers include
what a user pays: the entry-point script, the interpreter and every import.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "letters" / "ks-storbynettverk-innspill.yaml"
GOAL = 3.0


def commands() -> dict[str, list[str]]:
    script = Path(sys.executable).with_name("letterpress")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "letterpress"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "letterpress --help": [*entry, "--help"],
        "letterpress check (one letter)": [*entry, "check", str(SEED)],
        "python -c 'import letterpress.cli'": [sys.executable, "-c", "import letterpress.cli"],
    }


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    # An installed letterpress runs from compiled bytecode; the first round writes it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    runs = commands()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for command in runs.values():
        timed(command)  # warm the file cache and the bytecode
    for _ in range(args.runs):
        for name, command in runs.items():
            times[name].append(timed(command))
    bare = statistics.median(times["python -c pass"])
    print(f"{'command':40} {'median ms':>10} {'fastest ms':>11} {'x bare':>7}")
    for name, found in times.items():
        median = statistics.median(found)
        print(f"{name:40} {median * 1000:10.1f} {min(found) * 1000:11.1f} {median / bare:7.2f}")
    ratio = statistics.median(times["letterpress --help"]) / bare
    fastest = min(times["letterpress --help"]) / min(times["python -c pass"])
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"letterpress --help is {ratio:.2f}x a bare interpreter ({fastest:.2f}x fastest against "
          f"fastest): {verdict} the goal of {GOAL:g}x")


if __name__ == "__main__":
    main()
