"""How long from saving a letter to its new PDF, while ``letterpress watch`` runs warm.

Copies the seed letter (with its letterhead and logo) to a temporary folder, starts a watcher in
this process, waits for its first (cold) build, then saves the letter with a new title again and
again and times each save until the PDF is replaced. Goal: at most 200 ms.

    python bench/bench_watch.py [--saves N]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from letterpress.desktop.watch import Build, Watcher  # noqa: E402  (after the path is set)

SEED = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"
GOAL_MS = 200.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20, help="saves to time (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        letter = _copy_seed(folder)
        latencies, builds = _measure(letter, folder / "out", args.saves)
    _print(latencies, builds, args.saves)
    return 0 if statistics.median(latencies) <= GOAL_MS else 1


def _copy_seed(folder: Path) -> Path:
    shutil.copytree(ROOT / "letters" / "letterheads", folder / "letterheads")
    shutil.copytree(ROOT / "letters" / "logos", folder / "logos")
    letter = folder / "brev.yaml"
    shutil.copy(SEED, letter)
    return letter


def _measure(letter: Path, out: Path, saves: int) -> tuple[list[float], list[float]]:
    watcher = Watcher(letter, out, out=io.StringIO(), err=io.StringIO())
    builds: list[float] = []
    built = threading.Event()

    def on_build(result: Build) -> None:
        builds.append(result.seconds * 1000)
        built.set()

    watcher.on_build = on_build
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    if not built.wait(60):
        raise SystemExit("the first build did not finish within 60 s")
    time.sleep(0.3)  # let the file watch settle after the first build
    pdf = out / f"{letter.stem}.pdf"
    original = letter.read_text(encoding="utf-8")
    latencies = []
    for number in range(saves):
        before = _identity(pdf)
        text = original.replace("title: KS storbynettverk", f"title: Utkast {number} -")
        started = _save(letter, text)
        while _identity(pdf) == before:
            if time.perf_counter() - started > 10:
                raise SystemExit(f"save {number} was not built within 10 s")
            time.sleep(0.001)
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(0.1)  # a person does not save twice within a build
    stop.set()
    thread.join(timeout=5)
    return latencies, builds[1:]


def _save(path: Path, text: str) -> float:
    """Write ``text`` as an editor does, and return the moment the save was complete."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return time.perf_counter()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _print(latencies: list[float], builds: list[float], saves: int) -> None:
    ordered = sorted(latencies)
    if hasattr(os, "getloadavg"):
        # Other work on the machine shows up directly in these times; say how busy it was.
        print(f"load average:       {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    print(f"saves timed:        {len(latencies)}")
    print(f"save to new PDF:    median {statistics.median(latencies):.0f} ms, "
          f"p90 {p90:.0f} ms, max {max(latencies):.0f} ms (goal <= {GOAL_MS:.0f} ms)")
    if builds:
        print(f"  of which build:   median {statistics.median(builds):.0f} ms "
              f"(load, render, write); {len(builds)} builds for {saves} saves")


if __name__ == "__main__":
    sys.exit(main())
