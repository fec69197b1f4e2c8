"""What the first letter of a new process costs beyond the letters after it, and what the cache
folder saves of it.

    python bench/bench_cold.py [--runs 10] [--cpu 0] [--tree PATH ...]

Two measurements, each process pinned to one core, CPU time (user + system):

- ``letterpress build`` of the seed letter, a whole new process, with an empty cache folder
  each time (nothing derived kept: fonts parsed and stripped of hinting, logo encoded,
  hyphenation patterns parsed) and with the cache folder the previous run filled. Interleaved.
- In one process with the libraries already imported: CPU ms of the first ``load`` + ``render``
  of the seed letter and of the second (the same letter again), so the difference is the cold
  work alone, not the imports.

``--tree`` runs the same measurements against other source trees (each a checkout of
letterpress, put first on ``PYTHONPATH``), interleaved with this one: a before and after in one
run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "letters" / "ks-storbynettverk-innspill.yaml"

FIRST_AND_SECOND = r"""
import importlib, json, os, pathlib, sys, time
os.sched_setaffinity(0, {int(sys.argv[2])})
import letterpress
for name in ("letterpress.body", "letterpress.layout", "letterpress.finish",
             "letterpress.layout.painter", "letterpress.finish.images", "letterpress.fonts.embed",
             "letterpress.layout.images", "letterpress.layout.hyphenation",
             "reportlab.pdfgen.canvas", "pikepdf", "PIL.Image", "PIL.PngImagePlugin",
             "PIL.JpegImagePlugin", "pyphen", "markdown_it", "yaml", "letterpress.reading"):
    importlib.import_module(name)
times = []
for _ in range(2):
    started = time.process_time()
    letterpress.render(letterpress.load(pathlib.Path(sys.argv[1])))
    times.append((time.process_time() - started) * 1000)
print(json.dumps(times))
"""


def environment(tree: Path | None, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["LETTERPRESS_CACHE_DIR"] = str(cache)
    env["SOURCE_DATE_EPOCH"] = "1663027200"
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    return env


def pinned(cpu: int):  # type: ignore[no-untyped-def]
    return lambda: os.sched_setaffinity(0, {cpu})


def build_cpu(tree: Path | None, cache: Path, out: Path, cpu: int) -> float:
    """CPU ms of one ``letterpress build`` of the seed letter in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "letterpress", "build", str(SEED), "-o", str(out)],
        check=True, capture_output=True, env=environment(tree, cache), cwd=tree or REPO,
        preexec_fn=pinned(cpu),
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def first_and_second(tree: Path | None, cache: Path, cpu: int) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_AND_SECOND, str(SEED), str(cpu)],
        check=True, capture_output=True, text=True, env=environment(tree, cache),
        cwd=tree or REPO,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--tree", type=Path, action="append", default=[])
    args = parser.parse_args()
    trees: dict[str, Path | None] = {"this tree": None}
    trees.update({str(tree): tree.resolve() for tree in args.tree})
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="lp-cold-") as name:
        folder = Path(name)
        for label, tree in trees.items():  # untimed: bytecode written, caches filled
            build_cpu(tree, folder / f"warm-{label}".replace("/", "_"), folder / "out", args.cpu)
        for run in range(args.runs):
            for label, tree in trees.items():
                tag = label.replace("/", "_")
                empty = folder / f"empty-{tag}-{run}"
                rows.setdefault(f"{label}: build, empty cache folder", []).append(
                    build_cpu(tree, empty, folder / "out", args.cpu))
                warm = folder / f"warm-{tag}"
                rows.setdefault(f"{label}: build, filled cache folder", []).append(
                    build_cpu(tree, warm, folder / "out", args.cpu))
                first, second = first_and_second(tree, warm, args.cpu)
                rows.setdefault(f"{label}: first letter, filled cache, imports done", []).append(
                    first)
                rows.setdefault(f"{label}: second letter (same process)", []).append(second)
    print(f"one-letter build and first vs second letter, CPU ms, median of {args.runs} "
          f"(range), pinned to core {args.cpu}")
    for label, values in rows.items():
        print(f"{label:70} {statistics.median(values):7.1f}  "
              f"({min(values):.1f}-{max(values):.1f})")


if __name__ == "__main__":
    main()
