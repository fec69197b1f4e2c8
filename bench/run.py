"""Measure letterpress against the Typst and ReportLab anchors in one run; print ratios.

    python bench/run.py [--quick] [--only typst,reportlab,letterpress] [--rounds N]
                        [--clock cpu|wall]

Every figure is a median, and each engine is compared with anchors measured in the same run,
so the ratios hold on a noisy, shared machine where the milliseconds do not. Every timed
process runs on one core. See ``bench/README.md`` for what each workload means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import floor
import workload
from table import Cell, Row, render
from workload import FONTS, REPO

BENCH = Path(__file__).resolve().parent
# Versions that move the figures: the engines, ReportLab's C accelerator, hyphenation, qpdf.
PACKAGES = ("typst", "reportlab", "rl-accel", "pyphen", "pikepdf")
ENGINES = ("typst", "reportlab", "letterpress")
WORKER_TIMEOUT = 1800.0
TYPST_ONE = (
    "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3], "
    "font_paths=[sys.argv[4]], ignore_system_fonts=True, "
    "sys_inputs={'letter': open(sys.argv[5], encoding='utf-8').read()}, "
    "pdf_standards=['a-2a', 'ua-1'])"
)


@dataclass(frozen=True)
class Config:
    """How much to measure: the full run, or ``--quick`` to try it out."""

    engines: tuple[str, ...]
    rounds: int
    distinct: int
    merge: int
    processes: int
    rss: int
    warmup: int
    cpu: int
    clock: str


def config(args: argparse.Namespace) -> Config:
    """The measurements asked for on the command line."""
    engines = tuple(name for name in ENGINES if name in args.only.split(","))
    cpu = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    if args.quick:
        return Config(engines, args.rounds or 1, 20, 50, 3, 500, 2, cpu, args.clock)
    return Config(engines, args.rounds or 5, 100, 250, 10, 10_000, 5, cpu, args.clock)


def worker_env() -> dict[str, str]:
    # One core: keep Typst's thread pool to one thread as well as pinning the process.
    # An installed letterpress runs from compiled bytecode; the untimed first run writes it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # The letters are written to a temporary folder and name the repository's letterhead.
    root = os.path.commonpath([REPO, tempfile.gettempdir()])
    return {**env, "RAYON_NUM_THREADS": "1", "PYTHONPATH": str(REPO), "LETTERPRESS_ROOT": root}


def pinned(cpu: int) -> Callable[[], None]:
    def pin() -> None:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})

    return pin


def run_worker(engine: str, kind: str, count: int, cfg: Config) -> dict[str, Any]:
    """One worker process; its JSON, or ``{"unavailable": reason}`` when it failed."""
    command = [sys.executable, str(BENCH / "worker.py"), engine, kind, str(count),
               "--warmup", str(cfg.warmup), "--cpu", str(cfg.cpu)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=worker_env(),
                              timeout=WORKER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return {"unavailable": f"timed out after {WORKER_TIMEOUT:.0f} s"}
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"unavailable": f"worker exit {done.returncode}: {last[:120]}"}
    return json.loads(done.stdout)


def per_letter(result: dict[str, Any], count: int, clock: str) -> float:
    """Median ms per letter, with a batch's one-off setup (loading a merge) spread over it."""
    return statistics.median(result[clock]) + result["setup"][clock] / count


def summarise(values: list[float] | list[int]) -> Cell:
    """The median of ``values`` and their range."""
    return Cell(statistics.median(values), min(values), max(values))


