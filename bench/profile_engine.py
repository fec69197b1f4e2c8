"""Where an engine's time goes per letter: pyinstrument over the distinct-letters workload.

    python bench/profile_engine.py reportlab|letterpress|typst [--count 50] [--flat]

The engine is prepared and warmed up first, so the profile shows the steady state of a
long-running process (what the ``distinct`` row of ``bench/run.py`` times), not start-up.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from engines import ENGINES, engine, guarded
from pyinstrument import Profiler


def profile(name: str, count: int, flat: bool) -> str:
    """The pyinstrument report of ``count`` distinct letters rendered by ``name``."""
    subject = engine(name)
    for _ in range(3):
        guarded(subject.seed)
    with tempfile.TemporaryDirectory(prefix="lp-bench-") as folder:
        batch = subject.batch("distinct", count, Path(folder))
        calls = list(batch.calls)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for call in calls:
            call()
        profiler.stop()
    return profiler.output_text(unicode=True, flat=flat, show_all=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--flat", action="store_true", help="self time per function")
    args = parser.parse_args()
    print(profile(args.engine, args.count, args.flat))


if __name__ == "__main__":
    main()
