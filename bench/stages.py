"""CPU ms per letter by stage (load, Markdown, compose, paint, finish) in a warm process.

    python bench/stages.py [--count 50] [--rounds 3] [--repo PATH]

The distinct and merge workloads of ``bench/run.py``, each stage timed around its call with
``time.process_time``; medians per letter, then over rounds. ``--repo`` times another checkout
(a worktree of an older commit) with the same script, so before and after can alternate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = ("load", "markdown", "compose", "paint", "finish")


def _timed(spent: dict[str, list[float]], name: str, call: Callable[[], Any]) -> Any:
    start = time.process_time()
    result = call()
    spent[name].append((time.process_time() - start) * 1000)
    return result


def _render(letter: Any, spent: dict[str, list[float]]) -> bytes:
    from letterpress import body, clock, finish, layout
    from letterpress.options import Options

    clock.fixed_time()
    options = Options()
    blocks = _timed(spent, "markdown", lambda: body.parse(letter.body))
    document = _timed(spent, "compose", lambda: layout.compose(letter, blocks, options))
    painted = _timed(spent, "paint", lambda: layout.paint(document))
    return _timed(spent, "finish", lambda: finish.finish(painted, letter, options, None))


def measure(kind: str, count: int) -> dict[str, float]:
    """Median CPU ms per letter of each stage over ``count`` letters of ``kind``."""
    import workload

    import letterpress
    from letterpress.reading.merge import expand

    for _ in range(3):
        letterpress.render(letterpress.load(workload.SEED))
    spent: dict[str, list[float]] = {name: [] for name in STAGES}
    with tempfile.TemporaryDirectory(prefix="lp-stages-") as folder:
        if kind == "distinct":
            for path in workload.write_distinct(Path(folder), count):
                letter = _timed(spent, "load", lambda path=path: letterpress.load(path))
                _render(letter, spent)
        else:
            merge = letterpress.load(workload.write_merge(Path(folder), count))
            for item in expand(merge):
                spent["load"].append(0.0)
                _render(item.letter, spent)
    result = {name: statistics.median(values) for name, values in spent.items()}
    totals = [sum(values[i] for values in spent.values()) for i in range(count)]
    result["total"] = statistics.median(totals)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--kind", choices=("distinct", "merge"), default=None)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    # The letters are written to a temporary folder and name this repository's letterhead.
    here = Path(__file__).resolve().parent.parent
    root = os.path.commonpath([here, args.repo.resolve(), tempfile.gettempdir()])
    os.environ.setdefault("LETTERPRESS_ROOT", root)
    for kind in (args.kind,) if args.kind else ("distinct", "merge"):
        figures = measure(kind, args.count)
        print(kind.ljust(9), "  ".join(f"{k} {v:5.2f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