@dataclass
class Collected:
    """What the rounds of one workload gave, per engine."""

    times: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, float] = field(default_factory=dict)
    pages: dict[str, list[int]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def add(self, engine: str, result: dict[str, Any], count: int, clock: str) -> None:
        if "unavailable" in result:
            self.missing[engine] = result["unavailable"]
            return
        self.times.setdefault(engine, []).append(per_letter(result, count, clock))
        self.sizes[engine] = result["size"] / 1024
        self.pages.setdefault(engine, []).extend(result["pages"])

    def cell(self, engine: str, values: dict[str, Any]) -> Cell:
        if engine not in values:
            return Cell(missing=self.missing.get(engine, "not run"))
        value = values[engine]
        return summarise(value) if isinstance(value, list) else Cell(value)


def collect(kind: str, count: int, cfg: Config, label: str) -> Collected:
    """Run every engine ``cfg.rounds`` times on a workload, a fresh process each time."""
    found = Collected()
    for number in range(cfg.rounds):
        # Rotate the order so that no engine always runs first (or last) in a round.
        shift = number % len(cfg.engines)
        for engine in cfg.engines[shift:] + cfg.engines[:shift]:
            result = run_worker(engine, kind, count, cfg)
            progress(f"{label}: {engine}, round {number + 1} of {cfg.rounds}", result)
            found.add(engine, result, count, cfg.clock)
    return found


def letters_rows(kind: str, count: int, cfg: Config, label: str) -> list[Row]:
    """Per-letter times of a workload; its page counts; the seed letter's PDF size in KB."""
    found = collect(kind, count, cfg, label)
    engines = cfg.engines
    return [
        Row(label, {e: found.cell(e, found.times) for e in engines}),
        Row(f"pages per letter ({label.split(',')[0]})",
            {e: found.cell(e, found.pages) for e in engines}, digits=0, ratios=False),
        Row("seed letter PDF size, KB", {e: found.cell(e, found.sizes) for e in engines},
            digits=0),
    ]


def process_commands(folder: Path) -> dict[str, list[str]]:
    """The whole command that makes the seed letter's PDF, for each engine."""
    data = folder / "seed.json"
    data.write_text(json.dumps(workload.seed_data(), ensure_ascii=False), encoding="utf-8")
    cli = shutil.which("letterpress")
    letterpress = [cli] if cli else [sys.executable, "-m", "letterpress"]
    return {
        "typst": [sys.executable, "-c", TYPST_ONE, str(BENCH / "typst" / "letter.typ"),
                  str(folder / "typst.pdf"), str(REPO), str(FONTS), str(data)],
        "reportlab": [sys.executable, str(BENCH / "reportlab_anchor.py"),
                      "-o", str(folder / "reportlab.pdf")],
        "letterpress": [*letterpress, "build", str(workload.SEED.relative_to(REPO)),
                        "-o", str(folder / "letterpress")],
    }


def run_command(command: list[str], cfg: Config) -> dict[str, float] | str:
    """Milliseconds the whole command took (wall clock, and CPU of the child), or why it failed."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=worker_env(),
                          preexec_fn=pinned(cfg.cpu), timeout=300, check=False)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit {done.returncode}: {last[:120]}"
    # Children run one at a time, so the growth of RUSAGE_CHILDREN is this command's CPU.
    cpu = (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) * 1000
    return {"wall": wall, "cpu": cpu}


def process_rows(cfg: Config) -> list[Row]:
    """One letter in a new process, whole command: median of ``cfg.processes`` runs each."""
    times: dict[str, dict[str, list[float]]] = {"wall": {}, "cpu": {}}
    floor_times: dict[str, list[float]] = {}
    missing: dict[str, str] = {}
    floor_missing: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="lp-bench-") as name:
        commands = process_commands(Path(name))
        # One untimed run each: bytecode compiled and files in the page cache.
        for engine in cfg.engines:
            run_command(commands[engine], cfg)
        floors = floor_commands(commands, cfg, floor_missing)
        for _ in range(cfg.processes):
            for engine in cfg.engines:
                result = run_command(commands[engine], cfg)
                if isinstance(result, str):
                    missing[engine] = result
                else:
                    for clock, value in result.items():
                        times[clock].setdefault(engine, []).append(value)
                # The floor right after its command: both see the machine in the same state.
                if engine in floors:
                    at_floor = run_command(floors[engine], cfg)
                    if isinstance(at_floor, str):
                        floor_missing[engine] = at_floor
                    else:
                        floor_times.setdefault(engine, []).append(at_floor["cpu"])
        _check_outputs(Path(name), missing)
    progress("one letter, new process", {})
    return [
        *(_process_row(f"one letter, new process, {clock} ms (median of {cfg.processes})",
                       times[clock], missing, cfg) for clock in ("wall", "cpu")),
        _process_row(f"import floor, new process, cpu ms (median of {cfg.processes})",
                     floor_times, floor_missing, cfg),
    ]


def floor_commands(commands: dict[str, list[str]], cfg: Config,
                   missing: dict[str, str]) -> dict[str, list[str]]:
    """Per engine, a new process that only imports the libraries its whole command loads (see
    ``floor.py``): what no engine on this stack can start below."""
    floors: dict[str, list[str]] = {}
    for engine in cfg.engines:
        try:
            modules = floor.loaded_by(floor.python_arguments(commands[engine]), REPO,
                                      worker_env())
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            missing[engine] = str(exc)
            continue
        floors[engine] = floor.floor_command(floor.libraries(modules))
        run_command(floors[engine], cfg)  # untimed, as the commands' first run
    return floors


def _process_row(label: str, times: dict[str, list[float]], missing: dict[str, str],
                 cfg: Config) -> Row:
    cells = {e: summarise(times[e]) if e in times and e not in missing
             else Cell(missing=missing.get(e, "not run")) for e in cfg.engines}
    return Row(label, cells, digits=0)


def _check_outputs(folder: Path, missing: dict[str, str]) -> None:
    # letterpress build reports its failures on stderr but a run that wrote no PDF is no run.
    if not (folder / "letterpress" / f"{workload.SEED.stem}.pdf").is_file():
        missing.setdefault("letterpress", "build wrote no PDF")


def rss_row(cfg: Config) -> Row:
    """Peak RSS of a ``cfg.rss``-recipient letterpress merge; n/a until the merge API exists."""
    label = f"{cfg.rss:,}-recipient merge, peak RSS MB"
    if "letterpress" not in cfg.engines:
        return Row(label)
    result = run_worker("letterpress", "rss", cfg.rss, cfg)
    progress(label, result)
    if "unavailable" in result:
        return Row(label, {"letterpress": Cell(missing=result["unavailable"])})
    return Row(label, {"letterpress": Cell(result["max_rss_kb"] / 1024)}, digits=0)


def progress(step: str, result: dict[str, Any]) -> None:
    note = f": n/a ({result['unavailable']})" if "unavailable" in result else ""
    print(f"  {step}{note}", file=sys.stderr, flush=True)


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def describe(cfg: Config) -> str:
    """Date, machine and versions, printed above the table."""
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False).stdout.strip()
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return (
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores (each timed process pinned to core {cfg.cpu})\n"
        f"Python {platform.python_version()}, {versions}, letterpress {commit or '?'}\n"
        f"{cfg.rounds} round(s); ms/letter = {cfg.clock} time, median per letter, then median "
        f"over rounds (range over rounds in brackets)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer letters and repetitions")
    parser.add_argument("--only", default=",".join(ENGINES), help="engines, comma-separated")
    parser.add_argument("--rounds", type=int, help="fresh worker processes per engine")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="per-letter timings in CPU time (default) or by the wall clock")
    args = parser.parse_args()
    unknown = set(args.only.split(",")) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engine {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join(ENGINES)}")
    cfg = config(args)
    distinct, pages, sizes = letters_rows(
        "distinct", cfg.distinct, cfg, f"{cfg.distinct} distinct letters, ms/letter")
    merge = letters_rows("merge", cfg.merge, cfg, f"{cfg.merge}-recipient merge, ms/letter")[0]
    rows = [distinct, merge, *process_rows(cfg), sizes, pages, rss_row(cfg)]
    print(describe(cfg))
    print(render(rows))


if __name__ == "__main__":
    main()
