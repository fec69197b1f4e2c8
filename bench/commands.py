"""Whole commands, start to finish: a batch as a user runs it, each engine in a new process.

    python bench/commands.py [--distinct 100] [--merge 250] [--runs 3]

The per-letter rows of ``run.py`` time the steady state of a warm process; these rows time what
a clerk waits for: ``letterpress build FOLDER -j 1`` (or ``build MERGE.yaml -j 1``) against one
Python process that compiles the same letters with one reused ``typst.Compiler`` and one that
draws them with the hand-written ReportLab anchor. Start-up, loading, writing every PDF to disk:
all of it counts. Each figure is the median of ``--runs`` runs, each process pinned to one core;
the ratios divide figures of the same run. The cpu rows count the user and system time of the
command's process; on a shared machine they move much less than the wall clock.

``python bench/commands.py --engine typst DATA.json OUT`` is the Typst (or ``reportlab``)
command itself: it reads the letters' data and writes ``OUT/NNN.pdf``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import workload
from table import Cell, Row, render
from workload import REPO

BENCH = Path(__file__).resolve().parent
ENGINES = ("typst", "reportlab", "letterpress")


def write_batch(engine: str, data_file: Path, out: Path) -> None:
    """The anchor command: every letter in ``data_file`` to ``out/NNN.pdf``."""
    letters = json.loads(data_file.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    if engine == "typst":
        from typst_anchor import TypstAnchor

        draw = TypstAnchor().render
    else:
        from reportlab_anchor import render as draw
    for number, letter in enumerate(letters):
        (out / f"{number:03d}.pdf").write_bytes(draw(letter))


def commands(folder: Path, distinct: int, merge: int) -> dict[str, dict[str, list[str]]]:
    """For each workload, the whole command of each engine."""
    letters = folder / "distinct"
    letters.mkdir()
    workload.write_distinct(letters, distinct)
    merge_letter = workload.write_merge(folder, merge)
    data = {"distinct": workload.distinct_data(distinct), "merge": workload.merge_data(merge)}
    cli = shutil.which("letterpress")
    letterpress = [cli] if cli else [sys.executable, "-m", "letterpress"]
    found: dict[str, dict[str, list[str]]] = {}
    for kind, source in (("distinct", letters), ("merge", merge_letter)):
        data_file = folder / f"{kind}.json"
        data_file.write_text(json.dumps(data[kind], ensure_ascii=False), encoding="utf-8")
        anchor = [sys.executable, str(BENCH / "commands.py"), "--engine"]
        found[kind] = {
            "typst": [*anchor, "typst", str(data_file), str(folder / f"typst-{kind}")],
            "reportlab": [*anchor, "reportlab", str(data_file), str(folder / f"rl-{kind}")],
            "letterpress": [*letterpress, "build", str(source), "-j", "1",
                            "-o", str(folder / f"lp-{kind}")],
        }
    return found


def timed(command: list[str], cpu: int) -> dict[str, float] | str:
    """Wall and CPU milliseconds of one whole command, or why it failed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=REPO, timeout=1800, check=False,
        env={**_bytecode_kept(), "RAYON_NUM_THREADS": "1",
             "PYTHONPATH": f"{REPO}{os.pathsep}{BENCH}", "SOURCE_DATE_EPOCH": "1663027200"},
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return f"exit {done.returncode}: {(done.stderr.strip().splitlines() or ['-'])[-1][:100]}"
    cpu_ms = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return {"wall": wall, "cpu": cpu_ms}


def _bytecode_kept() -> dict[str, str]:
    """The environment without PYTHONDONTWRITEBYTECODE: an installed letterpress runs from
    compiled bytecode, which the untimed first run writes. The letters are written to a
    temporary folder and name the repository's letterhead, so the root folder is widened to
    hold both."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "LETTERPRESS_ROOT": os.path.commonpath([REPO, tempfile.gettempdir()])}


def measure(distinct: int, merge: int, runs: int) -> list[Row]:
    cpu = min(os.sched_getaffinity(0))
    counts = {"distinct": distinct, "merge": merge}
    per_letter: dict[str, dict[str, list[float]]] = {k: {} for k in counts}
    missing: dict[str, dict[str, str]] = {k: {} for k in counts}
    with tempfile.TemporaryDirectory(prefix="lp-commands-") as name:
        found = commands(Path(name), distinct, merge)
        for number in range(runs + 1):  # the first run is untimed: caches and bytecode warm
            for kind, by_engine in found.items():
                shift = number % len(ENGINES)
                for engine in ENGINES[shift:] + ENGINES[:shift]:
                    result = timed(by_engine[engine], cpu)
                    if isinstance(result, str):
                        missing[kind][engine] = result
                    elif number:
                        for clock in ("wall", "cpu"):
                            per_letter[kind].setdefault(f"{engine} {clock}", []).append(
                                result[clock] / counts[kind])
                    print(f"  {kind}: {engine}, run {number} of {runs}", file=sys.stderr,
                          flush=True)
    rows = []
    for kind, label in (("distinct", f"{distinct} distinct letters, one command"),
                        ("merge", f"{merge}-recipient merge, one command")):
        for clock in ("wall", "cpu"):
            cells = {e: Cell(statistics.median(v), min(v), max(v))
                     for e in ENGINES if e not in missing[kind]
                     for v in [per_letter[kind].get(f"{e} {clock}", [])] if v}
            cells |= {e: Cell(missing=why) for e, why in missing[kind].items()}
            rows.append(Row(f"{label}, {clock} ms/letter", cells))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distinct", type=int, default=100)
    parser.add_argument("--merge", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", choices=("typst", "reportlab"), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        write_batch(args.engine, *args.paths)
        return
    rows = measure(args.distinct, args.merge, args.runs)
    print(f"whole commands, -j 1, each pinned to one core; median of {args.runs} run(s)")
    print(render(rows))


if __name__ == "__main__":
    main()
